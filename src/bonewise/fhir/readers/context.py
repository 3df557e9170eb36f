"""What every reader shares: the input's reference resolver, the import report and "today".

Reads nothing itself and decides nothing clinical. It resolves references (contained, relative,
absolute, fullUrl), checks that a resource is about the imported patient, reads a date (a future
date is rejected, an imprecise one said), and writes to the report: values with their codes,
unconfirmed code mappings, and unknown codes (collected, then reported once each by `finish`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bonewise.fhir import read
from bonewise.fhir.entries import READ_TYPES, SUPPORT_TYPES, Entry, validate_resource
from bonewise.fhir.report import ImportedValue, ImportReport
from bonewise.terminology import codes


def to_date(value: Any, what: str, source: str, report: ImportReport) -> date | None:
    """read.read_date, with a rejected or imprecise date said in the report."""
    try:
        found = read.read_date(value)
    except ValueError:
        report.add("rejected", source, f"{what} {str(value)!r} is not a date")
        return None
    if found is None:
        return None
    if found.imprecise:
        report.add(
            "converted",
            source,
            f"{what} {str(value)!r} is imprecise: read as {found.day.isoformat()}",
        )
    return found.day


def ext(resource: Any, url: str) -> list[Any]:
    return [e for e in (getattr(resource, "extension", None) or []) if e.url == url]


def ext_value(resource: Any, url: str, attr: str) -> Any:
    found = ext(resource, url)
    return getattr(found[0], attr) if found else None


def num(value: Decimal | int | float) -> float:
    return float(value)


@dataclass
class Dated:
    """One dated fact read from one resource (a height, a smoking status, a menopausal status)."""

    day: date | None
    value: Any
    source: str
    concept: codes.Concept
    unit: str | None = None
    note: str = ""


class ReadContext:
    """The shared context of one import: entries by reference, the report, today, the patient."""

    def __init__(self, entries: list[Entry], report: ImportReport, today: date) -> None:
        self.report = report
        self.today = today
        self.by_ref: dict[str, Entry] = {}
        for entry in entries:
            self.by_ref[entry.ref] = entry
            if entry.full_url:
                self.by_ref[entry.full_url] = entry
        # References that name the imported patient (set once the Patient is found).
        self.patient_refs: set[str] = set()
        self._unknown: dict[tuple[str, str], tuple[str, str | None, list[str]]] = {}

    def date(self, value: Any, what: str, source: str) -> date | None:
        day = to_date(value, what, source, self.report)
        if day is not None and day > self.today:
            self.report.add(
                "rejected",
                source,
                f"{what} {day.isoformat()} is in the future (today is {self.today.isoformat()})",
            )
            return None
        return day

    def for_this_patient(self, entry: Entry) -> bool:
        ref = getattr(entry.resource, "subject", None) or getattr(entry.resource, "patient", None)
        reference = getattr(ref, "reference", None) if ref is not None else None
        if reference is None or reference in self.patient_refs:
            return True
        if read.relative(reference) in self.patient_refs:
            return True
        self.report.add(
            "skipped", entry.ref, f"belongs to another patient ({reference}); not imported"
        )
        return False

    def resolve(self, reference: str | None, entry: Entry) -> Any:
        """The resource a reference in `entry` points to (contained or in the input), or None."""
        if not reference:
            return None
        if reference.startswith("#"):
            for contained in entry.raw.get("contained") or []:
                if contained.get("id") == reference[1:]:
                    found = validate_resource(
                        contained, entry.label, f"{entry.ref}.contained", self.report
                    )
                    self.report.resources_read -= 1 if found else 0
                    return found.resource if found else None
            return None
        found = self.by_ref.get(reference) or self.by_ref.get(read.relative(reference))
        return found.resource if found else None

    def unknown(self, entry: Entry, concept: Any, what: str) -> None:
        """Collect an unknown code; `finish` reports each distinct code once, with its count."""
        first = next(iter(read.codings(concept)), None)
        code = read.code_str(first.system, first.code) if first else None
        key = (what, code or read.describe(concept))
        if key not in self._unknown:
            self._unknown[key] = (read.describe(concept), code, [])
        self._unknown[key][2].append(entry.ref)

    def finish(self) -> None:
        """Report what was collected across resources: unknown codes and unread types."""
        for (what, _), (described, code, sources) in self._unknown.items():
            more = f" (in {len(sources)} resources)" if len(sources) > 1 else ""
            self.report.add(
                "unknown-code",
                ", ".join(sources[:3]) + (", ..." if len(sources) > 3 else ""),
                f"{what} code not known to bonewise: {described}{more}",
                code=code,
            )
        for rtype, count in sorted(self.report.resources_by_type.items()):
            if rtype not in READ_TYPES | SUPPORT_TYPES:
                self.report.add(
                    "not-used", rtype, f"{count} {rtype} resource(s): not read by bonewise"
                )

    def unconfirmed(self, entry: Entry, concept: codes.Concept) -> None:
        if concept.evidence == "unconfirmed":
            self.report.add(
                "unconfirmed-code",
                entry.ref,
                f"{concept.display}: this code mapping is UNCONFIRMED ({concept.verified_in}); "
                "check the value",
                code=read.code_str(concept.system, concept.code),
            )

    def value(
        self,
        field_name: str,
        value: Any,
        source: str,
        concept: codes.Concept | str,
        unit: str | None = None,
        note: str = "",
    ) -> None:
        """Say in the report which record field a value went to, from where, under which code."""
        if isinstance(concept, str):
            code, display, evidence = concept, concept, "confirmed"
        else:
            code = read.code_str(concept.system, concept.code)
            display, evidence = concept.display, concept.evidence
        self.report.values.append(
            ImportedValue(field_name, value, unit, source, code, display, evidence, note)
        )

    def latest(self, items: list[Dated], what: str) -> Dated | None:
        """The latest dated item (undated ones count as oldest); the older ones said not used."""
        if not items:
            return None
        ordered = sorted(items, key=lambda d: (d.day is not None, d.day or date.min))
        chosen = ordered[-1]
        for older in ordered[:-1]:
            self.report.add(
                "not-used",
                older.source,
                f"{what} {older.value} {older.unit or ''}".rstrip()
                + f" ({older.day}): an older value; the latest ({chosen.day}) is kept",
            )
        return chosen
