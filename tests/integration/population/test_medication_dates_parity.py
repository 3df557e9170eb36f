"""When a medication starts and ends: one reading (`fhir.read`) on the import and the loader.

Each woman has one order or statement, sent through the single-patient FHIR import and through
the Bulk NDJSON loader; both must read the same start and end:

- a MedicationRequest starts on its dosage boundsPeriod.start (the first day she was meant to
  take it), else authoredOn; dispenseRequest.validityPeriod.start starts no dosing (before, the
  loader read it and the import read only authoredOn);
- an order or statement that is completed or stopped and gives no end date ended on its start,
  the last day the record shows it taken (before, the import kept it open; the loader closed a
  request and a dated statement, not a statement with a Period), and the assessment lists that
  for the clinician to confirm;
- a MedicationStatement starts on effectiveDateTime or effectivePeriod.start and ends on
  effectivePeriod.end.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bonewise.clinical.assessment import assess
from bonewise.fhir.importer import import_fhir
from bonewise.population import engine, quality
from bonewise.population.fhir_ndjson import stage_ndjson
from bonewise.terminology import codes

TODAY = date(2026, 12, 1)
AUTHORED = "2022-01-10"
ANASTROZOLE = {"coding": [{"system": codes.RXNORM, "code": "84857", "display": "anastrozole"}]}
ALENDRONATE = {"coding": [{"system": codes.RXNORM, "code": "46041", "display": "alendronate"}]}
BOUNDS_START = {
    "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": "2022-02-01"}}}}]
}
VALIDITY_START = {"dispenseRequest": {"validityPeriod": {"start": "2022-03-01"}}}


def _request(status: str, dated: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "status": status,
        "intent": "order",
        "authoredOn": AUTHORED,
        **dated,
    }


def _statement(status: str, dated: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "status": status, **dated}


# case -> (the order or statement without drug and subject, its (start, end) on both paths)
CASES: dict[str, tuple[dict[str, Any], tuple[date, date | None]]] = {
    "request-authoredOn": (_request("active", {}), (date(2022, 1, 10), None)),
    "request-boundsPeriod.start": (_request("active", BOUNDS_START), (date(2022, 2, 1), None)),
    "request-validityPeriod.start": (_request("active", VALIDITY_START), (date(2022, 1, 10), None)),
    "request-stopped-no-end": (_request("stopped", {}), (date(2022, 1, 10), date(2022, 1, 10))),
    "request-completed-bounds-start": (
        _request("completed", BOUNDS_START),
        (date(2022, 2, 1), date(2022, 2, 1)),
    ),
    "statement-completed-dateTime": (
        _statement("completed", {"effectiveDateTime": "2021-05-03"}),
        (date(2021, 5, 3), date(2021, 5, 3)),
    ),
    "statement-stopped-period-no-end": (
        _statement("stopped", {"effectivePeriod": {"start": "2021-05-03"}}),
        (date(2021, 5, 3), date(2021, 5, 3)),
    ),
    "statement-completed-period-end": (
        _statement("completed", {"effectivePeriod": {"start": "2021-05-03", "end": "2024-05"}}),
        (date(2021, 5, 3), date(2024, 5, 1)),
    ),
    "statement-active-dateTime": (
        _statement("active", {"effectiveDateTime": "2021-05-03"}),
        (date(2021, 5, 3), None),
    ),
}
# completed or stopped, no end date written: ended on the start, an assumption listed
CLOSED_BY_RULE = {
    "request-stopped-no-end",
    "request-completed-bounds-start",
    "statement-completed-dateTime",
    "statement-stopped-period-no-end",
}
DRUGS = {"aromatase_inhibitor": ANASTROZOLE, "bone_directed_therapy": ALENDRONATE}


def _resources(pid: str, case: str, drug_class: str) -> list[dict[str, Any]]:
    patient = {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1958-02-01"}
    medication = CASES[case][0] | {
        "id": f"{pid}-med",
        "medicationCodeableConcept": DRUGS[drug_class],
        "subject": {"reference": f"Patient/{pid}"},
    }
    return [patient, medication]


# a valid FHIR id per woman (letters, digits, "-" and "."): drug and case
WOMEN = {
    f"{short}-{case}": (case, drug_class)
    for case in CASES
    for short, drug_class in (("ai", "aromatase_inhibitor"), ("bone", "bone_directed_therapy"))
}


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[tuple[Any, Any]]]:
    """Each woman's (start, end) drug exposures, as the population loader reads them."""
    tmp = tmp_path_factory.mktemp("medication-dates")
    export, staging = tmp / "export", tmp / "staging"
    export.mkdir()
    staging.mkdir()
    resources = [r for pid, (c, k) in WOMEN.items() for r in _resources(pid, c, k)]
    for kind in ("Patient", "MedicationRequest", "MedicationStatement"):
        lines = [json.dumps(r) for r in resources if r["resourceType"] == kind]
        (export / f"{kind}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged, _ = stage_ndjson(export, staging)
    cohort = quality.clean(engine.register(engine.connect("duckdb"), staged))
    found: dict[str, set[tuple[Any, Any]]] = {}
    for row in cohort.tables["drug_exposures"].to_pyarrow().to_pylist():
        found.setdefault(row["person_id"], set()).add((row["start_date"], row["end_date"]))
    return found


def _imported(pid: str) -> tuple[tuple[date, date | None], list[str]]:
    case, drug_class = WOMEN[pid]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in _resources(pid, case, drug_class)],
    }
    result = import_fhir(bundle, today=TODAY)
    record = result.record
    if drug_class == "aromatase_inhibitor":
        assert record.therapy is not None
        dates = (record.therapy.start_date, record.therapy.end_date)
    else:
        (course,) = record.bone_therapy
        assert course.start_date is not None
        dates = (course.start_date, course.end_date)
    # the assessment's list (what the clinician sees), not only the import report's
    return dates, [a.line for a in assess(record, as_of=TODAY).assumptions]


@pytest.mark.parametrize("pid", list(WOMEN))
def test_a_medication_starts_and_ends_alike_on_both_paths(
    pid: str, population: dict[str, set[tuple[Any, Any]]]
) -> None:
    case, _ = WOMEN[pid]
    expected = CASES[case][1]
    dates, assumptions = _imported(pid)
    assert dates == expected
    assert population[pid] == {expected}
    closed_by_rule = [line for line in assumptions if "without an end date - taken as" in line]
    assert bool(closed_by_rule) == (case in CLOSED_BY_RULE)
