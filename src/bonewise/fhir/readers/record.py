"""The readers' facts -> the PatientRecord (as the dict PatientRecord.parse validates).

Takes the Patient and what each reader kept, and puts the record together: the patient (id,
birth date, sex; a gender other than female or male is recorded as female, said), the latest
height and weight, the therapy courses (readers.courses), DXA scans (readers.scans), risk
factors and menopausal status (readers.risk), fractures and labs in document order, bone
therapy, GnRH agonists, vertebral imaging and FRAX, and the record's assumptions: those a bonewise
export carried and this import's own.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bonewise import units
from bonewise.fhir import record_codes
from bonewise.fhir.entries import PATIENT_ID_SYSTEM, Entry
from bonewise.fhir.readers import scans
from bonewise.fhir.readers.conditions import ConditionFacts
from bonewise.fhir.readers.context import ReadContext, ext, to_date
from bonewise.fhir.readers.courses import Courses
from bonewise.fhir.readers.medications import MedicationFacts
from bonewise.fhir.readers.observations import ObservationFacts
from bonewise.fhir.readers.risk import RiskReading
from bonewise.fhir.report import FhirImportError, ImportedValue
from bonewise.terminology import codes


class RecordAssembler:
    """Combines the facts of the three readers into one record; the report via `context`."""

    def __init__(
        self,
        context: ReadContext,
        observations: ObservationFacts,
        conditions: ConditionFacts,
        medications: MedicationFacts,
        document_order: dict[str, int],
    ) -> None:
        self.context = context
        self.report = context.report
        self.observations = observations
        self.conditions = conditions
        self.medications = Courses(medications, context)
        self.risk = RiskReading(context, observations, conditions, self.medications, document_order)

    def assemble(self, patient_entry: Entry, menopausal_status: str | None) -> dict[str, Any]:
        """The PatientRecord (as the dict PatientRecord.parse takes) of the patient `patient_entry`."""
        patient = patient_entry.resource
        record, birth = self._patient(patient_entry)
        src = patient_entry.ref
        record["patient"]["menopausal_status"] = self.risk.menopausal_status(
            menopausal_status, src, birth
        )
        for name, items in (
            ("height", self.observations.heights),
            ("weight", self.observations.weights),
        ):
            chosen = self.context.latest(items, name)
            if chosen is not None:
                record["patient"][name] = {"value": chosen.value, "unit": chosen.unit}
                self.context.value(
                    f"patient.{name}",
                    chosen.value,
                    chosen.source,
                    chosen.concept,
                    chosen.unit,
                    chosen.note,
                )
        self._recorded_bmi(record["patient"])
        therapy = self.medications.therapy()
        if therapy is not None:
            record["therapy"] = therapy
        record["dxa_scans"] = scans.dxa_scans(self.observations.dxa, self.context)
        covered = {scan["date"] for scan in record["dxa_scans"]}
        record["dxa_procedures"] = scans.dxa_procedures(
            self.conditions.dxa_procedures, covered, self.context
        )
        record["risk_factors"] = self.risk.risk_factors()
        self.risk.fracture_mechanisms(self.risk.ehr_shaped())
        record["fractures"] = self._in_order(self.conditions.fractures, "fractures")
        record["labs"] = self._in_order(self.observations.labs, "labs")
        self._mixed_vitamin_d(record["labs"])
        record["bone_therapy"] = self.medications.bone_therapy()
        record["gnrh_agonists"] = self.medications.gnrh_agonists()
        record["vertebral_imaging"] = self.conditions.vertebral_imaging
        if self.observations.frax is not None:
            record["frax"] = self.observations.frax[0]
            self.context.value(
                "frax",
                self.observations.frax[0],
                self.observations.frax[1],
                codes.LOCAL_CODES["frax"],
            )
        record["assumptions"] = self._record_assumptions(patient, record["risk_factors"])
        return record

    def _patient(self, patient_entry: Entry) -> tuple[dict[str, Any], date | None]:
        """The record's id and patient (birth date, sex), and her birth date."""
        report = self.report
        patient = patient_entry.resource
        if patient.birthDate is None:
            raise FhirImportError(
                f"{patient_entry.ref}: Patient.birthDate is missing; bonewise needs it for age",
                report=report,
            )
        birth = to_date(patient.birthDate, "Patient.birthDate", patient_entry.ref, report)
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
        self.context.value("id", pid, src, "Patient.id")
        self.context.value("patient.birth_date", str(birth), src, "Patient.birthDate")
        self.context.value("patient.sex", sex, src, "Patient.gender")
        record: dict[str, Any] = {
            "id": pid,
            "patient": {"birth_date": birth.isoformat() if birth else None, "sex": sex},
        }
        return record, birth

    def _recorded_bmi(self, patient: dict[str, Any]) -> None:
        """A BMI Observation counts when height and weight are not both known (they decide when
        they are): the latest, the lowest of its day, as the population measures read it."""
        bmis = self.observations.bmis
        if not bmis:
            return
        if "height" in patient and "weight" in patient:
            for dated in bmis:
                self.report.add(
                    "not-used",
                    dated.source,
                    f"BMI {dated.value} kg/m2: computed from her height and weight instead",
                )
            return
        lowest_first = sorted(bmis, key=lambda d: -d.value)
        chosen = self.context.latest(lowest_first, "BMI")
        if chosen is None:
            return
        patient["recorded_bmi"] = {
            "value": chosen.value,
            "date": chosen.day.isoformat() if chosen.day else None,
        }
        self.context.value(
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
