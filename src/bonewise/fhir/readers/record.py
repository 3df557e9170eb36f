"""Assembling the PatientRecord from what the readers collected, with its assumptions."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bonewise import units
from bonewise.fhir.entries import PATIENT_ID_SYSTEM, Entry
from bonewise.fhir.readers.base import (
    DxaValue,
    _to_date,
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
