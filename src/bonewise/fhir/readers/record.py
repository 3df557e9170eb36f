"""Assembling the PatientRecord from what the readers collected, with its assumptions."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

from bonewise import evidence as ev
from bonewise import units
from bonewise.clinical.calendar import completed_years
from bonewise.clinical.menopause import infer_menopausal_status
from bonewise.fhir import record_codes
from bonewise.fhir.entries import PATIENT_ID_SYSTEM, Entry
from bonewise.fhir.readers.base import (
    Dated,
    DxaValue,
    _to_date,
    ext,
)
from bonewise.fhir.readers.medications import MedicationReader
from bonewise.fhir.report import FhirImportError, ImportedValue
from bonewise.terminology import codes


def _rank(values: list[DxaValue]) -> tuple[float, float, float]:
    """Order the sides of one site: lowest T-score, then Z-score, then BMD."""
    kinds = {v.entry.kind: v.value for v in values}
    return (kinds.get("t_score", 99.0), kinds.get("z_score", 99.0), kinds.get("bmd", 99.0))


class RecordAssembler(MedicationReader):
    """Reads last: it takes the courses the medication reader merged."""

    def _assemble(self, patient_entry: Entry, menopausal_status: str | None) -> dict[str, Any]:
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
        record["patient"]["menopausal_status"] = self._menopausal(menopausal_status, src, birth)
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
        self._recorded_bmi(record["patient"])
        therapy = self._therapy()
        if therapy is not None:
            record["therapy"] = therapy
        record["dxa_scans"] = self._scans()
        covered = {scan["date"] for scan in record["dxa_scans"]}
        record["dxa_procedures"] = self._dxa_procedures(covered)
        record["risk_factors"] = self._risk_factors()
        self._fracture_mechanisms(self._ehr_shaped())
        record["fractures"] = self._in_order(self.fractures, "fractures")
        record["labs"] = self._in_order(self.labs, "labs")
        self._mixed_vitamin_d(record["labs"])
        record["bone_therapy"] = self._bone_therapy()
        record["gnrh_agonists"] = self._gnrh_agonists()
        record["vertebral_imaging"] = self.vertebral_imaging
        if self.frax is not None:
            record["frax"] = self.frax[0]
            self._value("frax", self.frax[0], self.frax[1], codes.LOCAL_CODES["frax"])
        record["assumptions"] = self._record_assumptions(patient, record["risk_factors"])
        return record

    def _recorded_bmi(self, patient: dict[str, Any]) -> None:
        """A BMI Observation counts when height and weight are not both known (they decide when
        they are): the latest, the lowest of its day, as the population measures read it."""
        if not self.bmis:
            return
        if "height" in patient and "weight" in patient:
            for dated in self.bmis:
                self.report.add(
                    "not-used",
                    dated.source,
                    f"BMI {dated.value} kg/m2: computed from her height and weight instead",
                )
            return
        lowest_first = sorted(self.bmis, key=lambda d: -d.value)
        chosen = self._latest(lowest_first, "BMI")
        if chosen is None:
            return
        patient["recorded_bmi"] = {
            "value": chosen.value,
            "date": chosen.day.isoformat() if chosen.day else None,
        }
        self._value(
            "patient.recorded_bmi", chosen.value, chosen.source, chosen.concept, chosen.unit
        )

    def _record_assumptions(self, patient: Any, risk: dict[str, Any]) -> list[dict[str, Any]]:
        """What the record keeps of its assumptions: those a bonewise export carried, and this
        import's own, each risk factor's also as its provenance (source ehr-import, basis)."""
        kept = [_stored_assumption(e) for e in ext(patient, record_codes.EXT_RECORD_ASSUMPTION)]
        provenance = risk.setdefault("provenance", {})
        for a in self.report.assumptions:
            kept.append(
                {
                    "field": a.field,
                    "value": a.value,
                    "basis": a.basis,
                    "statement": a.statement,
                    "source": "ehr-import",
                    "confirm": a.confirm,
                }
            )
            name = a.field.removeprefix("risk_factors.")
            if name != a.field:
                provenance[name] = {
                    **provenance.get(name, {}),
                    "source": "ehr-import",
                    "basis": a.basis,
                }
        if not provenance:
            risk.pop("provenance")
        return kept

    def _menopausal(self, given: str | None, patient_src: str, birth: date | None) -> str:
        """The user's answer, else the recorded status, else inferred by NCCN criteria (said so)."""
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
        if chosen is not None:
            self._value("patient.menopausal_status", chosen.value, chosen.source, chosen.concept)
            return str(chosen.value)
        status, reason, sources = self._inferred_menopause(birth)
        uncoded = self.unknown_families.get("menopause", [])
        self.report.add_assumption(
            "patient.menopausal_status",
            status,
            "inferred",
            f"Menopausal status not recorded: {status}, inferred ({reason})"
            + _uncoded_words(uncoded),
            sources or (patient_src,),
            confirm=status != "postmenopausal" or bool(uncoded),
        )
        self._value(
            "patient.menopausal_status", status, ", ".join(sources) or patient_src, "inferred"
        )
        return status

    def _inferred_menopause(self, birth: date | None) -> tuple[str, str, tuple[str, ...]]:
        """NCCN criteria (clinical-reference.md s10; clinical.menopause, read by the population
        measures too), in order: bilateral oophorectomy, age, a current GnRH agonist (ovarian
        suppression), an aromatase inhibitor without it."""
        cutoff = ev.NCCN_POSTMENOPAUSAL_AGE.value
        gnrh = self.current_gnrh_agonist()
        ais = [c for c in self.courses if c.kind == "ai"]
        inferred = infer_menopausal_status(
            bilateral_oophorectomy=bool(self.oophorectomy),
            age=None if birth is None else completed_years(birth, self.today),
            on_gnrh_agonist=gnrh is not None,
            on_ai=bool(ais),
        )
        if inferred.criterion == "oophorectomy":
            return inferred.status, "bilateral oophorectomy", tuple(self.oophorectomy)
        if inferred.criterion == "age":
            return inferred.status, f"age {cutoff} or over (NCCN)", ()
        if inferred.criterion == "gnrh-agonist" and gnrh is not None:
            return (
                inferred.status,
                f"on a GnRH agonist ({gnrh.agent}): ovarian suppression; NCCN assigns no "
                "menopausal status on one",
                (gnrh.source,),
            )
        if inferred.criterion == "aromatase-inhibitor":
            return (
                inferred.status,
                f"on an aromatase inhibitor ({ais[-1].agent}) without ovarian suppression; AIs "
                "are given after menopause or with ovarian suppression",
                (ais[-1].source,),
            )
        return (
            inferred.status,
            f"under {cutoff}, no aromatase inhibitor, no oophorectomy on record: Z-scores are read",
            (),
        )

    def _scans(self) -> list[dict[str, Any]]:
        groups: dict[tuple[Any, ...], list[DxaValue]] = defaultdict(list)
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
        return scans

    def _dxa_procedures(self, covered: set[str]) -> list[str]:
        """Days a DXA was done with no results in the input: kept as DXA procedures (they count
        for the baseline and repeat-DXA windows, as in the care-gap measures), said so."""
        days: list[str] = []
        for day, source in self.dxa_procedures:
            if day.isoformat() in covered:
                continue
            self.report.add(
                "derived",
                source,
                f"DXA procedure on {day} has no results in the input: kept as a DXA done on that "
                "day (it counts for the baseline and repeat-DXA windows; a T-score decision "
                "needs the T-score, Z-score or BMD per site)",
                path="dxa_procedures",
            )
            days.append(day.isoformat())
        return sorted(set(days))

    def _sites(self, values: list[DxaValue], scan_index: int) -> dict[str, dict[str, float]]:
        by_site: dict[str, list[DxaValue]] = defaultdict(list)
        for value in values:
            by_site[value.entry.site].append(value)
        sites: dict[str, dict[str, float]] = {}
        for site, site_values in by_site.items():
            sides: dict[str | None, list[DxaValue]] = defaultdict(list)
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
        self._glucocorticoids(risk)
        self._metastases(risk)
        self._absent_from_record(risk)
        provenance = dict(self.risk_provenance)
        if self._ehr_shaped():
            provenance.update(self._ehr_provenance(risk, smoking))
        if provenance:
            risk["provenance"] = provenance
        return risk

    def _ehr_provenance(self, risk: dict[str, Any], smoking: Dated | None) -> dict[str, Any]:
        """Source `ehr-import` (and the date, where the EHR gives one) for each risk factor read
        from a fact in the record; an absence taken from the lists stays an assumption."""
        read_facts: dict[str, date | None] = {
            name: dated.day for name, dated in self.derived_risk.items() if name in risk
        }
        if smoking is not None:
            read_facts["smoking"] = smoking.day
        course = self.long_glucocorticoid_course()
        name = "oral_glucocorticoids_over_6_months"
        if risk.get(name) is True and (course is not None or self.long_term_steroids):
            read_facts[name] = course.start if course is not None else None
        staged = max(
            self.metastasis_staging,
            key=lambda d: (d.day is not None, d.day or date.min),
            default=None,
        )
        if staged is not None and risk.get("bone_metastases") is False:
            read_facts["bone_metastases"] = staged.day
        return {
            name: {
                "source": "ehr-import",
                "recorded_on": day.isoformat() if day is not None else None,
            }
            for name, day in read_facts.items()
        }

    def _glucocorticoids(self, risk: dict[str, Any]) -> None:
        name = "oral_glucocorticoids_over_6_months"
        if self.risk.get(name) is not None and self.risk[name].value is not None:
            return  # stated in the input (a bonewise export, or a questionnaire)
        course = self.long_glucocorticoid_course()
        sources = tuple(self.long_term_steroids) or ((course.source,) if course else ())
        if course is not None or self.long_term_steroids:
            risk[name] = True
            what = (
                f"a {course.agent} course from {course.start}"
                if course is not None
                else "long-term (current) use of systemic steroids on the problem list"
            )
            self.report.add(
                "derived", ", ".join(sources), f"risk_factors.{name} = true from {what}"
            )
            self._value(f"risk_factors.{name}", True, ", ".join(sources), codes.LOCAL_CODES[name])

    def _metastases(self, risk: dict[str, Any]) -> None:
        name = "bone_metastases"
        if name in risk and (risk[name] is not None or name in self.derived_risk):
            return  # on the problem list (yes) or stated in the input
        if name in self.risk and self.risk[name].value is None and not self._ehr_shaped():
            return  # a bonewise export that says "not recorded": kept as not recorded
        uncoded = self.unknown_families.get("bone_metastases", [])
        if uncoded:  # named by a code bonewise does not know: unknown, never "none"
            risk[name] = None
            self.report.add_assumption(
                "risk_factors.bone_metastases",
                None,
                "unrecognised-code",
                "Bone metastases: unknown" + _uncoded_words(uncoded),
                tuple(source for source, _ in uncoded),
                confirm=True,
            )
            return
        staged = self._latest(self.metastasis_staging, "TNM distant metastases category")
        if staged is not None:
            risk[name] = False
            self.report.add_assumption(
                "risk_factors.bone_metastases",
                False,
                "inferred",
                f"Bone metastases: none, from TNM staging M0 ({staged.day or 'undated'}); "
                "not re-staged since",
                (staged.source,),
            )
            return
        risk[name] = False
        self.report.add_assumption(
            "risk_factors.bone_metastases",
            False,
            "absent-from-record",
            "Bone metastases: none on the problem list",
            confirm=True,
        )

    def _absent_from_record(self, risk: dict[str, Any]) -> None:
        """Problem- and medication-list facts not on the lists count as absent (EHR records)."""
        if not self._ehr_shaped():
            return
        fractures = [data for data, _ in self.fractures]
        uncoded = self.unknown_families.get("fracture", [])
        vertebral_known = any("vertebra" in str(f["site"]).lower() for f in fractures)
        for name, label, decided in (
            ("vertebral_fracture", "Vertebral fracture", vertebral_known),
            ("prior_fragility_fracture_after_50", "Fragility fracture after 50", bool(fractures)),
        ):
            if uncoded and not decided and risk.get(name) is None:
                # a fracture under a code bonewise does not know: unknown, never "none"
                risk[name] = None
                self.report.add_assumption(
                    f"risk_factors.{name}",
                    None,
                    "unrecognised-code",
                    f"{label}: unknown" + _uncoded_words(uncoded),
                    tuple(source for source, _ in uncoded),
                    confirm=True,
                )
        checks = (
            (
                "oral_glucocorticoids_over_6_months",
                "Oral glucocorticoids over 6 months: none on the medication list",
                True,
            ),
            ("rheumatoid_arthritis", "Rheumatoid arthritis: not on the problem list", True),
            (
                "vertebral_fracture",
                "Vertebral fracture: none on the problem list",
                not vertebral_known and not uncoded,
            ),
            (
                "prior_fragility_fracture_after_50",
                "Fragility fracture after 50: none on the problem list",
                not fractures and not uncoded,
            ),
        )
        for name, statement, absent in checks:
            if risk.get(name) is None and absent:
                risk[name] = False
                self.report.add_assumption(
                    f"risk_factors.{name}", False, "absent-from-record", statement
                )

    def _ehr_shaped(self) -> bool:
        """An EHR record: no bonewise risk-factor answers in it (a bonewise export states each)."""
        return not self.risk

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


def _stored_assumption(extension: Any) -> dict[str, Any]:
    """One record-assumption extension of a bonewise export, as the record holds it."""
    parts = {part.url: part for part in extension.extension or []}

    def value(url: str, attr: str) -> Any:
        return getattr(parts[url], attr) if url in parts else None

    raw = value("value", "valueString")
    try:
        taken = json.loads(raw) if raw else None
    except ValueError:
        taken = raw  # not JSON (edited by hand): kept as the text it is
    return {
        "field": value("field", "valueString"),
        "basis": value("basis", "valueCode"),
        "statement": value("statement", "valueString"),
        "confirm": bool(value("confirm", "valueBoolean")),
        "source": value("source", "valueCode") or "ehr-import",
        "value": taken,
    }


def _uncoded_words(uncoded: list[tuple[str, str]]) -> str:
    """' - the problem list holds "..." under a code bonewise does not know' (empty if none)."""
    if not uncoded:
        return ""
    named = "; ".join(f'"{words}"' for _, words in uncoded[:3])
    return f" - the problem list holds {named} under a code bonewise does not know"
