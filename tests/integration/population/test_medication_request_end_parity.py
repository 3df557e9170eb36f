"""A MedicationRequest's end is read by one rule (`fhir.read.MEDICATION_REQUEST_END`) on both
paths: the end of its first dosage instruction's boundsPeriod (the prescriber's planned last day
of dosing), never dispenseRequest.validityPeriod.end (the prescription's validity for
dispensing, not a stop of therapy).

One woman per form, each with one anastrozole order from 2022-01-10. The Bulk NDJSON loader
(one export for all) and the single-patient import (each alone) must read the same end; a
planned end still to come is no end yet on the import (the record holds no future date), so
there the course runs today. One more woman has two alendronate refills, each with a planned
end: her bone-therapy course ends on the later one on both paths.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bonewise.fhir.importer import import_fhir
from bonewise.population import engine, quality
from bonewise.population.fhir_ndjson import stage_ndjson
from bonewise.terminology import codes

TODAY = date(2026, 12, 1)
AUTHORED = "2022-01-10"
ANASTROZOLE = {"coding": [{"system": codes.RXNORM, "code": "84857", "display": "anastrozole"}]}
ALENDRONATE = {"coding": [{"system": codes.RXNORM, "code": "46041", "display": "alendronate"}]}


def _bounds(end: str) -> dict[str, Any]:
    return {
        "dosageInstruction": [
            {"timing": {"repeat": {"boundsPeriod": {"start": AUTHORED, "end": end}}}}
        ]
    }


VALIDITY = {"dispenseRequest": {"validityPeriod": {"start": AUTHORED, "end": "2023-01-10"}}}
# form -> (the order's dated fields, the end both paths must read, or None)
FORMS: dict[str, tuple[dict[str, Any], date | None]] = {
    "boundsPeriod.end": (_bounds("2025-01-09"), date(2025, 1, 9)),
    "boundsPeriod.end-month": (_bounds("2025-03"), date(2025, 3, 1)),
    "boundsPeriod.end-and-validity": (_bounds("2025-01-09") | VALIDITY, date(2025, 1, 9)),
    # a prescription valid 12 months ends no therapy
    "validityPeriod.end-only": (VALIDITY, None),
    "none": ({}, None),
    # planned, still to come: ongoing today
    "boundsPeriod.end-future": (_bounds("2027-01-09"), date(2027, 1, 9)),
}
REFILL_ENDS = ("2023-06-30", "2024-06-30")


def _request(rid: str, pid: str, drug: dict[str, Any], dated: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": drug,
        "subject": {"reference": f"Patient/{pid}"},
        "authoredOn": AUTHORED,
        **dated,
    }


def _patient(pid: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1958-02-01"}


def _woman(pid: str, dated: dict[str, Any]) -> list[dict[str, Any]]:
    return [_patient(pid), _request(f"{pid}-ai", pid, ANASTROZOLE, dated)]


def _refilled(pid: str) -> list[dict[str, Any]]:
    return [_patient(pid)] + [
        _request(f"{pid}-bp{i}", pid, ALENDRONATE, _bounds(end))
        for i, end in enumerate(REFILL_ENDS)
    ]


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, set[Any]]]:
    """Each woman's drug-exposure end dates by drug class, as the population loader reads them."""
    tmp = tmp_path_factory.mktemp("request-end")
    export, staging = tmp / "export", tmp / "staging"
    export.mkdir()
    staging.mkdir()
    resources = [r for i, (dated, _) in enumerate(FORMS.values()) for r in _woman(f"w{i}", dated)]
    resources += _refilled("refills")
    for kind in ("Patient", "MedicationRequest"):
        lines = [json.dumps(r) for r in resources if r["resourceType"] == kind]
        (export / f"{kind}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged, _ = stage_ndjson(export, staging)
    cohort = quality.clean(engine.register(engine.connect("duckdb"), staged))
    ends: dict[str, dict[str, set[Any]]] = {}
    for row in cohort.tables["drug_exposures"].to_pyarrow().to_pylist():
        ends.setdefault(row["person_id"], {}).setdefault(row["drug_class"], set()).add(
            row["end_date"]
        )
    return ends


def _record(resources: list[dict[str, Any]]) -> Any:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
    return import_fhir(bundle, today=TODAY).record


@pytest.mark.parametrize(("number", "form"), list(enumerate(FORMS)), ids=list(FORMS))
def test_each_end_form_ends_an_order_alike_on_both_paths(
    number: int, form: str, population: dict[str, dict[str, set[Any]]]
) -> None:
    dated, day = FORMS[form]
    record = _record(_woman(f"w{number}", dated))
    assert record.therapy is not None
    assert record.therapy.end_date == (day if day is not None and day <= TODAY else None)
    assert population[f"w{number}"]["aromatase_inhibitor"] == {day}


def test_refills_of_a_bone_therapy_end_on_the_last_planned_end_on_both_paths(
    population: dict[str, dict[str, set[Any]]],
) -> None:
    record = _record(_refilled("refills"))
    assert [course.end_date for course in record.bone_therapy] == [date(2024, 6, 30)]
    assert max(population["refills"]["bone_directed_therapy"]) == date(2024, 6, 30)
