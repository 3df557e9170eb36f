"""The planned aromatase-inhibitor duration assumed when the order states none is one policy value
(evidence.ASSUMED_AI_PLANNED_YEARS): the record's default, the FHIR import's report line and its
assumption all read it, so a site changing it changes every one."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from bonewise import evidence as ev
from bonewise.clinical.models import CancerTherapy
from bonewise.fhir.importer import import_fhir
from bonewise.terminology import codes

SUBJECT = {"reference": "Patient/p1"}
BUNDLE: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "gender": "female",
                "birthDate": "1958-04-02",
            }
        },
        {
            "resource": {
                "resourceType": "MedicationRequest",
                "id": "ai",
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": {
                    "coding": [{"system": codes.RXNORM, "code": "262485"}]
                },
                "subject": SUBJECT,
                "authoredOn": "2024-06-01",
            }
        },
    ],
}


def _import_without_a_stated_duration() -> tuple[float, list[str], list[Any]]:
    imported = import_fhir(BUNDLE, today=date(2026, 12, 1), menopausal_status="postmenopausal")
    assert imported.record.therapy is not None
    defaulted = [i.message for i in imported.report.issues if i.kind == "defaulted"]
    assumed = [a for a in imported.report.assumptions if a.field == "therapy.planned_years"]
    return imported.record.therapy.planned_years, defaulted, assumed


def test_the_record_default_and_the_import_read_one_assumed_duration() -> None:
    years = ev.ASSUMED_AI_PLANNED_YEARS
    assert years.evidence == "policy" and years.source is ev.PROJECT
    assert CancerTherapy.model_fields["planned_years"].default == years.value
    planned, defaulted, [assumed] = _import_without_a_stated_duration()
    assert planned == years.value == assumed.value
    assert any(f"{years.value:g} years assumed" in m for m in defaulted)


def test_a_site_changing_the_assumed_duration_changes_what_the_import_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        ev, "ASSUMED_AI_PLANNED_YEARS", dataclasses.replace(ev.ASSUMED_AI_PLANNED_YEARS, value=7.5)
    )
    _, defaulted, [assumed] = _import_without_a_stated_duration()
    assert assumed.value == 7.5
    assert "duration: 7.5 years (not in the order)" in assumed.statement
    assert any("7.5 years assumed" in m for m in defaulted)
