"""What an EHR record leaves unsaid: menopausal status by NCCN criteria, ovarian suppression,
glucocorticoid exposure and metastases, each taken as an assumption the import lists."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bonewise.fhir.importer import import_fhir
from bonewise.terminology import codes

TODAY = date(2026, 11, 27)
ICD = "http://hl7.org/fhir/sid/icd-10-cm"


def _chart(birth: str, *resources: dict[str, Any]) -> Any:
    patient = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": birth}
    entries = [{"resource": patient}] + [
        {"resource": {**r, "id": f"r{i}", "subject": {"reference": "Patient/p"}}}
        for i, r in enumerate(resources)
    ]
    return import_fhir(
        {"resourceType": "Bundle", "type": "collection", "entry": entries}, today=TODAY
    )


def _order(
    code: str, authored: str, status: str = "active", text: str | None = None
) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": codes.RXNORM, "code": code}]}
    if text:
        concept["text"] = text
    return {
        "resourceType": "MedicationRequest",
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": concept,
        "authoredOn": authored,
    }


def _condition(system: str, code: str, onset: str = "2024-01-01") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "code": {"coding": [{"system": system, "code": code}]},
        "onsetDateTime": onset,
    }


def _assumed(result: Any, field: str) -> Any:
    found = [a for a in result.report.assumptions if a.field == field]
    assert len(found) == 1, result.report.assumptions
    return found[0]


LETROZOLE = _order("200064", "2025-01-01")


@pytest.mark.parametrize(
    ("birth", "extra", "status", "reason"),
    [
        ("1966-11-27", [], "postmenopausal", "age 60"),  # 60 today
        ("1966-11-28", [LETROZOLE], "postmenopausal", "aromatase inhibitor"),  # 59, on an AI
        ("1966-11-28", [], "premenopausal", "under 60"),  # 59, nothing else: said, confirmed
        ("1980-01-01", [_condition(ICD, "Z90.722")], "postmenopausal", "oophorectomy"),
        (
            "1980-01-01",
            [LETROZOLE, _order("1", "2025-01-01", text="goserelin 3.6 mg implant")],
            "premenopausal",
            "GnRH agonist",
        ),
    ],
)
def test_menopausal_status_is_inferred_by_nccn_criteria(
    birth: str, extra: list[dict[str, Any]], status: str, reason: str
) -> None:
    result = _chart(birth, *extra)
    assert result.record.patient.menopausal_status == status
    assumption = _assumed(result, "patient.menopausal_status")
    assert assumption.basis == "inferred" and reason in assumption.statement
    assert assumption.confirm is (status != "postmenopausal")


def test_a_recorded_status_wins_over_inference() -> None:
    state = {
        "resourceType": "Condition",
        "code": {"coding": [{"system": codes.SNOMED, "code": "22636003"}]},
    }
    result = _chart("1950-01-01", state)
    assert result.record.patient.menopausal_status == "premenopausal"
    assert not [a for a in result.report.assumptions if a.field == "patient.menopausal_status"]


def test_a_finished_gnrh_agonist_is_not_ovarian_suppression() -> None:
    finished = _order("50610", "2020-01-01", status="completed")
    result = _chart("1980-01-01", LETROZOLE, finished)
    assert result.record.therapy is not None and result.record.therapy.ovarian_suppression is False
    assert result.record.patient.menopausal_status == "postmenopausal"


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (_order("8640", "2026-01-01"), True),  # prednisone ongoing for ~11 months
        (_order("8640", "2026-10-01"), False),  # under 6 months so far
        (_order("8640", "2025-01-01", status="completed"), False),  # a short closed course
    ],
)
def test_glucocorticoids_over_six_months_from_the_medication_list(
    order: dict[str, Any], expected: bool
) -> None:
    result = _chart("1950-01-01", LETROZOLE, order)
    assert result.record.risk_factors.oral_glucocorticoids_over_6_months is expected


def test_long_term_steroid_use_on_the_problem_list() -> None:
    result = _chart("1950-01-01", LETROZOLE, _condition(ICD, "Z79.52"))
    assert result.record.risk_factors.oral_glucocorticoids_over_6_months is True


@pytest.mark.parametrize(
    ("resource", "value", "confirm"),
    [
        (_condition(ICD, "C79.51"), True, None),
        (_condition(codes.SNOMED, "94222008"), True, None),
        (None, False, True),
        (
            {
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": codes.LOINC, "code": "21907-1"}]},
                "effectiveDateTime": "2024-01-01",
                "valueCodeableConcept": {
                    "coding": [{"system": codes.SNOMED, "code": "1229901006"}]
                },
            },
            False,
            False,
        ),
    ],
)
def test_bone_metastases(
    resource: dict[str, Any] | None, value: bool, confirm: bool | None
) -> None:
    result = _chart("1950-01-01", LETROZOLE, *([resource] if resource else []))
    assert result.record.risk_factors.bone_metastases is value
    if confirm is None:
        assert not [
            a for a in result.report.assumptions if a.field == "risk_factors.bone_metastases"
        ]
    else:
        assert _assumed(result, "risk_factors.bone_metastases").confirm is confirm


def test_a_refuted_metastasis_is_no_metastasis() -> None:
    refuted = {
        **_condition(ICD, "C79.51"),
        "verificationStatus": {"coding": [{"code": "refuted"}]},
    }
    result = _chart("1950-01-01", LETROZOLE, refuted)
    assert result.record.risk_factors.bone_metastases is False
    assert any("refuted" in i.message for i in result.report.of_kind("skipped"))
