"""Observations -> ObservationFacts: DXA results, labs, height and weight, smoking status,
menopausal status, bonewise's own risk-factor answers, FRAX, mCODE distant-metastases staging.

Reads one Observation at a time (the importer has checked its status and patient). Decides: which
code family an Observation belongs to (the first coding bonewise knows wins; a panel is read by
its components), whether a value is usable (a date, a number, a known unit converted to the
record's unit, within the plausible range; a bound like "<10" is not a result), the scanner and
facility of a DXA result, and that values bonewise computes itself (WHO category, next DXA) are
recomputed rather than imported. Picking the latest of several values is the assembler's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from bonewise import evidence as ev
from bonewise.clinical.models import Length, Mass
from bonewise.fhir import read, record_codes
from bonewise.fhir.entries import Entry
from bonewise.fhir.readers.context import Dated, ReadContext, ext, ext_value, num
from bonewise.fhir.report import ImportedValue
from bonewise.terminology import codes

T_MIN, T_MAX = ev.T_SCORE_RANGE.value
BMD_MIN, BMD_MAX = ev.BMD_RANGE_G_CM2.value


@dataclass
class DxaValue:
    """One DXA result (a T-score, Z-score or BMD at one site) with its scan's identity."""

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
class ObservationFacts:
    """What the Observations say, in document order; nothing chosen or merged yet."""

    dxa: list[DxaValue] = field(default_factory=list)
    labs: list[tuple[dict[str, Any], ImportedValue]] = field(default_factory=list)
    heights: list[Dated] = field(default_factory=list)
    weights: list[Dated] = field(default_factory=list)
    bmis: list[Dated] = field(
        default_factory=list
    )  # BMI Observations: used without height and weight
    smoking: list[Dated] = field(default_factory=list)
    menopause: list[Dated] = field(default_factory=list)
    # bonewise's own risk-factor answers (a bonewise export or a questionnaire), by name
    risk: dict[str, Dated] = field(default_factory=dict)
    # per risk factor, who answered and when (a bonewise export's answer-provenance)
    risk_provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    frax: tuple[dict[str, Any], str] | None = None
    metastasis_staging: list[Dated] = field(default_factory=list)


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


