"""The issue-11 record fields in FHIR: answer provenance, GnRH agonists, vertebral imaging, doses,
fracture mechanism; written with standard FHIR where it has a place, read back value for value,
and read from EHR-shaped resources with source `ehr-import`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from bonewise.clinical.assessment import assess
from bonewise.clinical.models import PatientRecord
from bonewise.fhir import record_codes
from bonewise.fhir.export import export_bundle
from bonewise.fhir.importer import import_fhir
from bonewise.terminology import codes

TODAY = date(2026, 11, 27)
AT = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

BASE: dict[str, Any] = {
    "id": "fields",
    "patient": {"birth_date": "1960-04-02", "menopausal_status": "postmenopausal"},
    "therapy": {"agent": "letrozole", "start_date": "2025-01-10"},
}


def _record(**extra: Any) -> PatientRecord:
    return PatientRecord.parse({**BASE, **extra}, today=TODAY)


def _export(record: PatientRecord) -> dict[str, Any]:
    return export_bundle(record, assess(record, as_of=TODAY), generated_at=AT)


def _back(record: PatientRecord) -> PatientRecord:
    return import_fhir(json.dumps(_export(record)), today=TODAY).record


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _risk_observation(bundle: dict[str, Any], code: str) -> dict[str, Any]:
    return next(
        o for o in _resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == code
    )


def test_asked_no_never_asked_and_not_sure_stay_different_in_fhir() -> None:
    record = _record(
        risk_factors={
            "parental_hip_fracture": {
                "answer": "no",
                "source": "patient",
                "recorded_on": "2026-02-01",
            },
            "rheumatoid_arthritis": {"answer": "not sure", "source": "patient"},
            "smoking": {"answer": "never", "source": "clinician", "recorded_on": "2026-03-04"},
        }
    )
    bundle = _export(record)
    asked_no = _risk_observation(bundle, "parental_hip_fracture")
    assert asked_no["valueBoolean"] is False
    assert asked_no["effectiveDateTime"] == "2026-02-01"
    assert asked_no["performer"] == [{"reference": bundle["entry"][0]["fullUrl"]}]
    unsure = _risk_observation(bundle, "rheumatoid_arthritis")
    assert unsure["dataAbsentReason"]["coding"][0]["code"] == "asked-unknown"
    never_asked = _risk_observation(bundle, "alcohol_3_or_more_units_per_day")
    assert never_asked["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert "extension" not in never_asked and "performer" not in never_asked
    smoking = _risk_observation(bundle, codes.SMOKING_STATUS.code)
    assert smoking["extension"][0]["url"] == record_codes.EXT_ANSWER_PROVENANCE

    back = _back(record)
    assert back.risk_factors == record.risk_factors
    provenance = back.risk_factors.provenance
    assert provenance["parental_hip_fracture"].source == "patient"
    assert provenance["parental_hip_fracture"].recorded_on == date(2026, 2, 1)
    assert provenance["rheumatoid_arthritis"].unsure
    assert back.risk_factors.rheumatoid_arthritis is None
    assert "alcohol_3_or_more_units_per_day" not in provenance


def test_gnrh_agonists_go_out_with_their_rxnorm_codes_and_come_back() -> None:
    record = _record(
        gnrh_agonists=[
            {"agent": "leuprorelin", "start_date": "2024-01-01", "end_date": "2024-12-01"},
            {"agent": "goserelin", "start_date": "2025-01-05"},
        ]
    )
    bundle = _export(record)
    statements = [
        s
        for s in _resources(bundle, "MedicationStatement")
        if s["medicationCodeableConcept"]["coding"][0]["code"] in ("42375", "50610")
    ]
    assert [s["status"] for s in statements] == ["completed", "active"]
    assert all(
        s["medicationCodeableConcept"]["coding"][0]["system"] == codes.RXNORM for s in statements
    )
    assert _back(record).gnrh_agonists == record.gnrh_agonists


def test_vertebral_imaging_is_a_procedure_with_its_finding() -> None:
    record = _record(
        vertebral_imaging=[
            {"date": "2025-02-01", "kind": "vfa", "fracture_found": False},
            {"date": "2025-06-01", "kind": "radiograph"},
        ]
    )
    procedures = [
        p
        for p in _resources(_export(record), "Procedure")
        if p["code"]["coding"][0]["code"].startswith("vertebral-imaging-")
    ]
    assert [p["performedDateTime"] for p in procedures] == ["2025-02-01", "2025-06-01"]
    assert procedures[0]["outcome"]["text"] == "no vertebral fracture found"
    assert "outcome" not in procedures[1]
    assert _back(record).vertebral_imaging == record.vertebral_imaging


def test_dose_per_administration_is_the_dose_quantity() -> None:
    record = _record(
        bone_therapy=[
            {"agent": "zoledronic_acid", "dose_mg": 4, "doses": ["2025-03-01", "2025-09-01"]}
        ]
    )
    bundle = _export(record)
    statement = next(
        s
        for s in _resources(bundle, "MedicationStatement")
        if s["medicationCodeableConcept"]["text"] == "zoledronic acid"
    )
    assert statement["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 4
    given = _resources(bundle, "MedicationAdministration")
    assert [a["dosage"]["dose"]["code"] for a in given] == ["mg", "mg"]
    assert _back(record).bone_therapy == record.bone_therapy


def test_traumatic_fragility_and_unrecorded_fractures_stay_apart() -> None:
    record = _record(
        fractures=[
            {"date": "2024-05-01", "site": "hip", "traumatic": True},
            {"date": "2024-06-01", "site": "wrist", "fragility": True},
            {"date": "2024-07-01", "site": "vertebra"},
        ]
    )
    conditions = [
        c for c in _resources(_export(record), "Condition") if "fracture" in c["code"]["text"]
    ]
    assert [c["extension"][0]["url"] for c in conditions[:2]] == [
        record_codes.EXT_TRAUMATIC,
        codes.EXT_FRAGILITY,
    ]
    assert "extension" not in conditions[2]
    back = _back(record)
    assert back.fractures == record.fractures
    assert back.fractures[2].fragility is None


# --- EHR-shaped input -----------------------------------------------------------------------
def _ehr(*resources: dict[str, Any]) -> Any:
    patient = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1962-03-01"}
    entries = [{"resource": patient}] + [
        {"resource": {**r, "id": f"r{i}", "subject": {"reference": "Patient/p"}}}
        for i, r in enumerate(resources)
    ]
    return import_fhir(
        {"resourceType": "Bundle", "type": "collection", "entry": entries}, today=TODAY
    )


def _rx(code: str, **more: Any) -> dict[str, Any]:
    return {
        "medicationCodeableConcept": {"coding": [{"system": codes.RXNORM, "code": code}]},
        **more,
    }


LETROZOLE = {
    "resourceType": "MedicationRequest",
    "status": "active",
    "intent": "order",
    "authoredOn": "2025-01-01",
    **_rx("200064"),
}


def test_ehr_facts_read_get_source_ehr_import_and_absences_stay_assumptions() -> None:
    smoking = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": codes.LOINC, "code": codes.SMOKING_STATUS.code}]},
        "effectiveDateTime": "2026-01-15",
        "valueCodeableConcept": {"coding": [{"system": codes.SNOMED, "code": "8517006"}]},
    }
    result = _ehr(LETROZOLE, smoking)
    provenance = result.record.risk_factors.provenance
    assert provenance["smoking"].source == "ehr-import"
    assert provenance["smoking"].recorded_on == date(2026, 1, 15)
    assert provenance["smoking"].basis is None  # read from a fact: not an assumption
    # "none on the problem list" is an assumption of the import, not an answer someone gave:
    # its provenance says so (basis), and the record keeps the assumption
    assert provenance["rheumatoid_arthritis"].source == "ehr-import"
    assert provenance["rheumatoid_arthritis"].basis == "absent-from-record"
    assert provenance["rheumatoid_arthritis"].recorded_on is None
    assert "risk_factors.rheumatoid_arthritis" in {a.field for a in result.record.assumptions}
    assert result.record.risk_factors.rheumatoid_arthritis is False
    assert "risk_factors.rheumatoid_arthritis" in {a.field for a in result.report.assumptions}


def test_ehr_gnrh_injections_make_one_course_and_a_dose_comes_from_the_administration() -> None:
    goserelin = [
        {
            "resourceType": "MedicationAdministration",
            "status": "completed",
            "effectiveDateTime": day,
            **_rx("50610"),
        }
        for day in ("2026-08-01", "2026-08-29", "2026-09-26")
    ]
    denosumab = {
        "resourceType": "MedicationAdministration",
        "status": "completed",
        "effectiveDateTime": "2026-06-01",
        "dosage": {"dose": {"value": 60, "unit": "mg", "system": codes.UCUM, "code": "mg"}},
        **_rx("993452"),
    }
    record = _ehr(LETROZOLE, *goserelin, denosumab).record
    assert [(g.agent, g.start_date, g.end_date) for g in record.gnrh_agonists] == [
        ("goserelin", date(2026, 8, 1), date(2026, 9, 26))
    ]
    assert record.bone_therapy[0].dose_mg == 60


def test_ehr_closed_gnrh_order_without_end_date_is_not_current() -> None:
    order = {
        "resourceType": "MedicationRequest",
        "status": "completed",
        "intent": "order",
        "authoredOn": "2025-02-01",
        **_rx("42375"),
    }
    result = _ehr(LETROZOLE, order)
    (course,) = result.record.gnrh_agonists
    assert course.agent == "leuprorelin"
    assert course.end_date == date(2025, 2, 1) and not course.current_on(TODAY)
    assert any(
        "completed without an end date - taken as ended on 2025-02-01" in line
        for line in result.report.assumption_lines()
    )


def test_ehr_metastatic_dose_is_not_put_in_the_record_and_said_so() -> None:
    xgeva = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "effectivePeriod": {"start": "2026-01-01"},
        "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 120, "unit": "mg"}}]}],
        **_rx("993452"),
    }
    result = _ehr(LETROZOLE, xgeva)
    assert result.record.bone_therapy[0].dose_mg is None
    assert any("120 mg" in i.message for i in result.report.issues)
