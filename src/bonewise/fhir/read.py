"""One FHIR reader for the small things every path reads: dates, statuses, codings, references.

Used by the single-patient import (bonewise.fhir.importer and its readers) and the CDS Hooks
service (bonewise.fhir.cds_cards), so a partial date or an entered-in-error resource means the
same thing on every path. Works on parsed JSON (dicts) and on fhir.resources models alike.

The rules, once:
- Partial dates: a FHIR date of year ("2024") or year-month ("2024-03") precision is read as the
  first day of that year or month, and the reader says it was imprecise. A dateTime keeps its
  calendar day (the time and zone are dropped).
- A Condition's date (`CONDITION_ONSET`, `condition_onset`): its onsetDateTime or
  onsetPeriod.start, else its recordedDate. onsetAge, onsetRange and onsetString are not dates (an
  age or a range of ages spans a year or more from the birth date; a string is free text), nor is
  an onsetPeriod with only an end (it bounds the onset, it does not place it): those fall back to
  recordedDate, the latest the condition can have begun. A Condition has no onsetInstant (FHIR
  R4, R4B and R5): the import refuses one as malformed, and it dates nothing.
- A MedicationRequest's end (`MEDICATION_REQUEST_END`, `medication_request_end`): the end of its
  first dosage instruction's timing.repeat.boundsPeriod, the prescriber's planned last day of
  dosing. Not dispenseRequest.validityPeriod.end: that is the day the prescription stops being
  valid for dispensing (an AI order valid 12 months is renewed, not stopped, at 12 months), so
  it records no stop of therapy.
- A MedicationRequest's start (`MEDICATION_REQUEST_START`, `medication_request_start`): the start
  of its first dosage instruction's timing.repeat.boundsPeriod (the first day the prescriber
  meant her to take it), else authoredOn (the day it was written). Not
  dispenseRequest.validityPeriod.start: the first day it may be dispensed starts no dosing.
- A MedicationStatement's start and end (`MEDICATION_STATEMENT_START`, `MEDICATION_STATEMENT_END`):
  effectiveDateTime or effectivePeriod.start; effectivePeriod.end.
- A medication order or statement whose status is completed or stopped (`ENDED_STATUSES`) and
  that gives no end date ended, on a day the record does not hold: it is read as ended on its
  start, the last day the record shows it taken (`ended_without_end_date`). The cautious reading:
  no month of therapy is counted that the record does not show (a stopped denosumab is a lapse to
  act on, not a course still covering her), and the import lists it for the clinician to confirm.
- Skipped statuses: a resource whose `status` is entered-in-error, cancelled, not-taken, not-done,
  revoked or refuted, or whose `verificationStatus` is refuted or entered-in-error, is not part of
  the record: it was never true, or never happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

from bonewise.terminology import codes

SKIPPED_STATUSES: frozenset[str] = frozenset(
    {"entered-in-error", "cancelled", "not-taken", "not-done", "revoked", "refuted"}
)
SKIPPED_VERIFICATION: frozenset[str] = frozenset({"refuted", "entered-in-error"})
Precision = Literal["year", "month", "day"]


@dataclass(frozen=True, slots=True)
class Coding:
    system: str  # normalised (canonical URI)
    code: str
    display: str | None


@dataclass(frozen=True, slots=True)
class FhirDate:
    day: date
    precision: Precision

    @property
    def imprecise(self) -> bool:
        return self.precision != "day"


def field(obj: Any, name: str) -> Any:
    """obj.name for a model, obj[name] for a dict, None otherwise."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


# A Condition's dated fields in the order they are read, as dotted paths: the single-patient
# readers read them with `condition_onset`, the Bulk NDJSON loader as its SQL coalesce.
CONDITION_ONSET: Final[tuple[str, ...]] = ("onsetDateTime", "onsetPeriod.start", "recordedDate")


# A MedicationRequest's end as dotted paths (a repeating element is read as its first item):
# read by the single-patient import with `medication_request_end`, by the loader as its SQL.
MEDICATION_REQUEST_END: Final[tuple[str, ...]] = (
    "dosageInstruction.timing.repeat.boundsPeriod.end",
)


# A MedicationRequest's start: the dosing's planned first day, else the day it was written.
MEDICATION_REQUEST_START: Final[tuple[str, ...]] = (
    "dosageInstruction.timing.repeat.boundsPeriod.start",
    "authoredOn",
)
# A MedicationStatement's start and end (effective[x] is a dateTime or a Period).
MEDICATION_STATEMENT_START: Final[tuple[str, ...]] = ("effectiveDateTime", "effectivePeriod.start")
MEDICATION_STATEMENT_END: Final[tuple[str, ...]] = ("effectivePeriod.end",)
# A medication order or statement in one of these statuses has ended, dated or not.
ENDED_STATUSES: Final[tuple[str, ...]] = ("completed", "stopped")