class ObservationReader:
    """Reads the patient's Observations into `facts`; the report and references via `context`."""

    def __init__(self, context: ReadContext) -> None:
        self.context = context
        self.report = context.report
        self.facts = ObservationFacts()

    def read(self, entry: Entry) -> None:
        """Read one Observation of the patient (its status already checked)."""
        obs = entry.resource
        day = self.context.date(
            obs.effectiveDateTime
            or (obs.effectivePeriod.start if obs.effectivePeriod else None)
            or obs.effectiveInstant
            or obs.issued,
            "Observation.effective",
            entry.ref,
        )
        for coding in read.codings(obs.code):
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
                self.facts.menopause.append(Dated(day, status, entry.ref, concept))
                return None
            if (
                codes.normalise_system(system) == codes.BONEWISE
                and code == record_codes.CLINICAL_OSTEOPOROSIS.code
            ):
                self.report.add(
                    "not-used",
                    entry.ref,
                    f"{record_codes.CLINICAL_OSTEOPOROSIS.display}: recomputed, not imported",
                )
                return None
            if codes.normalise_system(system) == codes.BONEWISE and code in codes.LOCAL_CODES:
                return self._local(entry, obs, codes.LOCAL_CODES[code], day)
            if system == codes.LOINC and code in codes.DISTANT_METASTASES_CATEGORY_LOINC:
                return self._distant_metastases(entry, obs, day)
        # A panel whose components carry DXA codes (one Observation per scan).
        handled = False
        for i, component in enumerate(obs.component or []):
            for coding in read.codings(component.code):
                dxa = codes.dxa_code(coding.code or "", coding.system)
                if dxa is not None:
                    self._dxa_value(
                        entry, obs, dxa, component.valueQuantity, day, where=f"component[{i}]"
                    )
                    handled = True
                    break
        if not handled:
            self.context.unknown(entry, obs.code, "Observation")
        return None

    def _distant_metastases(self, entry: Entry, obs: Any, day: date | None) -> None:
        """mCODE TNM distant metastases category: M0 means none at staging; M1 is not read as
        bone metastases (the site is not in the category)."""
        answers = read.codings(obs.valueCodeableConcept)
        if any(a.system == codes.SNOMED and a.code in codes.M0_CATEGORY_SNOMED for a in answers):
            concept = codes.Concept(
                codes.SNOMED,
                answers[0].code,
                answers[0].display or "cM0",
                "secondary",
                "mCODE TNM distant metastases category",
            )
            self.facts.metastasis_staging.append(Dated(day, False, entry.ref, concept))
            return
        self.report.add(
            "context",
            entry.ref,
            f"TNM distant metastases category {read.describe(obs.valueCodeableConcept)}: not M0; "
            "bone metastases are read from the problem list only",
        )

    def _scanner(self, entry: Entry, obs: Any) -> tuple[str | None, str | None, str | None]:
        make = model = facility = None
        device = self.context.resolve(obs.device.reference if obs.device else None, entry)
        if device is not None and device.get_resource_type() != "Device":
            device = None
        if device is not None:
            names = [n.name for n in (device.deviceName or [])]
            maker = device.manufacturer or ""
            model = device.modelNumber or (names[0] if names else None)
            make = codes.scanner_make_named(f"{maker} {' '.join(names)}") or (
                "other" if maker else None
            )
        elif obs.device is not None and obs.device.display:
            make = codes.scanner_make_named(obs.device.display) or "other"
            model = obs.device.display
        for performer in obs.performer or []:
            org = self.context.resolve(performer.reference, entry)
            if org is not None and org.get_resource_type() == "Organization":
                facility = org.name
            elif performer.display and facility is None:
                facility = performer.display
        return make, model, facility

    def _dxa_value(
        self,
        entry: Entry,
        obs: Any,
        dxa: codes.DxaCode,
        quantity: Any,
        day: date | None,
        where: str = "",
    ) -> None:
        source = entry.ref + (f".{where}" if where else "")
        code = read.code_str(dxa.concept.system, dxa.concept.code)
        if day is None:
            self.report.add("rejected", source, "DXA result without a date", code=code)
            return
        value = self._dxa_number(source, dxa, quantity, code)
        if value is None:
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
            for e in ext(obs, codes.EXT_EXCLUDED_VERTEBRAE)
            if (e.valueCode or e.valueString)
        )
        precision = next(
            (
                float(e.valueDecimal)
                for e in ext(obs, codes.EXT_FACILITY_PRECISION)
                if e.valueDecimal is not None
            ),
            None,
        )
        self.facts.dxa.append(
            DxaValue(day, make, model, facility, dxa, value, source, excluded, precision)
        )
        self.context.unconfirmed(entry, dxa.concept)

    def _dxa_number(
        self, source: str, dxa: codes.DxaCode, quantity: Any, code: str
    ) -> float | None:
        """The exact value of a DXA result in the record's unit (BMD in g/cm2, mg/cm2
        converted) within the plausible range, else None (said in the report)."""
        if quantity is None or quantity.value is None:
            self.report.add("rejected", source, "DXA result without a numeric value", code=code)
            return None
        if quantity.comparator:
            self.report.add(
                "rejected",
                source,
                f"DXA value {quantity.comparator}{quantity.value} is not an exact result",
                code=code,
            )
            return None
        value = num(quantity.value)
        unit = quantity.code or quantity.unit
        if dxa.kind == "bmd":
            if not unit:
                self.report.add(
                    "missing-unit",
                    source,
                    f"BMD {value} has no unit (g/cm2 expected): not imported",
                    code=code,
                )
                return None
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
                return None
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
            return None
        return value

    def _lab(self, entry: Entry, obs: Any, lab: codes.LabCode, day: date | None) -> None:
        code = read.code_str(lab.concept.system, lab.concept.code)
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
        value = num(quantity.value)
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
        # the terminology's units, the same the population run accepts (no conversion of its
        # own: 25-OH vitamin D is never reported in pmol/L, which is the unit of 1,25-dihydroxy-
        # vitamin D, another test; read as 25-OH D / 1000 it was a false severe deficiency)
        unit = lab.units.get(raw_unit) or lab.units.get(raw_unit.strip())
        note = ""
        if unit is None:
            allowed = ", ".join(sorted(set(lab.units)))
            self.report.add(
                "rejected",
                entry.ref,
                f"{lab.analyte} unit {raw_unit!r} is not one of {allowed}",
                code=code,
            )
            return
        if unit != raw_unit:
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
        self.facts.labs.append((data, imported))
        self.context.unconfirmed(entry, lab.concept)

    def _vital(self, entry: Entry, obs: Any, vital: codes.VitalCode, day: date | None) -> None:
        code = read.code_str(vital.concept.system, vital.concept.code)
        quantity = obs.valueQuantity
        if quantity is None or quantity.value is None:
            self.report.add("rejected", entry.ref, f"{vital.kind} without a value", code=code)
            return
        value = num(quantity.value)
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
            low, high = ev.BMI_RANGE_KG_M2.value
            if not low <= value <= high:
                self.report.add(
                    "rejected",
                    entry.ref,
                    f"BMI {value} {unit} is outside the allowed range {low:g}..{high:g}",
                    path="valueQuantity",
                    code=code,
                )
                return
            self.facts.bmis.append(Dated(day, value, entry.ref, vital.concept, unit, note))
            return
        model = Length if vital.kind == "height" else Mass
        try:
            model.model_validate({"value": value, "unit": unit})
        except ValidationError as exc:
            self.report.add(
                "rejected", entry.ref, exc.errors()[0]["msg"], path="valueQuantity", code=code
            )
            return
        target = self.facts.heights if vital.kind == "height" else self.facts.weights
        target.append(Dated(day, value, entry.ref, vital.concept, unit, note))

    def _smoking(self, entry: Entry, obs: Any, day: date | None) -> None:
        provenance = answer_provenance(obs)
        if provenance is not None:
            self.facts.risk_provenance["smoking"] = provenance
        if obs.dataAbsentReason is not None:
            return  # explicitly unknown: smoking stays not recorded
        for coding in read.codings(obs.valueCodeableConcept):
            if codes.normalise_system(coding.system) == codes.SNOMED:
                answer = codes.SMOKING_ANSWERS.get(coding.code or "")
                if answer:
                    self.facts.smoking.append(Dated(day, answer[1], entry.ref, answer[0]))
                    return
        self.context.unknown(entry, obs.valueCodeableConcept, "smoking status answer")

    def _local(self, entry: Entry, obs: Any, concept: codes.Concept, day: date | None) -> None:
        name = concept.code
        if name == "menopausal-status":
            for coding in read.codings(obs.valueCodeableConcept):
                if coding.code in codes.MENOPAUSE_STATES:
                    state, status = codes.MENOPAUSE_STATES[coding.code]
                    self.facts.menopause.append(Dated(day, status, entry.ref, state))
                    return
            self.context.unknown(entry, obs.valueCodeableConcept, "menopausal status answer")
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
        provenance = answer_provenance(obs)
        if provenance is not None:
            self.facts.risk_provenance[name] = provenance
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
        self.facts.risk[name] = Dated(day, value, entry.ref, concept)

    def _frax(self, entry: Entry, obs: Any, day: date | None) -> None:
        if day is None:
            self.report.add("rejected", entry.ref, "FRAX without a date")
            return
        data: dict[str, Any] = {"date": day.isoformat()}
        for component in obs.component or []:
            for coding in read.codings(component.code):
                quantity = component.valueQuantity
                if quantity is None or quantity.value is None:
                    continue
                if coding.code == "frax-major-osteoporotic":
                    data["major_osteoporotic_pct"] = num(quantity.value)
                elif coding.code == "frax-hip":
                    data["hip_pct"] = num(quantity.value)
        with_bmd = ext_value(obs, codes.EXT_FRAX_WITH_BMD, "valueBoolean")
        if with_bmd is not None:
            data["with_bmd"] = with_bmd
        self.facts.frax = (data, entry.ref)
