"""FHIR R4 in: a Bundle (JSON), one resource, or NDJSON -> a validated PatientRecord + a report.

    result = import_fhir(text, today=date.today())
    result.record   # bonewise.clinical.models.PatientRecord, validated
    result.report   # ImportReport: what was imported from where, and everything that was not

Nothing is dropped silently. Each resource is validated on its own with the fhir.resources R4B
models: a malformed resource is rejected with the path of the error and the rest is imported.
Codes the tables in `bonewise.terminology.codes` do not know are reported with their system, code,
display and where they were seen. Values without a usable unit are reported, not guessed.
Vitamin D is kept in its own unit (ng/mL or nmol/L, both first-class in PatientRecord); units
PatientRecord does not accept are converted, and mixed units are reported side by side in ng/mL.
Every imported value keeps its provenance (the resource and the code it came from).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from bonewise import evidence as ev
from bonewise import units
from bonewise.clinical.models import Length, Mass, PatientRecord
from bonewise.terminology import codes

IssueKind = Literal[
    "unknown-code",
    "rejected",
    "missing-unit",
    "converted",
    "skipped",
    "defaulted",
    "derived",
    "conflict",
    "unconfirmed-code",
    "not-used",
    "context",
]

# Resource types whose content bonewise reads. Others are counted and listed in the report.
READ_TYPES = frozenset(
    {
        "Patient",
        "Observation",
        "Condition",
        "Procedure",
        "MedicationStatement",
        "MedicationRequest",
        "MedicationAdministration",
    }
)
# Read only to resolve references (medication codes, scanner make and model, facility).
SUPPORT_TYPES = frozenset({"Medication", "Device", "Organization"})

# The identifier system bonewise writes for its own patient ids (FHIR ids allow fewer characters).
PATIENT_ID_SYSTEM = "urn:bonewise:patient-id"
_SKIP_STATUSES = frozenset({"entered-in-error", "cancelled", "not-taken", "not-done"})
_SCANNER_MAKES = (("hologic", "hologic"), ("lunar", "lunar"), ("norland", "norland"))
T_MIN, T_MAX = ev.T_SCORE_RANGE.value
BMD_MIN, BMD_MAX = ev.BMD_RANGE_G_CM2.value


class FhirImportError(ValueError):
    """The input cannot become a PatientRecord; the report says what was read before it failed."""

    def __init__(
        self, message: str, *, report: ImportReport | None = None, missing: str | None = None
    ) -> None:
        super().__init__(message)
        self.report = report
        self.missing = missing  # the PatientRecord field the input lacks, when that is the cause


@dataclass(frozen=True, slots=True)
class ImportedValue:
    field: str
    value: Any
    unit: str | None
    source: str
    code: str
    display: str
    evidence: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ImportIssue:
    kind: IssueKind
    source: str
    message: str
    path: str | None = None
    code: str | None = None


@dataclass
class ImportReport:
    source_name: str = ""
    format: str = ""
    resources_read: int = 0
    resources_by_type: dict[str, int] = field(default_factory=dict)
    values: list[ImportedValue] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)

    def add(
        self,
        kind: IssueKind,
        source: str,
        message: str,
        *,
        path: str | None = None,
        code: str | None = None,
    ) -> None:
        self.issues.append(ImportIssue(kind, source, message, path, code))

    def of_kind(self, kind: IssueKind) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.kind == kind]

    @property
    def unknown_codes(self) -> list[ImportIssue]:
        return self.of_kind("unknown-code")

    @property
    def rejected(self) -> list[ImportIssue]:
        return self.of_kind("rejected")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source_name,
            "format": self.format,
            "resources_read": self.resources_read,
            "resources_by_type": dict(sorted(self.resources_by_type.items())),
            "counts": dict(sorted(Counter(i.kind for i in self.issues).items())),
            "values": [asdict(v) for v in self.values],
            "issues": [asdict(i) for i in self.issues],
        }

    def summary_lines(self) -> list[str]:
        counts = Counter(i.kind for i in self.issues)
        lines = [
            f"Read {self.resources_read} resources ({self.format}) from {self.source_name or 'input'}; "
            f"imported {len(self.values)} values.",
        ]
        for kind in (
            "rejected",
            "unknown-code",
            "missing-unit",
            "converted",
            "unconfirmed-code",
            "conflict",
            "defaulted",
            "derived",
            "skipped",
            "not-used",
            "context",
        ):
            for issue in self.issues:
                if issue.kind == kind:
                    where = f" at {issue.path}" if issue.path else ""
                    code = f" [{issue.code}]" if issue.code else ""
                    lines.append(f"  {kind}: {issue.source}{where}{code}: {issue.message}")
        if not counts:
            lines.append("  no issues recorded")
        return lines


@dataclass(frozen=True, slots=True)
class FhirImport:
    record: PatientRecord
    report: ImportReport


# --- reading the input -------------------------------------------------------------------------
@dataclass
class _Entry:
    label: str
    full_url: str | None
    raw: dict[str, Any]
    resource: Any

    @property
    def type(self) -> str:
        return str(self.raw.get("resourceType"))

    @property
    def ref(self) -> str:
        rid = self.raw.get("id")
        return f"{self.type}/{rid}" if rid else (self.full_url or f"{self.type} {self.label}")


def looks_like_fhir(data: Any) -> bool:
    """True for parsed JSON that is a FHIR resource (a Bundle or any resource type)."""
    return isinstance(data, dict) and isinstance(data.get("resourceType"), str)


def _error_path(prefix: str, loc: tuple[Any, ...]) -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _validate(raw: Any, label: str, prefix: str, report: ImportReport) -> _Entry | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
        report.add("rejected", label, "not a FHIR resource (no resourceType)", path=prefix)
        return None
    rtype = raw["resourceType"]
    report.resources_read += 1
    report.resources_by_type[rtype] = report.resources_by_type.get(rtype, 0) + 1
    try:
        model = get_fhir_model_class(rtype)
    except (KeyError, ValueError, AttributeError):
        report.add("rejected", label, f"unknown FHIR R4 resource type {rtype!r}", path=prefix)
        return None
    if rtype not in READ_TYPES | SUPPORT_TYPES:
        return _Entry(label, None, raw, None)  # counted; reported once per type at the end
    try:
        resource = model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors()[:5]:
            report.add(
                "rejected",
                f"{rtype}/{raw.get('id', '?')}",
                f"malformed {rtype}: {err['msg']} (value {err.get('input')!r})",
                path=_error_path(prefix, tuple(err["loc"])),
            )
        return None
    return _Entry(label, None, raw, resource)


def _read_entries(data: Any, report: ImportReport) -> list[_Entry]:
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    if isinstance(data, str):
        text = data.strip()
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return _read_ndjson(text, report)
    if isinstance(data, list):
        report.format = report.format or "list"
        entries = []
        for i, raw in enumerate(data):
            entry = _validate(raw, f"item {i}", f"[{i}]", report)
            if entry:
                entries.append(entry)
        return entries
    if not looks_like_fhir(data):
        raise FhirImportError(
            "input is not FHIR: expected a Bundle, a resource or NDJSON (no resourceType found)",
            report=report,
        )
    if data["resourceType"] != "Bundle":
        report.format = "resource"
        entry = _validate(data, "resource", data["resourceType"], report)
        return [entry] if entry else []
    report.format = f"Bundle ({data.get('type', 'no type')})"
    entries = []
    raw_entries = data.get("entry") or []
    if not isinstance(raw_entries, list):
        raise FhirImportError("Bundle.entry is not a list", report=report)
    for i, item in enumerate(raw_entries):
        label = f"entry[{i}]"
        if not isinstance(item, dict) or "resource" not in item:
            report.add("rejected", label, "bundle entry without a resource", path=f"Bundle.{label}")
            continue
        entry = _validate(item["resource"], label, f"Bundle.{label}.resource", report)
        if entry:
            entry.full_url = item.get("fullUrl")
            entries.append(entry)
    return entries


def _read_ndjson(text: str, report: ImportReport) -> list[_Entry]:
    report.format = "NDJSON"
    entries = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            report.add("rejected", f"line {n}", f"not JSON: {exc.msg}", path=f"line {n}")
            continue
        if isinstance(raw, dict) and raw.get("resourceType") == "Bundle":
            entries.extend(_read_entries(raw, report))
            report.format = "NDJSON"
            continue
        entry = _validate(raw, f"line {n}", f"line {n}", report)
        if entry:
            entries.append(entry)
    if not entries and not report.issues:
        raise FhirImportError("input is empty: no FHIR resources found", report=report)
    return entries


# --- small readers -----------------------------------------------------------------------------
def _code_str(system: str | None, code: str | None) -> str:
    return f"{codes.normalise_system(system)}|{code}"


def _codings(concept: Any) -> list[Any]:
    return list(getattr(concept, "coding", None) or []) if concept is not None else []


def _describe(concept: Any) -> str:
    parts = [f"{c.system}|{c.code} {c.display or ''}".strip() for c in _codings(concept)]
    text = getattr(concept, "text", None)
    if text:
        parts.append(f"text {text!r}")
    return "; ".join(parts) or "no coding"


def _to_date(value: Any, what: str, source: str, report: ImportReport) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        if len(text) == 4:
            day = date(int(text), 1, 1)
        elif len(text) == 7:
            day = date(int(text[:4]), int(text[5:7]), 1)
        else:
            return date.fromisoformat(text[:10])
    except ValueError:
        report.add("rejected", source, f"{what} {text!r} is not a date")
        return None
    report.add("converted", source, f"{what} {text!r} is imprecise: read as {day.isoformat()}")
    return day


def _ext(resource: Any, url: str) -> list[Any]:
    return [e for e in (getattr(resource, "extension", None) or []) if e.url == url]


def _ext_value(resource: Any, url: str, attr: str) -> Any:
    found = _ext(resource, url)
    return getattr(found[0], attr) if found else None


def _num(value: Decimal | int | float) -> float:
    return float(value)


@dataclass
class _Course:
    kind: Literal["ai", "bone"]
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


@dataclass
class _DxaValue:
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
class _Dated:
    day: date | None
    value: Any
    source: str
    concept: codes.Concept
    unit: str | None = None
    note: str = ""


# --- the importer ------------------------------------------------------------------------------
class _Importer:
    def __init__(self, entries: list[_Entry], report: ImportReport, today: date) -> None:
        self.entries = entries
        self.report = report
        self.today = today
        self.by_ref: dict[str, _Entry] = {}
        for entry in entries:
            self.by_ref[entry.ref] = entry
            if entry.full_url:
                self.by_ref[entry.full_url] = entry
        self.patient_refs: set[str] = set()
        self.dxa: list[_DxaValue] = []
        self.dxa_procedures: list[tuple[date, str]] = []
        self.labs: list[tuple[dict[str, Any], ImportedValue]] = []
        self.heights: list[_Dated] = []
        self.weights: list[_Dated] = []
        self.smoking: list[_Dated] = []
        self.menopause: list[_Dated] = []
        self.risk: dict[str, _Dated] = {}
        self.derived_risk: dict[str, _Dated] = {}
        self.fractures: list[tuple[dict[str, Any], ImportedValue]] = []
        self.courses: list[_Course] = []
        self.administrations: list[tuple[codes.DrugCode, date, str, str]] = []
        self.frax: tuple[dict[str, Any], str] | None = None
        self.unknown: dict[tuple[str, str], tuple[str, str | None, list[str]]] = {}

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

    def _for_this_patient(self, entry: _Entry) -> bool:
        ref = getattr(entry.resource, "subject", None) or getattr(entry.resource, "patient", None)
        reference = getattr(ref, "reference", None) if ref is not None else None
        if reference is None or reference in self.patient_refs:
            return True
        if _relative(reference) in self.patient_refs:
            return True
        self.report.add(
            "skipped", entry.ref, f"belongs to another patient ({reference}); not imported"
        )
        return False

    def _resolve(self, reference: str | None, entry: _Entry) -> Any:
        if not reference:
            return None
        if reference.startswith("#"):
            for contained in entry.raw.get("contained") or []:
                if contained.get("id") == reference[1:]:
                    found = _validate(contained, entry.label, f"{entry.ref}.contained", self.report)
                    self.report.resources_read -= 1 if found else 0
                    return found.resource if found else None
            return None
        found = self.by_ref.get(reference) or self.by_ref.get(_relative(reference))
        return found.resource if found else None

    def _unknown(self, entry: _Entry, concept: Any, what: str) -> None:
        """Collect an unknown code; `finish` reports each distinct code once, with its count."""
        first = next(iter(_codings(concept)), None)
        code = _code_str(first.system, first.code) if first else None
        key = (what, code or _describe(concept))
        if key not in self.unknown:
            self.unknown[key] = (_describe(concept), code, [])
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

    def _unconfirmed(self, entry: _Entry, concept: codes.Concept) -> None:
        if concept.evidence == "unconfirmed":
            self.report.add(
                "unconfirmed-code",
                entry.ref,
                f"{concept.display}: this code mapping is UNCONFIRMED ({concept.verified_in}); "
                "check the value",
                code=_code_str(concept.system, concept.code),
            )

    # -- dispatch --
    def run(self, menopausal_status: str | None) -> dict[str, Any]:
        patients = [e for e in self.entries if e.type == "Patient" and e.resource is not None]
        if not patients:
            raise FhirImportError("no Patient resource in the input", report=self.report)
        if len(patients) > 1:
            ids = ", ".join(p.ref for p in patients)
            raise FhirImportError(
                f"{len(patients)} Patient resources ({ids}): import one patient at a time",
                report=self.report,
            )
        patient_entry = patients[0]
        self.patient_refs = {patient_entry.ref}
        if patient_entry.full_url:
            self.patient_refs.add(patient_entry.full_url)
        handlers = {
            "Observation": self._observation,
            "Condition": self._condition,
            "Procedure": self._procedure,
            "MedicationStatement": self._medication,
            "MedicationRequest": self._medication,
            "MedicationAdministration": self._medication,
        }
        for entry in self.entries:
            handler = handlers.get(entry.type)
            if handler is None or entry.resource is None:
                continue
            status = getattr(entry.resource, "status", None)
            if status in _SKIP_STATUSES:
                self.report.add("skipped", entry.ref, f"status {status!r}: not imported")
                continue
            if self._for_this_patient(entry):
                handler(entry)
        return self._assemble(patient_entry, menopausal_status)

    # -- Observation --
    def _observation(self, entry: _Entry) -> None:
        obs = entry.resource
        day = self._date(
            obs.effectiveDateTime
            or (obs.effectivePeriod.start if obs.effectivePeriod else None)
            or obs.effectiveInstant
            or obs.issued,
            "Observation.effective",
            entry.ref,
        )
        for coding in _codings(obs.code):
            system, code = coding.system, coding.code
            if code is None:
                continue
            if (dxa := codes.dxa_code(code, system)) is not None:
                return self._dxa_value(entry, obs, dxa, obs.valueQuantity, day)
            if (lab := codes.lab_code(code, system)) is not None:
                return self._lab(entry, obs, lab, day)
            if (vital := codes.vital_code(code, system)) is not None:
                return self._vital(entry, obs, vital, day)
            if codes.normalise_system(system) == codes.LOINC and code == codes.SMOKING_STATUS.code:
                return self._smoking(entry, obs, day)
            if codes.normalise_system(system) == codes.SNOMED and code in codes.MENOPAUSE_STATES:
                concept, status = codes.MENOPAUSE_STATES[code]
                self.menopause.append(_Dated(day, status, entry.ref, concept))
                return None
            if codes.normalise_system(system) == codes.BONEWISE and code in codes.LOCAL_CODES:
                return self._local(entry, obs, codes.LOCAL_CODES[code], day)
        # A panel whose components carry DXA codes (one Observation per scan).
        handled = False
        for i, component in enumerate(obs.component or []):
            for coding in _codings(component.code):
                dxa = codes.dxa_code(coding.code or "", coding.system)
                if dxa is not None:
                    self._dxa_value(
                        entry, obs, dxa, component.valueQuantity, day, where=f"component[{i}]"
                    )
                    handled = True
                    break
        if not handled:
            self._unknown(entry, obs.code, "Observation")
        return None

    def _scanner(self, entry: _Entry, obs: Any) -> tuple[str | None, str | None, str | None]:
        make = model = facility = None
        device = self._resolve(obs.device.reference if obs.device else None, entry)
        if device is not None and device.get_resource_type() != "Device":
            device = None
        if device is not None:
            names = [n.name for n in (device.deviceName or [])]
            maker = device.manufacturer or ""
            model = device.modelNumber or (names[0] if names else None)
            text = f"{maker} {' '.join(names)}".lower()
            make = next((m for key, m in _SCANNER_MAKES if key in text), "other" if maker else None)
        elif obs.device is not None and obs.device.display:
            text = obs.device.display.lower()
            make = next((m for key, m in _SCANNER_MAKES if key in text), "other")
            model = obs.device.display
        for performer in obs.performer or []:
            org = self._resolve(performer.reference, entry)
            if org is not None and org.get_resource_type() == "Organization":
                facility = org.name
            elif performer.display and facility is None:
                facility = performer.display
        return make, model, facility

    def _dxa_value(
        self,
        entry: _Entry,
        obs: Any,
        dxa: codes.DxaCode,
        quantity: Any,
        day: date | None,
        where: str = "",
    ) -> None:
        source = entry.ref + (f".{where}" if where else "")
        code = _code_str(dxa.concept.system, dxa.concept.code)
        if day is None:
            self.report.add("rejected", source, "DXA result without a date", code=code)
            return
        if quantity is None or quantity.value is None:
            self.report.add("rejected", source, "DXA result without a numeric value", code=code)
            return
        if quantity.comparator:
            self.report.add(
                "rejected",
                source,
                f"DXA value {quantity.comparator}{quantity.value} is not an exact result",
                code=code,
            )
            return
        value = _num(quantity.value)
        unit = quantity.code or quantity.unit
        if dxa.kind == "bmd":
            if not unit:
                self.report.add(
                    "missing-unit",
                    source,
                    f"BMD {value} has no unit (g/cm2 expected): not imported",
                    code=code,
                )
                return
            normal = unit.replace(" ", "").replace("²", "2").lower()
            if normal == "mg/cm2":
                self.report.add(
                    "converted", source, f"BMD {value} mg/cm2 read as {value / 1000} g/cm2"
                )
                value = value / 1000
            elif normal != "g/cm2":
                self.report.add(
                    "rejected", source, f"BMD unit {unit!r} is not g/cm2 or mg/cm2", code=code
                )
                return
            low, high = BMD_MIN, BMD_MAX
        else:
            low, high = T_MIN, T_MAX
        if not low <= value <= high:
            name = dxa.kind.replace("_", "-")
            self.report.add(
                "rejected",
                source,
                f"{dxa.site} {name} {value} is outside the allowed range {low}..{high}",
                code=code,
            )
            return
        if dxa.concept.code == "38265-5":
            self.report.add(
                "context",
                source,
                "LOINC 38265-5 is the radius+ulna T-score: imported as 33% radius (some exports "
                "use it for any DXA T-score; check the site)",
                code=code,
            )
        make, model, facility = self._scanner(entry, obs)
        excluded = tuple(
            e.valueCode or e.valueString or ""
            for e in _ext(obs, codes.EXT_EXCLUDED_VERTEBRAE)
            if (e.valueCode or e.valueString)
        )
        precision = next(
            (
                float(e.valueDecimal)
                for e in _ext(obs, codes.EXT_FACILITY_PRECISION)
                if e.valueDecimal is not None
            ),
            None,
        )
        self.dxa.append(
            _DxaValue(day, make, model, facility, dxa, value, source, excluded, precision)
        )
        self._unconfirmed(entry, dxa.concept)

    def _lab(self, entry: _Entry, obs: Any, lab: codes.LabCode, day: date | None) -> None:
        code = _code_str(lab.concept.system, lab.concept.code)
        quantity = obs.valueQuantity
        if day is None:
            self.report.add("rejected", entry.ref, f"{lab.analyte} without a date", code=code)
            return
        if quantity is None or quantity.value is None:
            self.report.add(
                "rejected", entry.ref, f"{lab.analyte} without a numeric value", code=code
            )
            return
        if quantity.comparator:
            self.report.add(
                "rejected",
                entry.ref,
                f"{lab.analyte} {quantity.comparator}{quantity.value} {quantity.unit or ''} is a "
                "bound, not an exact result: not imported; read it in the source",
                code=code,
            )
            return
        value = _num(quantity.value)
        raw_unit = quantity.code or quantity.unit
        if not raw_unit:
            allowed = ", ".join(sorted(set(lab.units.values())))
            self.report.add(
                "missing-unit",
                entry.ref,
                f"{lab.analyte} {value} has no unit ({allowed} expected): not imported, "
                "because the unit cannot be guessed from the number",
                code=code,
            )
            return
        unit = lab.units.get(raw_unit) or lab.units.get(raw_unit.strip())
        note = ""
        if unit is None and lab.kind == "25_oh_vitamin_d" and raw_unit in ("pmol/L", "pmol/l"):
            value, unit = value / 1000, "nmol/L"
            note = f"converted from {quantity.value} {raw_unit}"
        if unit is None:
            allowed = ", ".join(sorted(set(lab.units)))
            self.report.add(
                "rejected",
                entry.ref,
                f"{lab.analyte} unit {raw_unit!r} is not one of {allowed}",
                code=code,
            )
            return
        if unit != raw_unit and not note:
            note = f"unit {raw_unit!r} read as {unit}"
        if note:
            self.report.add("converted", entry.ref, f"{lab.analyte} {value} {unit}: {note}")
        if value <= 0:
            self.report.add("rejected", entry.ref, f"{lab.analyte} {value} is not positive")
            return
        data = {"kind": lab.kind, "date": day.isoformat(), "value": value, "unit": unit}
        imported = ImportedValue(
            "labs[]",
            value,
            unit,
            entry.ref,
            code,
            lab.concept.display,
            lab.concept.evidence,
            note,
        )
        self.labs.append((data, imported))
        self._unconfirmed(entry, lab.concept)

    def _vital(self, entry: _Entry, obs: Any, vital: codes.VitalCode, day: date | None) -> None:
        code = _code_str(vital.concept.system, vital.concept.code)
        quantity = obs.valueQuantity
        if quantity is None or quantity.value is None:
            self.report.add("rejected", entry.ref, f"{vital.kind} without a value", code=code)
            return
        value = _num(quantity.value)
        raw_unit = quantity.code or quantity.unit
        if not raw_unit:
            self.report.add(
                "missing-unit",
                entry.ref,
                f"{vital.kind} {value} has no unit: not imported",
                code=code,
            )
            return
        unit = vital.units.get(raw_unit)
        note = ""
        if unit is None and vital.kind == "height" and raw_unit == "m":
            value, unit, note = round(value * 100, 4), "cm", f"converted from {quantity.value} m"
        if unit is None and vital.kind == "weight" and raw_unit == "g":
            value, unit, note = value / 1000, "kg", f"converted from {quantity.value} g"
        if unit is None:
            self.report.add(
                "rejected", entry.ref, f"{vital.kind} unit {raw_unit!r} not recognised", code=code
            )
            return
        if note:
            self.report.add("converted", entry.ref, f"{vital.kind}: {note}")
        if vital.kind == "bmi":
            self.report.add(
                "not-used",
                entry.ref,
                f"BMI {value} {unit}: PatientRecord computes BMI from height and weight",
                code=code,
            )
            return
        model = Length if vital.kind == "height" else Mass
        try:
            model.model_validate({"value": value, "unit": unit})
        except ValidationError as exc:
            self.report.add(
                "rejected", entry.ref, exc.errors()[0]["msg"], path="valueQuantity", code=code
            )
            return
        target = self.heights if vital.kind == "height" else self.weights
        target.append(_Dated(day, value, entry.ref, vital.concept, unit, note))

    def _smoking(self, entry: _Entry, obs: Any, day: date | None) -> None:
        if obs.dataAbsentReason is not None:
            return  # explicitly unknown: smoking stays not recorded
        for coding in _codings(obs.valueCodeableConcept):
            if codes.normalise_system(coding.system) == codes.SNOMED:
                answer = codes.SMOKING_ANSWERS.get(coding.code or "")
                if answer:
                    self.smoking.append(_Dated(day, answer[1], entry.ref, answer[0]))
                    return
        self._unknown(entry, obs.valueCodeableConcept, "smoking status answer")

    def _local(self, entry: _Entry, obs: Any, concept: codes.Concept, day: date | None) -> None:
        name = concept.code
        if name == "menopausal-status":
            for coding in _codings(obs.valueCodeableConcept):
                if coding.code in codes.MENOPAUSE_STATES:
                    state, status = codes.MENOPAUSE_STATES[coding.code]
                    self.menopause.append(_Dated(day, status, entry.ref, state))
                    return
            self._unknown(entry, obs.valueCodeableConcept, "menopausal status answer")
            return
        if name == "frax":
            self._frax(entry, obs, day)
            return
        if name in ("who-category", "lowest-t-score", "next-dxa-due", "bone-directed-therapy"):
            self.report.add(
                "not-used",
                entry.ref,
                f"{concept.display}: computed by bonewise; recomputed, not imported",
            )
            return
        if obs.dataAbsentReason is not None:
            value: Any = None
        elif name == "falls_last_12_months":
            value = obs.valueInteger
            if value is None and obs.valueQuantity is not None:
                value = int(obs.valueQuantity.value)
        else:
            value = obs.valueBoolean
        if value is None and obs.dataAbsentReason is None:
            self.report.add("rejected", entry.ref, f"{concept.display}: no value", path="value[x]")
            return
        self.risk[name] = _Dated(day, value, entry.ref, concept)

    def _frax(self, entry: _Entry, obs: Any, day: date | None) -> None:
        if day is None:
            self.report.add("rejected", entry.ref, "FRAX without a date")
            return
        data: dict[str, Any] = {"date": day.isoformat()}
        for component in obs.component or []:
            for coding in _codings(component.code):
                quantity = component.valueQuantity
                if quantity is None or quantity.value is None:
                    continue
                if coding.code == "frax-major-osteoporotic":
                    data["major_osteoporotic_pct"] = _num(quantity.value)
                elif coding.code == "frax-hip":
                    data["hip_pct"] = _num(quantity.value)
        with_bmd = _ext_value(obs, codes.EXT_FRAX_WITH_BMD, "valueBoolean")
        if with_bmd is not None:
            data["with_bmd"] = with_bmd
        self.frax = (data, entry.ref)

    # -- Condition / Procedure --
    def _condition(self, entry: _Entry) -> None:
        cond = entry.resource
        verification = _codings(cond.verificationStatus)
        if any(c.code in ("refuted", "entered-in-error") for c in verification):
            self.report.add("skipped", entry.ref, "verification status refuted/entered-in-error")
            return
        for coding in _codings(cond.code):
            system, code = coding.system, coding.code or ""
            if codes.normalise_system(system) == codes.SNOMED and code in codes.MENOPAUSE_STATES:
                concept, status = codes.MENOPAUSE_STATES[code]
                day = self._date(cond.onsetDateTime or cond.recordedDate, "onset", entry.ref)
                self.menopause.append(_Dated(day, status, entry.ref, concept))
                return
            known = codes.condition_code(system, code)
            if known is None:
                continue
            self._unconfirmed(entry, known.concept)
            if known.kind == "bone_metastases":
                self.derived_risk["bone_metastases"] = _Dated(
                    None, True, entry.ref, known.concept, note="Condition recorded"
                )
            elif known.kind == "fracture":
                self._fracture(entry, cond, known)
            else:
                self.report.add(
                    "context",
                    entry.ref,
                    f"{known.concept.display}: recorded for context (bonewise derives the "
                    "WHO category from DXA results, not from a diagnosis code)",
                    code=_code_str(system, code),
                )
            return
        self._unknown(entry, cond.code, "Condition")

    def _fracture(self, entry: _Entry, cond: Any, known: codes.ConditionCode) -> None:
        code = _code_str(known.concept.system, known.concept.code)
        day = self._date(
            cond.onsetDateTime
            or (cond.onsetPeriod.start if cond.onsetPeriod else None)
            or cond.recordedDate,
            "fracture onset",
            entry.ref,
        )
        if day is None:
            self.report.add("rejected", entry.ref, "fracture without an onset date", code=code)
            return
        site = next((b.text for b in cond.bodySite or [] if b.text), None) or (
            known.fracture_site or "site not coded"
        )
        fragility = _ext_value(cond, codes.EXT_FRAGILITY, "valueBoolean")
        if fragility is None:
            fragility = True
            reason = (
                "due to osteoporosis"
                if known.concept.code == "443165006"
                else "not recorded: counted as a fragility fracture (the cautious reading); "
                "confirm with her clinician"
            )
            self.report.add("defaulted", entry.ref, f"fracture fragility {reason}", code=code)
        data = {"date": day.isoformat(), "site": site, "fragility": fragility}
        imported = ImportedValue(
            "fractures[]",
            data,
            None,
            entry.ref,
            code,
            known.concept.display,
            known.concept.evidence,
        )
        self.fractures.append((data, imported))

    def _procedure(self, entry: _Entry) -> None:
        proc = entry.resource
        for coding in _codings(proc.code):
            if codes.is_dxa_procedure(coding.system, coding.code or ""):
                day = self._date(
                    proc.performedDateTime
                    or (proc.performedPeriod.start if proc.performedPeriod else None),
                    "DXA procedure date",
                    entry.ref,
                )
                if day is not None:
                    self.dxa_procedures.append((day, entry.ref))
                known = codes.procedure_code(coding.system, coding.code or "")
                if known:
                    self._unconfirmed(entry, known.concept)
                return
        self._unknown(entry, proc.code, "Procedure")

    # -- Medications --
    def _drug(self, entry: _Entry) -> tuple[codes.DrugCode | None, Any]:
        res = entry.resource
        concept = res.medicationCodeableConcept
        if concept is None and res.medicationReference is not None:
            medication = self._resolve(res.medicationReference.reference, entry)
            concept = medication.code if medication is not None else None
            if concept is None:
                self.report.add(
                    "rejected",
                    entry.ref,
                    f"medication reference {res.medicationReference.reference!r} not found "
                    "in the input",
                )
                return None, None
        for coding in _codings(concept):
            found = codes.drug_code(coding.system, coding.code or "")
            if found is not None:
                return found, concept
        self._unknown(entry, concept, entry.type)
        return None, concept

    def _medication(self, entry: _Entry) -> None:
        drug, _ = self._drug(entry)
        if drug is None:
            return
        self._unconfirmed(entry, drug.concept)
        res = entry.resource
        if entry.type == "MedicationAdministration":
            day = self._date(
                res.effectiveDateTime
                or (res.effectivePeriod.start if res.effectivePeriod else None),
                "administration date",
                entry.ref,
            )
            if day is None:
                self.report.add("rejected", entry.ref, "administration without a date")
                return
            if drug.drug_class == "aromatase_inhibitor":
                self.courses.append(
                    _Course("ai", drug.agent, day, None, entry.ref, drug, entry.type)
                )
                return
            self.administrations.append((drug, day, entry.ref, entry.full_url or entry.ref))
            return
        if entry.type == "MedicationStatement":
            period = res.effectivePeriod
            start = self._date(
                (period.start if period else None) or res.effectiveDateTime,
                "MedicationStatement start",
                entry.ref,
            )
            end = self._date(period.end if period else None, "MedicationStatement end", entry.ref)
            derived = tuple(r.reference for r in res.derivedFrom or [] if r.reference)
        else:
            start = self._date(res.authoredOn, "MedicationRequest.authoredOn", entry.ref)
            end = None
            derived = ()
        course = _Course(
            "ai" if drug.drug_class == "aromatase_inhibitor" else "bone",
            drug.agent,
            start,
            end,
            entry.ref,
            drug,
            entry.type,
            planned_years=_ext_value(res, codes.EXT_PLANNED_YEARS, "valueDecimal"),
            ovarian_suppression=_ext_value(res, codes.EXT_OVARIAN_SUPPRESSION, "valueBoolean"),
            derived_from=derived,
        )
        if end is None and res.status in ("stopped", "completed"):
            self.report.add(
                "defaulted",
                entry.ref,
                f"{drug.agent}: status {res.status!r} but no end date in the input; recorded "
                "as ongoing, so check whether and when it ended",
            )
        self.courses.append(course)

    # -- assembling the record --
    def _assemble(self, patient_entry: _Entry, menopausal_status: str | None) -> dict[str, Any]:
        report = self.report
        patient = patient_entry.resource
        if patient.birthDate is None:
            raise FhirImportError(
                f"{patient_entry.ref}: Patient.birthDate is missing; bonewise needs it for age",
                report=report,
            )
        birth = _to_date(patient.birthDate, "Patient.birthDate", patient_entry.ref, report)
        native_ids = [
            i.value for i in patient.identifier or [] if i.system == PATIENT_ID_SYSTEM and i.value
        ]
        pid = (
            native_ids[0]
            if native_ids
            else patient.id or (patient_entry.full_url or "").rsplit(":", 1)[-1]
        )
        if not pid:
            raise FhirImportError("Patient has no id", report=report)
        sex = patient.gender
        if sex not in ("female", "male"):
            report.add(
                "defaulted",
                patient_entry.ref,
                f"Patient.gender {sex!r}: recorded as female (bonewise's rules are for women)",
            )
            sex = "female"
        src = patient_entry.ref
        self._value("id", pid, src, "Patient.id")
        self._value("patient.birth_date", str(birth), src, "Patient.birthDate")
        self._value("patient.sex", sex, src, "Patient.gender")
        record: dict[str, Any] = {
            "id": pid,
            "patient": {"birth_date": birth.isoformat() if birth else None, "sex": sex},
        }
        record["patient"]["menopausal_status"] = self._menopausal(menopausal_status, src)
        for name, items in (("height", self.heights), ("weight", self.weights)):
            chosen = self._latest(items, name)
            if chosen is not None:
                record["patient"][name] = {"value": chosen.value, "unit": chosen.unit}
                self._value(
                    f"patient.{name}",
                    chosen.value,
                    chosen.source,
                    chosen.concept,
                    chosen.unit,
                    chosen.note,
                )
        therapy = self._therapy()
        if therapy is not None:
            record["therapy"] = therapy
        record["dxa_scans"] = self._scans()
        record["risk_factors"] = self._risk_factors()
        record["fractures"] = self._in_order(self.fractures, "fractures")
        record["labs"] = self._in_order(self.labs, "labs")
        self._mixed_vitamin_d(record["labs"])
        record["bone_therapy"] = self._bone_therapy()
        if self.frax is not None:
            record["frax"] = self.frax[0]
            self._value("frax", self.frax[0], self.frax[1], codes.LOCAL_CODES["frax"])
        return record

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
            code = _code_str(concept.system, concept.code)
            display, evidence = concept.display, concept.evidence
        self.report.values.append(
            ImportedValue(field_name, value, unit, source, code, display, evidence, note)
        )

    def _latest(self, items: list[_Dated], what: str) -> _Dated | None:
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

    def _menopausal(self, given: str | None, patient_src: str) -> str:
        chosen = self._latest(self.menopause, "menopausal status")
        if given is not None:
            if chosen is not None and chosen.value != given:
                self.report.add(
                    "conflict",
                    chosen.source,
                    f"menopausal status {chosen.value!r} in the input; {given!r} given by the "
                    "user is used",
                )
            self._value("patient.menopausal_status", given, "user", "given on import")
            return given
        if chosen is None:
            raise FhirImportError(
                "patient.menopausal_status: not found in the input (no menopausal-status "
                "Observation or SNOMED CT pre/peri/postmenopausal state, e.g. 76498008 "
                "Postmenopausal state); add one, or import with `bonewise fhir import "
                "--menopausal-status premenopausal|perimenopausal|postmenopausal`",
                report=self.report,
                missing="patient.menopausal_status",
            )
        self._value("patient.menopausal_status", chosen.value, chosen.source, chosen.concept)
        return str(chosen.value)

    def _therapy(self) -> dict[str, Any] | None:
        ais = [c for c in self.courses if c.kind == "ai"]
        if not ais:
            return None
        by_agent: dict[str, list[_Course]] = defaultdict(list)
        for course in ais:
            by_agent[course.agent].append(course)
        merged: list[_Course] = []
        for agent, courses in by_agent.items():
            starts = [c.start for c in courses if c.start is not None]
            if not starts:
                for c in courses:
                    self.report.add("rejected", c.source, f"{agent} without a start date")
                continue
            ends = [c.end for c in courses]
            first = min(courses, key=lambda c: c.start or date.max)
            merged.append(
                _Course(
                    "ai",
                    agent,
                    min(starts),
                    None if any(e is None for e in ends) else max(e for e in ends if e),
                    ", ".join(c.source for c in courses),
                    first.code,
                    first.resource_type,
                    planned_years=next(
                        (c.planned_years for c in courses if c.planned_years is not None), None
                    ),
                    ovarian_suppression=next(
                        (
                            c.ovarian_suppression
                            for c in courses
                            if c.ovarian_suppression is not None
                        ),
                        None,
                    ),
                )
            )
        if not merged:
            return None
        merged.sort(key=lambda c: c.start or date.min)
        current = merged[-1]
        for earlier in merged[:-1]:
            self.report.add(
                "not-used",
                earlier.source,
                f"earlier aromatase-inhibitor course ({earlier.agent} from {earlier.start}): "
                f"PatientRecord holds one course; the latest ({current.agent}) is kept",
            )
        assert current.start is not None
        therapy: dict[str, Any] = {"agent": current.agent, "start_date": current.start.isoformat()}
        if current.end is not None:
            therapy["end_date"] = current.end.isoformat()
        if current.planned_years is not None:
            therapy["planned_years"] = float(current.planned_years)
        else:
            self.report.add(
                "defaulted",
                current.source,
                "planned duration of the aromatase inhibitor not in the input: 5 years assumed",
            )
        if current.ovarian_suppression is not None:
            therapy["ovarian_suppression"] = current.ovarian_suppression
        else:
            self.report.add(
                "defaulted",
                current.source,
                "ovarian suppression not recorded in the input: recorded as none",
            )
        self._value("therapy", therapy, current.source, current.code.concept)
        return therapy

    def _scans(self) -> list[dict[str, Any]]:
        groups: dict[tuple[Any, ...], list[_DxaValue]] = defaultdict(list)
        for value in self.dxa:
            groups[(value.day, value.make, value.model, value.facility)].append(value)
        scans = []
        for index, key in enumerate(groups):  # in the order the scans first appear
            day, make, model, facility = key
            values = groups[key]
            sources = sorted({v.source for v in values})
            if make is None:
                self.report.add(
                    "defaulted",
                    ", ".join(sources),
                    f"DXA scan of {day}: scanner make not in the input (no Device): recorded "
                    "as 'other', so bonewise will not compare it with other scans' BMD",
                )
            scan: dict[str, Any] = {
                "date": day.isoformat(),
                "scanner_make": make or "other",
                "sites": self._sites(values, index),
            }
            if model:
                scan["scanner_model"] = model
            if facility:
                scan["facility"] = facility
            excluded = list(dict.fromkeys(v for val in values for v in val.excluded))
            if excluded:
                scan["excluded_vertebrae"] = excluded
            precision = {
                v.entry.site: v.precision_pct
                for v in values
                if v.precision_pct is not None and v.entry.site in scan["sites"]
            }
            if precision:
                scan["facility_precision_pct"] = precision
            scans.append(scan)
        covered = {s["date"] for s in scans}
        for day, source in self.dxa_procedures:
            if day.isoformat() not in covered:
                self.report.add(
                    "not-used",
                    source,
                    f"DXA procedure on {day} has no results in the input: no scan imported "
                    "(bonewise needs the T-score, Z-score or BMD per site)",
                )
        return scans

    def _sites(self, values: list[_DxaValue], scan_index: int) -> dict[str, dict[str, float]]:
        by_site: dict[str, list[_DxaValue]] = defaultdict(list)
        for value in values:
            by_site[value.entry.site].append(value)
        sites: dict[str, dict[str, float]] = {}
        for site, site_values in by_site.items():
            sides: dict[str | None, list[_DxaValue]] = defaultdict(list)
            for value in site_values:
                sides[value.entry.laterality].append(value)

            chosen_side = min(sides, key=lambda s: (_rank(sides[s]), s or ""))
            for side, side_values in sides.items():
                if side != chosen_side:
                    for value in side_values:
                        self.report.add(
                            "not-used",
                            value.source,
                            f"{site} {value.entry.kind} {value.value} ({side or 'unsided'}): "
                            f"the {chosen_side or 'unsided'} result has the lower score and is "
                            "used for this scan",
                        )
            result: dict[str, float] = {}
            for value in sides[chosen_side]:
                key = {"bmd": "bmd_g_cm2", "t_score": "t_score", "z_score": "z_score"}[
                    value.entry.kind
                ]
                if key in result and result[key] != value.value:
                    self.report.add(
                        "conflict",
                        value.source,
                        f"two {site} {key} values on one scan ({result[key]} and {value.value}): "
                        "the lower is kept",
                    )
                    value_kept = min(result[key], value.value)
                else:
                    value_kept = value.value
                result[key] = value_kept
                self._value(
                    f"dxa_scans[{scan_index}].sites.{site}.{key}",
                    value_kept,
                    value.source,
                    value.entry.concept,
                    value.entry.ucum,
                )
            sites[site] = result
        return sites

    def _risk_factors(self) -> dict[str, Any]:
        risk: dict[str, Any] = {}
        for name, dated in self.risk.items():
            risk[name] = dated.value
            self._value(f"risk_factors.{name}", dated.value, dated.source, dated.concept)
        smoking = self._latest(self.smoking, "smoking status")
        if smoking is not None:
            risk["smoking"] = smoking.value
            self._value("risk_factors.smoking", smoking.value, smoking.source, smoking.concept)
        derived = dict(self.derived_risk)
        # Vertebral and after-50 fragility fractures are derived by the clinical core from the
        # fracture list itself (bonewise.clinical.facts), so they are not copied here.
        for name, dated in derived.items():
            explicit = self.risk.get(name)
            if explicit is None or explicit.value is None:
                risk[name] = True
                self.report.add(
                    "derived", dated.source, f"risk_factors.{name} = true from {dated.note}"
                )
                self._value(f"risk_factors.{name}", True, dated.source, dated.concept)
            elif explicit.value is not True:
                self.report.add(
                    "conflict",
                    explicit.source,
                    f"risk_factors.{name} recorded as {explicit.value!r} but {dated.note} is in "
                    "the input: true is used (the safer reading); review",
                )
                risk[name] = True
        return risk

    def _in_order(
        self, items: list[tuple[dict[str, Any], ImportedValue]], name: str
    ) -> list[dict[str, Any]]:
        ordered = items  # document order: an exported record reads back in its own order
        for i, (_, imported) in enumerate(ordered):
            self.report.values.append(
                ImportedValue(
                    f"{name}[{i}]",
                    imported.value,
                    imported.unit,
                    imported.source,
                    imported.code,
                    imported.display,
                    imported.evidence,
                    imported.note,
                )
            )
        return [data for data, _ in ordered]

    def _mixed_vitamin_d(self, labs: list[dict[str, Any]]) -> None:
        vitd = [lab for lab in labs if lab["kind"] == "25_oh_vitamin_d"]
        if len({lab["unit"] for lab in vitd}) > 1:
            side_by_side = "; ".join(
                f"{lab['date']}: {lab['value']} {lab['unit']} = "
                f"{units.calcidiol_to_ng_ml(lab['value'], lab['unit']):.1f} ng/mL"
                for lab in vitd
            )
            self.report.add(
                "converted",
                "labs",
                "25-OH vitamin D arrives in mixed units; each is kept in its own unit and "
                f"compared in ng/mL (1 ng/mL = {units.NMOL_L_PER_NG_ML_25OHD} nmol/L): "
                + side_by_side,
            )

    def _bone_therapy(self) -> list[dict[str, Any]]:
        courses = [c for c in self.courses if c.kind == "bone"]
        # Repeated MedicationRequests for one agent (refills) are one course.
        requests: dict[str, list[_Course]] = defaultdict(list)
        kept: list[_Course] = []
        for course in courses:
            if course.resource_type == "MedicationRequest":
                requests[course.agent].append(course)
            else:
                kept.append(course)
        for agent, group in requests.items():
            starts = [c.start for c in group if c.start]
            kept.append(
                _Course(
                    "bone",
                    agent,
                    min(starts) if starts else None,
                    None,
                    ", ".join(c.source for c in group),
                    group[0].code,
                    "MedicationRequest",
                )
            )
        by_link: dict[str, _Course] = {}
        for course in kept:
            for ref in course.derived_from:
                by_link[ref] = course
        orphans: dict[str, list[tuple[date, str]]] = defaultdict(list)
        orphan_code: dict[str, codes.DrugCode] = {}
        for drug, day, source, link in self.administrations:
            target = by_link.get(source) or by_link.get(link)
            if target is None:
                candidates = [
                    c
                    for c in kept
                    if c.agent == drug.agent
                    and (c.start is None or c.start <= day)
                    and (c.end is None or day <= c.end)
                ]
                target = max(candidates, key=lambda c: c.start or date.min, default=None)
            if target is None:
                orphans[drug.agent].append((day, source))
                orphan_code[drug.agent] = drug
            else:
                target.doses.append((day, source))
        for agent, doses in orphans.items():
            course = _Course(
                "bone",
                agent,
                None,
                None,
                ", ".join(s for _, s in doses),
                orphan_code[agent],
                "MedicationAdministration",
            )
            course.doses.extend(doses)
            kept.append(course)
        result = []
        for i, course in enumerate(kept):
            if course.start is None and not course.doses:
                self.report.add(
                    "rejected", course.source, f"{course.agent}: no start date and no doses"
                )
                continue
            item: dict[str, Any] = {
                "agent": course.agent,
                "doses": sorted({d.isoformat() for d, _ in course.doses}),
            }
            if course.start is not None:
                item["start_date"] = course.start.isoformat()
            if course.end is not None:
                item["end_date"] = course.end.isoformat()
            self._value(f"bone_therapy[{i}]", item, course.source, course.code.concept)
            result.append(item)
        return result


def _relative(reference: str) -> str:
    """The "Type/id" part of an absolute or versioned reference (https://x/fhir/Patient/1/_history/2)."""
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else reference


def _rank(values: list[_DxaValue]) -> tuple[float, float, float]:
    """Order the sides of one site: lowest T-score, then Z-score, then BMD."""
    kinds = {v.entry.kind: v.value for v in values}
    return (kinds.get("t_score", 99.0), kinds.get("z_score", 99.0), kinds.get("bmd", 99.0))


# --- public API --------------------------------------------------------------------------------
def import_fhir(
    data: str | bytes | dict[str, Any] | list[Any],
    *,
    today: date,
    source_name: str = "",
    menopausal_status: str | None = None,
) -> FhirImport:
    """FHIR R4 JSON (Bundle, resource, list) or NDJSON -> validated PatientRecord and its report.

    Raises FhirImportError (with the report) when no valid PatientRecord can be made.
    """
    report = ImportReport(source_name=source_name)
    entries = _read_entries(data, report)
    importer = _Importer(entries, report, today)
    try:
        raw = importer.run(menopausal_status)
    finally:
        importer.finish()
    try:
        record = PatientRecord.parse(raw, today=today)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            sources = sorted({v.source for v in report.values if v.field.startswith(loc)})
            where = f" (from {', '.join(sources)})" if sources else ""
            problems.append(f"{loc}: {err['msg']}{where}")
        raise FhirImportError(
            "the imported data is not a valid patient record: " + "; ".join(problems),
            report=report,
        ) from exc
    return FhirImport(record, report)


def load_fhir_file(
    path: str | Path, *, today: date, menopausal_status: str | None = None
) -> FhirImport:
    """Read a Bundle / resource JSON or NDJSON file and import it."""
    path = Path(path)
    return import_fhir(
        path.read_text(encoding="utf-8"),
        today=today,
        source_name=str(path),
        menopausal_status=menopausal_status,
    )
