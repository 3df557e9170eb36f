"""The state every resource reader shares, and the helpers they use (dates, codes, provenance)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from bonewise.fhir import read, record_codes
from bonewise.fhir.entries import READ_TYPES, SUPPORT_TYPES, Entry, validate_resource
from bonewise.fhir.report import ImportedValue, ImportReport
from bonewise.terminology import codes


def _to_date(value: Any, what: str, source: str, report: ImportReport) -> date | None:
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


def answer_provenance(resource: Any) -> dict[str, Any] | None:
    """The record's provenance of a risk-factor answer, from bonewise's answer-provenance
    extension (source, recorded-on, unsure, basis); None when the resource has none."""
    found = ext(resource, record_codes.EXT_ANSWER_PROVENANCE)
    if not found:
        return None
    parts = {part.url: part for part in found[0].extension or []}
    source = parts.get("source")
    recorded = parts.get("recorded-on")
    unsure = parts.get("unsure")
    basis = parts.get("basis")
    out = {
        "source": source.valueCode if source is not None else None,
        "recorded_on": recorded.valueDate.isoformat()
        if recorded is not None and recorded.valueDate is not None
        else None,
        "unsure": bool(unsure.valueBoolean) if unsure is not None else False,
    }
    if basis is not None:
        out["basis"] = basis.valueCode
    return out


def dose_mg(quantity: Any) -> float | None:
    """A dose in mg from a FHIR Quantity (UCUM mg or unit 'mg'), else None."""
    if quantity is None or quantity.value is None:
        return None
    unit = (quantity.code or quantity.unit or "").strip()
    return float(quantity.value) if unit == "mg" else None


@dataclass
class Course:
    kind: Literal["ai", "bone", "glucocorticoid", "gnrh"]
    agent: str
    start: date | None
    end: date | None
    source: str
    code: codes.DrugCode
    resource_type: str
    planned_years: float | None = None
    ovarian_suppression: bool | None = None
    derived_from: tuple[str, ...] = ()
    doses: list[tuple[date, str]] = field(default_factory=list)
    status: str | None = None
    dose_mg: float | None = None
    # False when the start is only the first dose (bonewise's start-is-first-dose extension)
    start_recorded: bool = True


@dataclass
class DxaValue:
    day: date
    make: str | None
    model: str | None
    facility: str | None
    entry: codes.DxaCode
    value: float
    source: str
    excluded: tuple[str, ...] = ()
    precision_pct: float | None = None  # the facility's precision for this site, if sent


@dataclass
class Dated:
    day: date | None
    value: Any
    source: str
    concept: codes.Concept
    unit: str | None = None
    note: str = ""


class ReaderBase:
    def __init__(self, entries: list[Entry], report: ImportReport, today: date) -> None:
        self.entries = entries
        self.report = report
        self.today = today
        self.by_ref: dict[str, Entry] = {}
        for entry in entries:
            self.by_ref[entry.ref] = entry
            if entry.full_url:
                self.by_ref[entry.full_url] = entry
        self.patient_refs: set[str] = set()
        self.dxa: list[DxaValue] = []
        self.dxa_procedures: list[tuple[date, str]] = []
        self.labs: list[tuple[dict[str, Any], ImportedValue]] = []
        self.heights: list[Dated] = []
        self.weights: list[Dated] = []
        self.bmis: list[Dated] = []  # BMI Observations: used without height and weight
        self.smoking: list[Dated] = []
        self.menopause: list[Dated] = []
        self.risk: dict[str, Dated] = {}
        # Per risk factor, who answered and when (a bonewise export's answer-provenance).
        self.risk_provenance: dict[str, dict[str, Any]] = {}
        self.vertebral_imaging: list[dict[str, Any]] = []
        # Fractures read without a mechanism: (data, source, code, display), see ConditionReader.
        self.unrecorded_mechanism: list[tuple[dict[str, Any], str, str, str]] = []
        self.derived_risk: dict[str, Dated] = {}
        self.fractures: list[tuple[dict[str, Any], ImportedValue]] = []
        self.courses: list[Course] = []
        self.administrations: list[tuple[codes.DrugCode, date, str, str]] = []
        self.administered_mg: dict[str, float] = {}  # dose per administration, by its source
        self.frax: tuple[dict[str, Any], str] | None = None
        self.unknown: dict[tuple[str, str], tuple[str, str | None, list[str]]] = {}
        self.metastasis_staging: list[Dated] = []
        # conditions under codes bonewise does not know whose words name a family (fracture,
        # bone metastases, menopause): family -> [(source, words)]; the fact is then unknown
        self.unknown_families: dict[str, list[tuple[str, str]]] = {}
        self.oophorectomy: list[str] = []
        self.gnrh: list[Course] = []
        self.glucocorticoids: list[Course] = []
        self.long_term_steroids: list[str] = []

    # -- helpers --
    def _date(self, value: Any, what: str, source: str) -> date | None:
        day = _to_date(value, what, source, self.report)
        if day is not None and day > self.today:
            self.report.add(
                "rejected",
                source,
                f"{what} {day.isoformat()} is in the future (today is {self.today.isoformat()})",
            )
            return None
        return day

    def _for_this_patient(self, entry: Entry) -> bool:
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

    def _resolve(self, reference: str | None, entry: Entry) -> Any:
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

    def _unknown(self, entry: Entry, concept: Any, what: str) -> None:
        """Collect an unknown code; `finish` reports each distinct code once, with its count."""
        first = next(iter(read.codings(concept)), None)
        code = read.code_str(first.system, first.code) if first else None
        key = (what, code or read.describe(concept))
        if key not in self.unknown:
            self.unknown[key] = (read.describe(concept), code, [])
        self.unknown[key][2].append(entry.ref)

    def finish(self) -> None:
        """Report what was collected across resources: unknown codes and unread types."""
        for (what, _), (described, code, sources) in self.unknown.items():
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

    def _unconfirmed(self, entry: Entry, concept: codes.Concept) -> None:
        if concept.evidence == "unconfirmed":
            self.report.add(
                "unconfirmed-code",
                entry.ref,
                f"{concept.display}: this code mapping is UNCONFIRMED ({concept.verified_in}); "
                "check the value",
                code=read.code_str(concept.system, concept.code),
            )

    def _value(
        self,
        field_name: str,
        value: Any,
        source: str,
        concept: codes.Concept | str,
        unit: str | None = None,
        note: str = "",
    ) -> None:
        if isinstance(concept, str):
            code, display, evidence = concept, concept, "confirmed"
        else:
            code = read.code_str(concept.system, concept.code)
            display, evidence = concept.display, concept.evidence
        self.report.values.append(
            ImportedValue(field_name, value, unit, source, code, display, evidence, note)
        )

    def _latest(self, items: list[Dated], what: str) -> Dated | None:
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

    def _fracture_mechanisms(self, ehr_shaped: bool) -> None:
        """Fractures whose mechanism is not in the input: an EHR record counts each as a
        fragility fracture (the cautious reading, an assumption to confirm); a bonewise export
        that says nothing keeps "not recorded" (the core reads it by age)."""
        if not ehr_shaped:
            return
        for data, source, code, display in self.unrecorded_mechanism:
            data["fragility"] = True
            reason = (
                "due to osteoporosis"
                if "osteoporo" in display.lower()
                else "not recorded: counted as a fragility fracture (the cautious reading); "
                "confirm with her clinician"
            )
            self.report.add("defaulted", source, f"fracture fragility {reason}", code=code)
            self.report.add_assumption(
                "fractures[].fragility",
                True,
                "defaulted",
                f"Fracture of {data['date']} ({data['site']}): counted as a fragility fracture "
                "(mechanism not recorded)",
                (source,),
                confirm=True,
            )
