"""A stored woman's BMI from her height and weight reaches the population run (issue 13).

The app keeps height and weight; the Bulk loader reads a BMI Observation (LOINC 39156-5) only.
Before, `cohort run --from-store` (and `fhir export` read by the loader) wrote height and
weight alone, so a woman whose BMI makes the hadji-2017 low-BMI risk factor kept it in her
single-patient assessment and lost it in the population. The export now also writes the BMI the
core computes (`PatientRecord.patient.bmi`), derived from the two observations; both paths then
compare the one value, as displayed. Staged here exactly as `--from-store` stages the store
(`population.store_source.stage_records`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bonewise import evidence as ev
from bonewise.clinical.facts import derive_facts
from bonewise.clinical.models import PatientRecord
from bonewise.fhir.export import record_entries
from bonewise.measures.definitions import load_measures
from bonewise.population import engine, quality, rules
from bonewise.population.store_source import stage_records

TODAY = date.today()  # the export issues the derived BMI now; the run looks at today
# (height, weight): a low BMI, 20.0 as displayed (not under 20), a usual one, US units
BODIES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "low": ({"value": 165, "unit": "cm"}, {"value": 52, "unit": "kg"}),
    "twenty-shown": ({"value": 160, "unit": "cm"}, {"value": 51.2, "unit": "kg"}),
    "usual": ({"value": 170, "unit": "cm"}, {"value": 70, "unit": "kg"}),
    "us-units-low": ({"value": 64, "unit": "in"}, {"value": 112, "unit": "lb"}),
}


def _record(pid: str) -> PatientRecord:
    height, weight = BODIES[pid]
    return PatientRecord.parse(
        {
            "id": pid,
            "patient": {
                "birth_date": "1958-03-02",
                "sex": "female",
                "menopausal_status": "postmenopausal",
                "height": height,
                "weight": weight,
            },
            "therapy": {"agent": "letrozole", "start_date": "2024-10-01"},
        },
        today=TODAY,
    )


@pytest.fixture(scope="module")
def population_low_bmi(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    staging = tmp_path_factory.mktemp("store-bmi")
    staged = stage_records([_record(pid) for pid in BODIES], staging)
    cohort = quality.clean(engine.register(engine.connect("duckdb"), staged.tables))
    tables = {str(name): table for name, table in cohort.tables.items()}
    factors = rules._risk_factor_ids(tables, TODAY, load_measures())
    return set(factors["low_bmi"].to_pyarrow().column("person_id").to_pylist())


def test_a_low_bmi_from_height_and_weight_counts_on_both_paths(
    population_low_bmi: set[str],
) -> None:
    low = ev.HADJI_RISK_BMI_UNDER.value
    single_patient = set()
    for pid in BODIES:
        bmi = derive_facts(_record(pid), as_of=TODAY).bmi
        assert bmi is not None
        if bmi < low:
            single_patient.add(pid)
    assert single_patient == {"low", "us-units-low"}
    assert population_low_bmi == single_patient


def test_the_exported_bmi_is_the_cores_derived_from_height_and_weight() -> None:
    record = _record("low")
    made = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    resources = {e["fullUrl"]: e["resource"] for e in record_entries(record, generated_at=made)}
    (bmi,) = (
        r
        for r in resources.values()
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "39156-5"
    )
    assert bmi["valueQuantity"]["value"] == record.patient.bmi
    assert bmi["valueQuantity"]["code"] == "kg/m2"
    assert bmi["issued"] == made.isoformat()
    sources = {
        resources[ref["reference"]]["code"]["coding"][0]["code"] for ref in bmi["derivedFrom"]
    }
    assert sources == {"8302-2", "29463-7"}  # LOINC body height, body weight
