"""What a source record (the EHR's chart, read again at a SMART relaunch) holds that the record
kept in bonewise does not: new dated entries, and findings the EHR now records as present.

    news = new_entries(from_ehr, kept)
    updated = with_entries(kept, chosen, today=today)  # what the clinician chose of them

Nothing kept is changed or removed: an entry already in bonewise (the same day and kind, even
when corrected since) is not news, and a finding bonewise already holds as present is not
either. A finding recorded as absent in bonewise that the EHR now lists is news: the clinician
decides. Pure functions over validated records (no I/O).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bonewise.clinical.models import PatientRecord

# Each list section, and what makes an entry the same entry (so a corrected value is not new).
_KEYS: dict[str, Callable[[Any], Hashable]] = {
    "dxa_scans": lambda e: e["date"],
    "fractures": lambda e: (e["date"], e["site"]),
    "labs": lambda e: (e["kind"], e["date"]),
    "bone_therapy": lambda e: (e["agent"], e["start_date"] or min(e["doses"] or [""])),
    "gnrh_agonists": lambda e: (e["agent"], e["start_date"]),
    "vertebral_imaging": lambda e: (e["date"], e["kind"]),
    "dxa_procedures": lambda e: str(e),
}
_WORDS = {
    "dxa_scans": "DXA scan",
    "fractures": "fracture",
    "labs": "lab result",
    "bone_therapy": "bone-directed therapy",
    "gnrh_agonists": "GnRH agonist",
    "vertebral_imaging": "vertebral imaging",
    "dxa_procedures": "DXA (procedure, no result)",
}
FINDINGS = (
    "bone_metastases",
    "prior_fragility_fracture_after_50",
    "vertebral_fracture",
    "oral_glucocorticoids_over_6_months",
    "rheumatoid_arthritis",
)


@dataclass(frozen=True, slots=True)
class NewEntry:
    """One thing the source holds that bonewise does not: a list entry (its JSON) or a finding
    (`section` "risk_factors", `value` {"field": name})."""

    section: str
    value: Any
    label: str

    def as_json(self) -> dict[str, Any]:
        return {"section": self.section, "value": self.value, "label": self.label}


def _label(section: str, entry: Any) -> str:
    if section == "dxa_procedures":
        return f"{_WORDS[section]} on {entry}"
    if section == "labs":
        return f"{_WORDS[section]} {entry['kind']} on {entry['date']}: {entry['value']} {entry['unit']}"
    if section == "fractures":
        return f"{_WORDS[section]} ({entry['site']}) on {entry['date']}"
    if section in ("bone_therapy", "gnrh_agonists"):
        since = entry.get("start_date") or min(entry.get("doses") or ["?"])
        return f"{_WORDS[section]} {entry['agent']} from {since}"
    if section == "vertebral_imaging":
        return f"{_WORDS[section]} ({entry['kind']}) on {entry['date']}"
    return f"{_WORDS[section]} on {entry['date']}"


def _finding_label(field: str) -> str:
    return f"on the problem list: {field.replace('_', ' ')}"


def new_entries(source: PatientRecord, kept: PatientRecord) -> list[NewEntry]:
    """What `source` holds that `kept` does not (see the module docstring), in section order."""
    new = source.model_dump(mode="json")
    candidates = [
        NewEntry(section, entry, _label(section, entry))
        for section in _KEYS
        for entry in new[section]
    ]
    for field in FINDINGS:
        if new["risk_factors"][field] is True:
            value = {"field": field}
            if field in new["risk_factors"]["provenance"]:
                value["provenance"] = new["risk_factors"]["provenance"][field]
            candidates.append(NewEntry("risk_factors", value, _finding_label(field)))
    return new_entries_from(candidates, kept)


def with_entries(kept: PatientRecord, entries: list[NewEntry], *, today: date) -> PatientRecord:
    """`kept` with these entries added (those it holds by now are skipped); a finding added
    becomes a statement (its assumption, if any, is dropped) with the source's provenance."""
    data = kept.model_dump(mode="json")
    for entry in new_entries_from(entries, kept):
        if entry.section == "risk_factors":
            field = entry.value["field"]
            data["risk_factors"][field] = True
            if "provenance" in entry.value:
                data["risk_factors"]["provenance"][field] = entry.value["provenance"]
            data["assumptions"] = [
                a for a in data["assumptions"] if a["field"] != f"risk_factors.{field}"
            ]
        else:
            data[entry.section].append(entry.value)
    return PatientRecord.parse(data, today=today)


def _key(entry: NewEntry) -> Hashable:
    if entry.section == "risk_factors":
        return str(entry.value["field"])
    return _KEYS[entry.section](entry.value)


def new_entries_from(entries: list[NewEntry], kept: PatientRecord) -> list[NewEntry]:
    """The entries (found now, or chosen earlier on a page) that `kept` does not hold, each
    once."""
    held = kept.model_dump(mode="json")
    known: dict[str, set[Hashable]] = {s: {k(e) for e in held[s]} for s, k in _KEYS.items()}
    # A scan with its result already says a DXA was done that day.
    known["dxa_procedures"] |= {s["date"] for s in held["dxa_scans"]}
    known["risk_factors"] = {f for f in FINDINGS if held["risk_factors"][f] is True}
    found = []
    for entry in entries:
        if entry.section in known and _key(entry) not in known[entry.section]:
            known[entry.section].add(_key(entry))
            found.append(entry)
    return found
