"""FHIR R4 import from realistic Synthea-style bundles and NDJSON written for the project."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bonewise.fhir.importer import FhirImportError, import_fhir, load_fhir_file

FHIR_DATA = Path(__file__).resolve().parents[2] / "data" / "fhir"
TODAY = date(2026, 11, 27)  # the data files predate it; imports never see a future date
LOINC = "http://loinc.org"


def _load(name: str) -> Any:
    return load_fhir_file(FHIR_DATA / name, today=TODAY)


def _messages(result: Any, kind: str) -> list[str]:
    return [i.message for i in result.report.issues if i.kind == kind]


def test_synthea_bundle_becomes_a_validated_record() -> None:
    result = _load("synthea-anastrozole-osteopenia.json")
    record = result.record
    assert record.patient.birth_date == date(1958, 3, 14)
    assert record.patient.menopausal_status == "postmenopausal"
    assert record.patient.height is not None and record.patient.height.cm == 162.5
    assert record.patient.weight is not None and record.patient.weight.kg == 68.2
    assert record.therapy is not None
    assert record.therapy.agent == "anastrozole"
    assert record.therapy.start_date == date(2025, 1, 15)  # the first of two refills
    (scan,) = record.dxa_scans
    assert scan.date == date(2025, 2, 3)
    assert (scan.scanner_make, scan.scanner_model) == ("hologic", "Horizon A")
    assert scan.facility == "Springfield Imaging Center"
    assert scan.sites["lumbar_spine"].t_score == -1.8
    assert scan.sites["lumbar_spine"].bmd_g_cm2 == 0.912
    assert scan.sites["lumbar_spine"].z_score == -0.6
    assert scan.sites["femoral_neck"].t_score == -1.6
    assert scan.sites["total_hip"].t_score == -1.2
    assert [(lab.kind, lab.value, lab.unit) for lab in record.labs] == [
        ("25_oh_vitamin_d", 24.5, "ng/mL"),
        ("serum_calcium", 9.4, "mg/dL"),
    ]
    assert record.risk_factors.smoking == "past"
    # An EHR never records "no bone metastases": none on the problem list counts as none, and
    # the import says so and asks the clinician to confirm.
    assert record.risk_factors.bone_metastases is False
    metastases = [a for a in result.report.assumptions if a.field == "risk_factors.bone_metastases"]
    assert metastases and metastases[0].basis == "absent-from-record" and metastases[0].confirm


def test_unknown_codes_and_unread_resources_are_reported_not_dropped() -> None:
    result = _load("synthea-anastrozole-osteopenia.json")
    unknown = {issue.code for issue in result.report.unknown_codes}
    assert unknown == {
        "http://loinc.org|2339-0",
        "http://snomed.info/sct|59621000",
        "http://www.nlm.nih.gov/research/umls/rxnorm|314076",
    }
    not_used = " ".join(_messages(result, "not-used"))
    assert "Encounter" in not_used and "Immunization" in not_used
    assert "BMI 25.83" in not_used


def test_every_imported_value_keeps_its_provenance() -> None:
    result = _load("synthea-anastrozole-osteopenia.json")
    bundle = json.loads((FHIR_DATA / "synthea-anastrozole-osteopenia.json").read_text())
    spine_t = next(
        e["resource"]["id"]
        for e in bundle["entry"]
        if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "38267-1"
    )
    value = next(
        v for v in result.report.values if v.field == "dxa_scans[0].sites.lumbar_spine.t_score"
    )
    assert value.value == -1.8
    assert value.source == f"Observation/{spine_t}"
    assert value.code == f"{LOINC}|38267-1"
    assert value.evidence == "confirmed"
    fields = {v.field for v in result.report.values}
    assert {"patient.birth_date", "therapy", "labs[0]", "labs[1]", "patient.height"} <= fields


def test_malformed_resource_is_rejected_with_the_path_of_the_error() -> None:
    bundle = json.loads((FHIR_DATA / "messy-letrozole.json").read_text())
    index = next(
        i
        for i, e in enumerate(bundle["entry"])
        if e["resource"].get("valueQuantity", {}).get("value") == "minus two"
    )
    result = _load("messy-letrozole.json")
    (rejected,) = [i for i in result.report.rejected]
    assert rejected.path == f"Bundle.entry[{index}].resource.valueQuantity.value"
    assert "minus two" in rejected.message
    # The rest of the bundle is imported.
    assert result.record.therapy is not None and result.record.therapy.agent == "letrozole"


def test_missing_units_are_reported_and_not_guessed() -> None:
    result = _load("messy-letrozole.json")
    missing = _messages(result, "missing-unit")
    assert any("BMD 1.021" in m for m in missing)
    assert any("29.0 has no unit" in m for m in missing)
    scan = result.record.dxa_scans[0]
    assert scan.sites["lumbar_spine"].bmd_g_cm2 is None
    assert scan.sites["lumbar_spine"].t_score == -2.1
    assert 29.0 not in [lab.value for lab in result.record.labs]


def test_mixed_vitamin_d_units_are_kept_and_compared_in_ng_ml() -> None:
    result = _load("messy-letrozole.json")
    vitamin_d = [
        (lab.date, lab.value, lab.unit, round(lab.normalised, 1))
        for lab in result.record.labs
        if lab.kind == "25_oh_vitamin_d"
    ]
    assert vitamin_d == [
        (date(2023, 5, 20), 17.0, "ng/mL", 17.0),
        (date(2024, 1, 10), 68.0, "nmol/L", 27.2),
        (date(2024, 8, 22), 31.0, "ng/mL", 31.0),  # ug/L read as ng/mL
    ]
    converted = " ".join(_messages(result, "converted"))
    assert "68.0 nmol/L = 27.2 ng/mL" in converted
    assert "unit 'ug/L' read as ng/mL" in converted
    calcium = next(lab for lab in result.record.labs if lab.kind == "serum_calcium")
    assert (calcium.value, calcium.unit) == (2.35, "mmol/L")


def test_lunar_scan_sides_units_and_fracture_from_the_messy_bundle() -> None:
    result = _load("messy-letrozole.json")
    record = result.record
    scan = record.dxa_scans[0]
    assert scan.scanner_make == "lunar"
    # Left and right femur: the side with the lower T-score is used, BMD from the same side.
    assert scan.sites["femoral_neck"].t_score == -1.9
    assert scan.sites["femoral_neck"].bmd_g_cm2 == 0.760
    assert any("femoral_neck t_score -1.7 (left)" in m for m in _messages(result, "not-used"))
    assert record.patient.height is not None and record.patient.height.unit == "in"
    assert record.patient.weight is not None and record.patient.weight.value == 63.1
    (fracture,) = record.fractures
    assert (fracture.site, fracture.fragility) == ("left wrist", True)
    # Not declared in the bundle: the clinical core derives it from the fracture list.
    assert record.risk_factors.prior_fragility_fracture_after_50 is None
    unknown = {i.code for i in result.report.unknown_codes}
    assert "http://loinc.org|4548-4" in unknown


def test_ndjson_with_contained_medication_panel_and_denosumab_doses() -> None:
    result = _load("exemestane-denosumab.ndjson")
    record = result.record
    assert result.report.format == "NDJSON"
    assert [i.path for i in result.report.rejected] == ["line 13"]
    assert record.therapy is not None and record.therapy.agent == "exemestane"
    scan = record.dxa_scans[0]
    assert scan.facility == "Eastside Radiology"
    assert scan.sites["lumbar_spine"].t_score == -2.7
    assert scan.sites["femoral_neck"].bmd_g_cm2 == 0.594
    (denosumab,) = record.bone_therapy
    assert denosumab.agent == "denosumab"
    assert denosumab.doses == [date(2022, 4, 1), date(2022, 10, 3), date(2023, 4, 5)]


def test_bone_metastases_and_fracture_conditions() -> None:
    result = _load("bone-metastases-hip-fracture.json")
    record = result.record
    assert record.risk_factors.bone_metastases is True
    (fracture,) = record.fractures
    assert (fracture.date, fracture.site) == (date(2026, 3, 2), "hip")
    assert any("fragility not recorded" in m for m in _messages(result, "defaulted"))
    (zoledronic,) = record.bone_therapy
    assert zoledronic.agent == "zoledronic_acid" and zoledronic.start_date == date(2025, 9, 20)
    assert "radius_33" in record.dxa_scans[0].sites


def test_two_patients_are_refused() -> None:
    with pytest.raises(FhirImportError, match="2 Patient resources"):
        _load("two-patients.json")


# --- small hand-made inputs for single rules ---------------------------------------------------
def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1958-01-01"}
    meno = {
        "resourceType": "Observation",
        "id": "meno",
        "status": "final",
        "code": {"coding": [{"system": "urn:bonewise:codes", "code": "menopausal-status"}]},
        "subject": {"reference": "Patient/p1"},
        "valueCodeableConcept": {
            "coding": [{"system": "http://snomed.info/sct", "code": "76498008"}]
        },
    }
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (patient, meno, *resources)],
    }


def _t_score(value: Any, day: str = "2025-01-01", subject: str = "Patient/p1") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"t-{day}",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "38267-1"}]},
        "subject": {"reference": subject},
        "effectiveDateTime": day,
        "valueQuantity": {"value": value, "unit": "{T-score}"},
    }


def test_menopausal_status_missing_is_inferred_said_so_and_can_be_given() -> None:
    bundle = _bundle()
    del bundle["entry"][1]
    result = import_fhir(bundle, today=TODAY)
    inferred = [a for a in result.report.assumptions if a.field == "patient.menopausal_status"]
    assert inferred and inferred[0].basis == "inferred"
    assert result.record.patient.menopausal_status == inferred[0].value
    record = import_fhir(bundle, today=TODAY, menopausal_status="premenopausal").record
    assert record.patient.menopausal_status == "premenopausal"


def test_future_dates_and_out_of_range_scores_are_rejected_by_resource() -> None:
    result = import_fhir(
        _bundle(_t_score(-2.0, "2027-01-01"), _t_score(-9.5, "2024-01-01"), _t_score(-2.2)),
        today=TODAY,
    )
    messages = " ".join(i.message for i in result.report.rejected)
    assert "2027-01-01 is in the future" in messages
    assert "-9.5 is outside the allowed range -7.0..5.0" in messages
    assert [s.sites["lumbar_spine"].t_score for s in result.record.dxa_scans] == [-2.2]


def test_resources_of_another_patient_are_skipped() -> None:
    result = import_fhir(_bundle(_t_score(-2.2, subject="Patient/someone-else")), today=TODAY)
    assert result.record.dxa_scans == []
    assert any("another patient" in i.message for i in result.report.of_kind("skipped"))


def test_explicit_no_metastases_conflicting_with_a_condition_reads_true() -> None:
    absent = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "urn:bonewise:codes", "code": "bone_metastases"}]},
        "valueBoolean": False,
    }
    condition = {
        "resourceType": "Condition",
        "id": "mets",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "94222008"}]},
        "subject": {"reference": "Patient/p1"},
    }
    result = import_fhir(_bundle(absent, condition), today=TODAY)
    assert result.record.risk_factors.bone_metastases is True
    assert result.report.of_kind("conflict")


def test_unconfirmed_codes_are_flagged_when_used() -> None:
    request = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "73056"}]
        },
        "subject": {"reference": "Patient/p1"},
        "effectivePeriod": {"start": "2024-02-01"},
    }
    result = import_fhir(_bundle(request), today=TODAY)
    (course,) = result.record.bone_therapy
    assert (course.agent, course.start_date) == ("risedronate", date(2024, 2, 1))
    (flag,) = result.report.of_kind("unconfirmed-code")
    assert "UNCONFIRMED" in flag.message


def test_not_fhir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FhirImportError, match="not FHIR"):
        import_fhir({"id": "x", "patient": {}}, today=TODAY)
    empty = tmp_path / "empty.ndjson"
    empty.write_text("\n")
    with pytest.raises(FhirImportError):
        load_fhir_file(empty, today=TODAY)


def test_absolute_references_and_bounded_values() -> None:
    absolute = _t_score(-2.3, subject="https://ehr.example.org/fhir/Patient/p1")
    bounded = {
        "resourceType": "Observation",
        "id": "vitd",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "62292-8"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2025-01-01",
        "valueQuantity": {"value": 8, "comparator": "<", "unit": "ng/mL"},
    }
    result = import_fhir(_bundle(absolute, bounded), today=TODAY)
    assert [s.sites["lumbar_spine"].t_score for s in result.record.dxa_scans] == [-2.3]
    assert result.record.labs == []
    assert any("<8" in i.message and "bound" in i.message for i in result.report.rejected)


def test_repeated_unknown_codes_and_unread_types_are_reported_once_with_counts() -> None:
    def glucose(i: int) -> dict[str, Any]:
        return {
            "resourceType": "Observation",
            "id": f"glucose-{i}",
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "2339-0", "display": "Glucose"}]},
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": f"2025-0{i}-01",
            "valueQuantity": {"value": 90 + i, "unit": "mg/dL"},
        }

    claim = {"resourceType": "Claim", "id": "c1"}
    result = import_fhir(
        _bundle(glucose(1), glucose(2), glucose(3), glucose(4), claim, {**claim, "id": "c2"}),
        today=TODAY,
    )
    (unknown,) = result.report.unknown_codes
    assert unknown.code == f"{LOINC}|2339-0"
    assert "(in 4 resources)" in unknown.message
    assert unknown.source.endswith(", ...")
    not_used = [i for i in result.report.of_kind("not-used") if i.source == "Claim"]
    assert [i.message for i in not_used] == ["2 Claim resource(s): not read by bonewise"]


def test_a_stopped_course_without_an_end_date_ends_on_its_start_to_confirm() -> None:
    """fhir.read's rule: stopped without an end date is ended on its last known day (its
    start), an assumption the clinician is asked to confirm (not an open course)."""
    stopped = {
        "resourceType": "MedicationRequest",
        "status": "stopped",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "199224"}]
        },
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2019-03-01",
    }
    result = import_fhir(_bundle(stopped), today=TODAY)
    assert result.record.therapy is not None
    assert result.record.therapy.end_date == date(2019, 3, 1)
    assert (
        "Anastrozole: stopped without an end date - taken as ended on 2019-03-01 (its start, the "
        "last day the record shows it taken) - please confirm"
    ) in result.report.assumption_lines()
    assert "therapy.end_date" in {a.field for a in result.record.assumptions}


def test_a_dose_before_its_course_began_is_reported_not_fatal() -> None:
    denosumab = {
        "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "993452"}]
    }

    def given(rid: str, day: str) -> dict[str, Any]:
        return {
            "resourceType": "MedicationAdministration",
            "id": rid,
            "status": "completed",
            "medicationCodeableConcept": denosumab,
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": day,
        }

    statement = {
        "resourceType": "MedicationStatement",
        "id": "s1",
        "status": "active",
        "medicationCodeableConcept": denosumab,
        "subject": {"reference": "Patient/p1"},
        "effectivePeriod": {"start": "2024-03-01"},
        "derivedFrom": [
            {"reference": "MedicationAdministration/early"},
            {"reference": "MedicationAdministration/ok"},
        ],
    }
    result = import_fhir(
        _bundle(statement, given("early", "2024-01-05"), given("ok", "2024-03-01")), today=TODAY
    )
    [course] = result.record.bone_therapy
    assert [d.isoformat() for d in course.doses] == ["2024-03-01"]
    [issue] = [i for i in result.report.of_kind("rejected") if "before its course" in i.message]
    assert "2024-01-05" in issue.message and "MedicationAdministration/early" in issue.source
