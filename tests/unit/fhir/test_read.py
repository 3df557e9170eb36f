"""The one FHIR reader: partial dates, skipped statuses, codings, references."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.condition import Condition

from bonewise.fhir import read
from bonewise.terminology import codes


@pytest.mark.parametrize(
    ("value", "day", "precision"),
    [
        ("2024", date(2024, 1, 1), "year"),
        ("2024-03", date(2024, 3, 1), "month"),
        ("2024-03-17", date(2024, 3, 17), "day"),
        ("2024-03-17T23:30:00+05:00", date(2024, 3, 17), "day"),
        (date(2020, 5, 6), date(2020, 5, 6), "day"),
    ],
)
def test_partial_dates_have_one_rule(value: object, day: date, precision: str) -> None:
    found = read.read_date(value)
    assert found is not None and (found.day, found.precision) == (day, precision)
    assert found.imprecise is (precision != "day")


def test_not_a_date() -> None:
    with pytest.raises(ValueError):
        read.read_date("yesterday")
    assert read.day("yesterday") is None
    assert read.read_date(None) is None


@pytest.mark.parametrize(
    ("resource", "skipped"),
    [
        ({"status": "entered-in-error"}, True),
        ({"status": "cancelled"}, True),
        ({"status": "not-taken"}, True),
        ({"status": "stopped"}, False),  # a course that happened and ended
        ({"status": "active"}, False),
        ({"verificationStatus": {"coding": [{"code": "refuted"}]}}, True),
        ({"verificationStatus": {"coding": [{"code": "entered-in-error"}]}}, True),
        ({"verificationStatus": {"coding": [{"code": "confirmed"}]}}, False),
    ],
)
def test_skipped_statuses(resource: dict[str, object], skipped: bool) -> None:
    assert (read.status_skip_reason(resource) is not None) is skipped


def test_codings_normalise_systems_and_drop_codeless() -> None:
    concept = {
        "coding": [{"system": "RxNorm", "code": "8640", "display": "prednisone"}, {"system": "x"}],
        "text": "Prednisone 5mg",
    }
    assert read.codings(concept) == [read.Coding(codes.RXNORM, "8640", "prednisone")]
    assert read.text(concept) == "Prednisone 5mg"


def test_references() -> None:
    assert read.relative("https://ehr.example/fhir/Patient/7/_history/2") == "Patient/7"
    assert read.reference_id("Patient/7", "Patient") == "7"
    assert read.reference_id("Group/7", "Patient") is None


@pytest.mark.parametrize(
    ("condition", "written"),
    [
        ({"onsetDateTime": "2024-03", "recordedDate": "2025-01-02"}, "2024-03"),
        ({"onsetPeriod": {"start": "2024-04-02"}, "recordedDate": "2025-01-02"}, "2024-04-02"),
        ({"onsetPeriod": {"end": "2024-09-01"}, "recordedDate": "2025-01-02"}, "2025-01-02"),
        ({"onsetAge": {"value": 52, "unit": "a"}, "recordedDate": "2025-01-02"}, "2025-01-02"),
        ({"onsetString": "in her fifties", "recordedDate": "2025-01-02"}, "2025-01-02"),
        ({"onsetDateTime": "", "recordedDate": "2025-01-02"}, "2025-01-02"),
        ({"onsetAge": {"value": 52, "unit": "a"}}, None),
    ],
)
def test_a_condition_is_dated_by_its_onset_else_when_recorded(
    condition: dict[str, object], written: str | None
) -> None:
    assert read.condition_onset(condition) == written
    if condition.get("onsetDateTime") == "":
        return  # not valid FHIR: only parsed JSON can carry it
    model = Condition.model_validate(
        {"resourceType": "Condition", "subject": {"reference": "Patient/p"}} | condition
    )
    found = read.condition_onset(model)
    assert read.day(found) == read.day(written)
