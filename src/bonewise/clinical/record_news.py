"""What a source record (the EHR's chart, read again at a SMART relaunch) holds that the record
kept in bonewise does not: new dated entries, and findings the EHR now records as present.

    news = new_entries(from_ehr, kept)
    updated = with_entries(kept, chosen, today=today)  # what the clinician chose of them

Nothing kept is changed or removed unless the clinician ticks it: an entry already in bonewise
(the same day and kind, even when corrected since) is not news, and a finding bonewise already
holds as present is not either. A finding recorded as absent in bonewise that the EHR now lists
is news: the clinician decides. So are two changes to entries bonewise holds (`CHANGES`), shown
as changes to tick rather than ignored: a course the EHR now records as ended (the aromatase
inhibitor, a bone-directed therapy or a GnRH agonist course bonewise holds without an end: its
end date is recorded), and an aromatase inhibitor switched (the EHR's current AI is another:
it becomes the therapy, the one kept becoming the earlier AI). Pure functions over validated
records (no I/O).
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


# Changes to an entry bonewise holds: `course_end` {"section", "key", "end_date"} (the key as
# _KEYS gives it, a list; none for "therapy"), `ai_switch` {"therapy": the EHR's therapy}.
CHANGES = ("course_end", "ai_switch")
_COURSES = ("bone_therapy", "gnrh_agonists")


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
    candidates += _changes(new, kept.model_dump(mode="json"))
    return new_entries_from(candidates, kept)


def _changes(new: dict[str, Any], held: dict[str, Any]) -> list[NewEntry]:
    """The ended courses and a switched aromatase inhibitor the source records (see CHANGES)."""
    found = []
    source, kept = new["therapy"], held["therapy"]
    if source is not None and kept is not None:
        if source["agent"] != kept["agent"]:
            found.append(
                NewEntry(
                    "ai_switch",
                    {"therapy": source},
                    f"changed: aromatase inhibitor switched from {kept['agent']} to "
                    f"{source['agent']} on {source['start_date']}",
                )
            )
        elif source["end_date"] is not None:
            found.append(_course_end("therapy", None, source["end_date"], kept["agent"]))
    for section in _COURSES:
        for entry in new[section]:
            if entry["end_date"] is not None:
                key = _course_key(section, entry)
                found.append(_course_end(section, key, entry["end_date"], entry["agent"]))
    return found


def _course_key(section: str, entry: dict[str, Any]) -> list[Any]:
    """A course's _KEYS key as a list (as it comes back from a page's JSON)."""
    key = _KEYS[section](entry)
    return list(key) if isinstance(key, tuple) else [key]


def _course_end(section: str, key: list[Any] | None, end: str, agent: str) -> NewEntry:
    words = "aromatase inhibitor" if section == "therapy" else _WORDS[section]
    return NewEntry(
        "course_end",
        {"section": section, "key": key, "end_date": end},
        f"changed: {words} {agent} ended on {end}",
    )


def _open_course(held: dict[str, Any], change: dict[str, Any]) -> dict[str, Any] | None:
    """The course of `held` (its JSON) a course_end names, if it is still without an end."""
    if change["section"] == "therapy":
        course = held["therapy"]
    else:
        section = change["section"]
        course = next((e for e in held[section] if _course_key(section, e) == change["key"]), None)
    return course if course is not None and course["end_date"] is None else None


def _still_news(change: NewEntry, held: dict[str, Any]) -> bool:
    """Whether the change still differs from what bonewise holds (not applied since)."""
    if change.section == "course_end":
        return _open_course(held, change.value) is not None
    kept = held["therapy"]
    return kept is not None and kept["agent"] != change.value["therapy"]["agent"]


def with_entries(kept: PatientRecord, entries: list[NewEntry], *, today: date) -> PatientRecord:
    """`kept` with these entries added (those it holds by now are skipped); a finding added
    becomes a statement (its assumption, if any, is dropped) with the source's provenance."""
    data = kept.model_dump(mode="json")
    for entry in new_entries_from(entries, kept):
        if entry.section == "course_end":
            course = _open_course(data, entry.value)
            assert course is not None  # new_entries_from kept only open ones
            course["end_date"] = entry.value["end_date"]
        elif entry.section == "ai_switch":
            data["therapy"] = _switched(data["therapy"], entry.value["therapy"])
        elif entry.section == "risk_factors":
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


def _switched(kept: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """The EHR's therapy, the AI kept listed as an earlier one (it ended when the new began)."""
    earlier = list(source["switched_from"])
    if all(e["agent"] != kept["agent"] for e in earlier):
        end = kept["end_date"] or source["start_date"]
        earlier.append({"agent": kept["agent"], "start_date": kept["start_date"], "end_date": end})
    return source | {"switched_from": sorted(earlier, key=lambda e: e["start_date"])}


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
    labels = set()
    for entry in entries:
        if entry.section in CHANGES:
            if entry.label not in labels and _still_news(entry, held):
                labels.add(entry.label)
                found.append(entry)
        elif entry.section in known and _key(entry) not in known[entry.section]:
            known[entry.section].add(_key(entry))
            found.append(entry)
    return found
