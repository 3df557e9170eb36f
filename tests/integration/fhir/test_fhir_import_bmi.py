"""Issue 12: a BMI Observation (LOINC 39156-5, kg/m2) is read when height and weight are not
both recorded, so the single-patient answer sees the BMI the population measures read."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from bonewise.clinical.assessment import assess
from bonewise.clinical.models import PatientRecord
from bonewise.fhir.export import export_bundle
from bonewise.fhir.importer import import_fhir
from bonewise.terminology import codes

TODAY = date(2026, 12, 1)
EXAMPLE = Path(__file__).resolve().parents[3] / "examples/patients/osteopenia-no-risk-factors.json"
BMI_LOINC = next(v.concept.code for v in codes.VITAL_CODES if v.kind == "bmi")


def _bmi(value: float, day: str, rid: str) -> dict[str, Any]:
    return {
        "resource": {
            "resourceType": "Observation",
            "id": rid,
            "status": "final",
            "code": {"coding": [{"system": codes.LOINC, "code": BMI_LOINC}]},
            "subject": {"reference": "Patient/p"},
            "effectiveDateTime": day,
            "valueQuantity": {
                "value": value,
                "unit": "kg/m2",
                "system": codes.UCUM,
                "code": "kg/m2",
            },
        }
    }


def _bundle(*, height_and_weight: bool, bmis: list[dict[str, Any]]) -> dict[str, Any]:
    """The osteopenia example (femoral neck T -1.6, no risk factor) as an EHR would send it."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    if not height_and_weight:
        data["patient"] = {
            k: v for k, v in data["patient"].items() if k not in ("height", "weight")
        }
    bundle = export_bundle(PatientRecord.parse(data, today=TODAY))
    patient_url = next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    for entry in bmis:
        entry["resource"]["subject"] = {"reference": patient_url}
    bundle["entry"].extend(bmis)
    return bundle


def test_a_bmi_observation_without_height_and_weight_reaches_the_decision() -> None:
    """BMI 19.96 is displayed 20.0 (not a risk factor); the latest day's lowest, 19.4, is."""
    bmis = [_bmi(24.0, "2024-01-10", "old"), _bmi(19.96, "2025-02-01", "a")]
    record = import_fhir(_bundle(height_and_weight=False, bmis=bmis), today=TODAY).record
    assert record.patient.recorded_bmi is not None
    assert (record.patient.recorded_bmi.value, record.patient.bmi) == (19.96, 19.96)
    assert assess(record, as_of=TODAY).guidelines["hadji-2017"].bone_directed_therapy is False

    bmis = [*bmis, _bmi(19.4, "2025-02-01", "b")]
    result = import_fhir(_bundle(height_and_weight=False, bmis=bmis), today=TODAY)
    assert result.record.patient.bmi == 19.4
    hadji = assess(result.record, as_of=TODAY).guidelines["hadji-2017"]
    assert hadji.bone_directed_therapy is True
    assert any("BMI under 20" in reason for reason in hadji.reasons)
    # and a re-import of the app's own export keeps it
    again = import_fhir(export_bundle(result.record), today=TODAY).record
    assert again.patient.recorded_bmi == result.record.patient.recorded_bmi


def test_height_and_weight_decide_over_a_bmi_observation() -> None:
    result = import_fhir(
        _bundle(height_and_weight=True, bmis=[_bmi(17.0, "2025-02-01", "a")]), today=TODAY
    )
    assert result.record.patient.recorded_bmi is None
    assert round(result.record.patient.bmi or 0, 1) == 23.8  # 61 kg, 160 cm
    assert any(
        "computed from her height and weight" in item.message for item in result.report.issues
    )


def test_an_implausible_bmi_is_rejected_with_its_range() -> None:
    result = import_fhir(
        _bundle(height_and_weight=False, bmis=[_bmi(4.0, "2025-02-01", "a")]), today=TODAY
    )
    assert result.record.patient.bmi is None
    assert any("outside the allowed range" in item.message for item in result.report.issues)


def test_saving_the_profile_form_keeps_a_recorded_bmi(store_url: str) -> None:
    """The profile form has no BMI field: saving it keeps the BMI an import recorded."""
    from bonewise.services import accounts
    from bonewise.services import patients as service
    from bonewise.services.access import LOCAL_OPERATOR
    from bonewise.store.uow import UnitOfWork, open_store

    factory = open_store(store_url)
    her = accounts.create_user(
        uow=UnitOfWork(factory),
        actor=LOCAL_OPERATOR,
        email="b@example.org",
        name="B",
        role="patient",
        password="x" * 12,
    )
    profile = {"birth_date": "1962-03-04", "menopausal_status": "postmenopausal"}
    first = service.save_profile(
        uow=UnitOfWork(factory),
        actor=her,
        patient_id=None,
        profile={"patient": {**profile, "recorded_bmi": {"value": 18.5, "date": "2025-01-02"}}},
        today=TODAY,
    )
    her = accounts.current_user(uow=UnitOfWork(factory), user_id=her.id)
    again = service.save_profile(
        uow=UnitOfWork(factory),
        actor=her,
        patient_id=first.id,
        profile={"patient": {**profile, "menopausal_status": "postmenopausal"}},
        today=TODAY,
    )
    assert again.patient.recorded_bmi == first.patient.recorded_bmi
    assert again.patient.bmi == 18.5
