"""A Condition is dated by one rule (`fhir.read.condition_onset`) on both paths.

One woman per onset[x] form, each with a premenopausal state dated 2024-12-01 and, dated (or not)
by that form, a postmenopausal state and a lumbar vertebral fracture. Her recorded status is the
latest dated one (the onset, 2024, is older than the premenopausal state; a recordedDate
fallback, 2025, is newer) and her fracture is kept only when dated, so the single-patient import
and the Bulk NDJSON loader agree on her status and fracture date only if they date the form
alike. All women go through one loader run (one export); each is imported alone. (A Condition
has no onsetInstant in FHIR: the import refuses such a resource as malformed.)
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bonewise.fhir.importer import import_fhir
from bonewise.population import engine, quality
from bonewise.population.fhir_ndjson import stage_ndjson

TODAY = date(2026, 12, 1)
SNOMED = "http://snomed.info/sct"
RECORDED = {"recordedDate": "2025-06-30"}
PREMENOPAUSAL_DAY = date(2024, 12, 1)
# form -> (the dated fields of the later Conditions, the day both paths must read, or None)
FORMS: dict[str, tuple[dict[str, Any], date | None]] = {
    "onsetDateTime": (
        {"onsetDateTime": "2024-03-17T10:00:00+01:00"} | RECORDED,
        date(2024, 3, 17),
    ),
    "onsetDateTime-year": ({"onsetDateTime": "2024"} | RECORDED, date(2024, 1, 1)),
    "onsetPeriod.start": (
        {"onsetPeriod": {"start": "2024-04-02", "end": "2024-09-01"}} | RECORDED,
        date(2024, 4, 2),
    ),
    # not dates: recordedDate is read instead
    "onsetPeriod.end-only": ({"onsetPeriod": {"end": "2024-09-01"}} | RECORDED, date(2025, 6, 30)),
    "onsetAge": ({"onsetAge": {"value": 52, "unit": "a"}} | RECORDED, date(2025, 6, 30)),
    "onsetString": ({"onsetString": "after chemotherapy"} | RECORDED, date(2025, 6, 30)),
    "recordedDate": (RECORDED, date(2025, 6, 30)),
    # nothing datable: the fracture is not read, the dated premenopausal state is the latest
    "onsetAge-only": ({"onsetAge": {"value": 52, "unit": "a"}}, None),
}


def _condition(rid: str, pid: str, code: str, display: str, dated: dict[str, Any]) -> Any:
    return {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
        "subject": {"reference": f"Patient/{pid}"},
        **dated,
    }


def _woman(pid: str, dated: dict[str, Any]) -> list[dict[str, Any]]:
    patient = {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1970-02-01"}
    return [
        patient,
        _condition(
            f"{pid}-pre", pid, "22636003", "Premenopausal state", {"onsetDateTime": "2024-12-01"}
        ),
        _condition(f"{pid}-post", pid, "76498008", "Postmenopausal state", dated),
        _condition(f"{pid}-fx", pid, "207938004", "Closed fracture of lumbar vertebra", dated),
    ]


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each woman's recorded status and fracture days as the population loader reads them."""
    tmp = tmp_path_factory.mktemp("onset")
    export, staging = tmp / "export", tmp / "staging"
    export.mkdir()
    staging.mkdir()
    resources = [r for i, (dated, _) in enumerate(FORMS.values()) for r in _woman(f"w{i}", dated)]
    for kind in ("Patient", "Condition"):
        lines = [json.dumps(r) for r in resources if r["resourceType"] == kind]
        (export / f"{kind}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged, _ = stage_ndjson(export, staging)
    cohort = quality.clean(engine.register(engine.connect("duckdb"), staged))
    tables = {name: t.to_pyarrow().to_pylist() for name, t in cohort.tables.items()}
    return {
        p["person_id"]: {
            "status": p["menopausal_status"],
            "fractures": {
                c["onset_date"]
                for c in tables["conditions"]
                if c["person_id"] == p["person_id"] and c["concept"] == "fracture"
            },
        }
        for p in tables["persons"]
    }


def _imported(pid: str, dated: dict[str, Any]) -> dict[str, Any]:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in _woman(pid, dated)],
    }
    record = import_fhir(bundle, today=TODAY).record
    return {
        "status": record.patient.menopausal_status,
        "fractures": {f.date for f in record.fractures},
    }


@pytest.mark.parametrize(("number", "form"), enumerate(FORMS), ids=list(FORMS))
def test_each_onset_form_dates_a_condition_alike_on_both_paths(
    number: int, form: str, population: dict[str, dict[str, Any]]
) -> None:
    dated, day = FORMS[form]
    expected = {
        "status": "postmenopausal" if day and day > PREMENOPAUSAL_DAY else "premenopausal",
        "fractures": set() if day is None else {day},
    }
    assert _imported(f"w{number}", dated) == expected
    assert population[f"w{number}"] == expected