def path(obj: Any, dotted: str) -> Any:
    """The value at a dotted path ("onsetPeriod.start") of a dict or model, None if absent; a
    repeating element on the way is read as its first item."""
    for name in dotted.split("."):
        obj = field(obj, name)
        if isinstance(obj, list):
            obj = obj[0] if obj else None
    return obj


def _first_present(resource: Any, paths: tuple[str, ...]) -> Any:
    for dotted in paths:
        value = path(resource, dotted)
        if value is not None and value != "":
            return value
    return None


def condition_onset(resource: Any) -> Any:
    """The Condition's date as written (the first of CONDITION_ONSET present), or None."""
    return _first_present(resource, CONDITION_ONSET)


def medication_request_end(resource: Any) -> Any:
    """The MedicationRequest's end as written (the first of MEDICATION_REQUEST_END), or None."""
    return _first_present(resource, MEDICATION_REQUEST_END)


def medication_request_start(resource: Any) -> Any:
    """The MedicationRequest's start as written (the first of MEDICATION_REQUEST_START), or None."""
    return _first_present(resource, MEDICATION_REQUEST_START)


def medication_statement_start(resource: Any) -> Any:
    """The MedicationStatement's start as written (MEDICATION_STATEMENT_START), or None."""
    return _first_present(resource, MEDICATION_STATEMENT_START)


def medication_statement_end(resource: Any) -> Any:
    """The MedicationStatement's end as written (MEDICATION_STATEMENT_END), or None."""
    return _first_present(resource, MEDICATION_STATEMENT_END)


def ended_without_end_date(status: Any, end: Any) -> bool:
    """A completed or stopped order or statement that gives no end date: read as ended on its
    start (the module's rule)."""
    return end is None and status in ENDED_STATUSES


def read_date(value: Any) -> FhirDate | None:
    """A FHIR date, dateTime or instant (string or parsed) -> its day and precision.

    Raises ValueError for text that is not a date.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return FhirDate(value.date(), "day")
    if isinstance(value, date):
        return FhirDate(value, "day")
    text = str(value).strip()
    if len(text) == 4:
        return FhirDate(date(int(text), 1, 1), "year")
    if len(text) == 7:
        return FhirDate(date(int(text[:4]), int(text[5:7]), 1), "month")
    return FhirDate(date.fromisoformat(text[:10]), "day")


def day(value: Any) -> date | None:
    """read_date without the precision; None for text that is not a date."""
    try:
        found = read_date(value)
    except ValueError:
        return None
    return found.day if found else None


def status_skip_reason(resource: Any) -> str | None:
    """Why a resource is not part of the record (its status), or None when it is."""
    status = field(resource, "status")
    if isinstance(status, str) and status in SKIPPED_STATUSES:
        return f"status {status!r}"
    for coding in codings(field(resource, "verificationStatus")):
        if coding.code in SKIPPED_VERIFICATION:
            return f"verification status {coding.code!r}"
    return None


def codings(concept: Any) -> list[Coding]:
    """The codings of a CodeableConcept (dict or model), systems normalised; codeless skipped."""
    found = []
    for item in field(concept, "coding") or []:
        code = field(item, "code")
        if code:
            system = codes.normalise_system(field(item, "system"))
            found.append(Coding(system, str(code), field(item, "display")))
    return found


def text(concept: Any) -> str | None:
    value = field(concept, "text")
    return str(value) if value else None


def describe(concept: Any) -> str:
    """system|code display; ... and the text, for reports."""
    parts = [f"{c.system}|{c.code} {c.display or ''}".strip() for c in codings(concept)]
    if text(concept):
        parts.append(f"text {text(concept)!r}")
    return "; ".join(parts) or "no coding"


def code_str(system: str | None, code: str | None) -> str:
    return f"{codes.normalise_system(system)}|{code}"


def relative(reference: str) -> str:
    """The "Type/id" part of an absolute or versioned reference (https://x/fhir/Patient/1/_history/2)."""
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else reference


def reference_id(reference: str | None, resource_type: str) -> str | None:
    """The id in a reference to `resource_type` ("Patient/123" -> "123"), else None."""
    if not reference:
        return None
    rtype, _, rid = relative(reference).partition("/")
    return rid if rtype == resource_type and rid else None
