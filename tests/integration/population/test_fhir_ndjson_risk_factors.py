"""FHIR Bulk NDJSON in: smoking status, glucocorticoid courses and local drug codes (real files).

Every woman is on anastrozole and has one lumbar-spine T-score of -1.8 on 2024-01-02: below
hadji-2017's -1.5, above -2.0, so therapy is indicated only with a further risk factor. She is
60 at AS_OF and has no BMI or fracture, so the factor can only come from the mapping under test.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from bonewise.population.fhir_ndjson import stage_ndjson
from bonewise.population.runner import RunResult, run_care_gaps
from bonewise.population.schema import raw_schema
from bonewise.terminology import codes

AS_OF = date(2025, 6, 30)
GC = codes.LOCAL_CODES["oral_glucocorticoids_over_6_months"]
WOMEN = (
    "smoker",
    "never-smoker",
    "unknown-answer",
    "gc-long",
    "gc-short",
    "gc-no-period",
    "gc-false",
    "iband",
    "local-unknown",
    "prednisone-long",
    "prednisolone-short",
)


def _ref(pid: str) -> dict[str, str]:
    return {"reference": f"Patient/{pid}"}


def _smoking(pid: str, answer: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"smoke-{pid}",
        "status": "final",
        "code": {"coding": [{"system": codes.LOINC, "code": codes.SMOKING_STATUS.code}]},
        "subject": _ref(pid),
        "effectiveDateTime": "2023-01-05",
        "valueCodeableConcept": {"coding": [{"system": codes.SNOMED, "code": answer}]},
    }


def _glucocorticoids(pid: str, value: bool, **when: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"gc-{pid}",
        "status": "final",
        "code": {"coding": [{"system": GC.system, "code": GC.code}]},
        "subject": _ref(pid),
        "valueBoolean": value,
        **when,
    }


def _statement(rid: str, pid: str, system: str, code: str, start: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": "active",
        "medicationCodeableConcept": {"coding": [{"system": system, "code": code}]},
        "subject": _ref(pid),
        "effectivePeriod": {"start": start},
    }


def _write(directory: Path, name: str, resources: list[dict[str, Any]]) -> None:
    (directory / f"{name}.ndjson").write_text("\n".join(json.dumps(r) for r in resources) + "\n")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("bulk")
    _write(
        src,
        "Patient",
        [
            {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1965-03-01"}
            for pid in WOMEN
        ],
    )
    ai = codes.EXPORT_DRUG_RXNORM["anastrozole"]
    _write(
        src,
        "MedicationStatement",
        [_statement(f"ai-{pid}", pid, codes.RXNORM, ai, "2023-01-10") for pid in WOMEN]
        + [
            # ibandronate has no verified RxNorm code: its bonewise local code is read
            _statement("ib-1", "iband", codes.BONEWISE, "ibandronate", "2024-02-01"),
            # a local drug code bonewise does not know: counted, not dropped silently
            _statement("xx-1", "local-unknown", codes.BONEWISE, "strontium_ranelate", "2024-02-01"),
            # prednisolone by its RxNorm ingredient for 2 months: not a risk factor
            {
                **_statement("pl-1", "prednisolone-short", codes.RXNORM, "8638", "2023-03-01"),
                "status": "completed",
                "effectivePeriod": {"start": "2023-03-01", "end": "2023-05-01"},
            },
        ],
    )
    # prednisone as EHRs order it, by its RxNorm ingredient 8640, for 8 months (issue 13)
    _write(
        src,
        "MedicationRequest",
        [
            {
                "resourceType": "MedicationRequest",
                "id": "pn-1",
                "status": "completed",
                "intent": "order",
                "medicationCodeableConcept": {
                    "coding": [{"system": codes.RXNORM, "code": "8640", "display": "prednisone"}]
                },
                "subject": _ref("prednisone-long"),
                "authoredOn": "2023-02-01",
                "dosageInstruction": [
                    {
                        "timing": {
                            "repeat": {"boundsPeriod": {"start": "2023-02-01", "end": "2023-10-01"}}
                        }
                    }
                ],
            }
        ],
    )
    tscores = [
        {
            "resourceType": "Observation",
            "id": f"t-{pid}",
            "status": "final",
            "code": {"coding": [{"system": codes.LOINC, "code": "38267-1"}]},
            "subject": _ref(pid),
            "effectiveDateTime": "2024-01-02",
            "valueQuantity": {"value": -1.8, "system": codes.UCUM, "code": "{T-score}"},
        }
        for pid in WOMEN
    ]
    _write(
        src,
        "Observation",
        [
            *tscores,
            _smoking("smoker", "449868002"),  # smokes tobacco daily: current
            _smoking("never-smoker", "266919005"),  # never smoked tobacco
            _smoking("unknown-answer", "999999999"),  # not a smoking answer bonewise knows
            _smoking("iband", "8517006"),  # ex-smoker: past
            # a 10-month course: longer than 6 months
            _glucocorticoids(
                "gc-long", True, effectivePeriod={"start": "2023-02-01", "end": "2023-12-01"}
            ),
            # marked true but the course itself lasted 4 months: the measure judges the period
            _glucocorticoids(
                "gc-short", True, effectivePeriod={"start": "2023-02-01", "end": "2023-06-01"}
            ),
            # true but not placed in time: counted
            _glucocorticoids("gc-no-period", True, effectiveDateTime="2024-01-01"),
            # a recorded "no"
            _glucocorticoids(
                "gc-false", False, effectivePeriod={"start": "2023-02-01", "end": "2023-12-01"}
            ),
            {
                "resourceType": "Observation",
                "id": "local-x",
                "status": "final",
                "code": {"coding": [{"system": codes.BONEWISE, "code": "not-a-bonewise-code"}]},
                "subject": _ref("local-unknown"),
                "valueBoolean": True,
            },
        ],
    )
    return src


@pytest.fixture(scope="module")
def staged(export: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    paths, issues = stage_ndjson(export, tmp_path_factory.mktemp("staged"))
    # dates as ISO text, whether staged as text or as dates
    return {
        "drugs": pq.read_table(paths["drug_exposures"])
        .cast(raw_schema("drug_exposures"))
        .to_pylist(),
        "measurements": pq.read_table(paths["measurements"])
        .cast(raw_schema("measurements"))
        .to_pylist(),
        "issues": issues,
    }


@pytest.fixture(scope="module")
def run(export: Path, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return run_care_gaps(
        source=export, out=tmp_path_factory.mktemp("out"), engine="duckdb", as_of=AS_OF
    )


def test_smoking_answers_become_current_past_never(staged: dict[str, Any]) -> None:
    rows = {r["person_id"]: r for r in staged["measurements"] if r["concept"] == "smoking_status"}
    assert {pid: r["value_text"] for pid, r in rows.items()} == {
        "smoker": "current",
        "never-smoker": "never",
        "iband": "past",
    }
    assert rows["smoker"]["date"] == "2023-01-05"
    assert (rows["smoker"]["code_system"], rows["smoker"]["code"]) == (codes.LOINC, "72166-2")
    assert staged["issues"]["measurements"]["unknown_smoking_answer"] == 1


def test_glucocorticoid_observations_become_courses(staged: dict[str, Any]) -> None:
    courses = {
        r["person_id"]: (r["start_date"], r["end_date"], r["drug_class"], r["code"])
        for r in staged["drugs"]
        if r["concept"] == "glucocorticoid" and r["code_system"] == codes.BONEWISE
    }
    assert courses == {
        "gc-long": ("2023-02-01", "2023-12-01", "glucocorticoid", GC.code),
        "gc-short": ("2023-02-01", "2023-06-01", "glucocorticoid", GC.code),
    }
    assert staged["issues"]["drug_exposures"]["glucocorticoids_without_period"] == 1


def test_glucocorticoids_by_rxnorm_ingredient_are_courses(staged: dict[str, Any]) -> None:
    courses = {
        r["person_id"]: (r["start_date"], r["end_date"], r["code_system"], r["code"])
        for r in staged["drugs"]
        if r["concept"] == "glucocorticoid" and r["code_system"] == codes.RXNORM
    }
    assert courses == {
        "prednisone-long": ("2023-02-01", "2023-10-01", codes.RXNORM, "8640"),
        "prednisolone-short": ("2023-03-01", "2023-05-01", codes.RXNORM, "8638"),
    }


def test_ibandronate_by_local_code_is_a_bone_directed_therapy(staged: dict[str, Any]) -> None:
    iband = [r for r in staged["drugs"] if r["concept"] == "ibandronate"]
    assert len(iband) == 1
    assert iband[0]["drug_class"] == "bone_directed_therapy"
    assert (iband[0]["code_system"], iband[0]["code"]) == (codes.BONEWISE, "ibandronate")
    assert iband[0]["start_date"] == "2024-02-01"
    ai = [r for r in staged["drugs"] if r["person_id"] == "iband" and r["concept"] == "anastrozole"]
    assert ai[0]["code_system"] == codes.RXNORM


def test_unknown_local_codes_are_counted(staged: dict[str, Any]) -> None:
    assert staged["issues"]["drug_exposures"]["unknown_local_drug_code"] == 1
    assert staged["issues"]["measurements"]["unknown_local_code"] == 1
    assert not any(r["code"] == "strontium_ranelate" for r in staged["drugs"])
    local = [r for r in staged["measurements"] if r["person_id"] == "local-unknown"]
    assert [r["concept"] for r in local] == ["dxa_t_score"]


def test_therapy_gap_reads_the_new_risk_factors(run: RunResult) -> None:
    outcome = run.measures["therapy-gap"]
    # smoker (current) and gc-long (10 months) need therapy and have none; iband (past smoker)
    # is treated with ibandronate; prednisone-long took prednisone for 8 months; the others
    # have no further risk factor the data holds
    assert {pid for pid, _ in outcome.gap_rows} == {"smoker", "gc-long", "prednisone-long"}
    assert run.summary()["therapy-gap"] == {
        "denominator": 4,
        "numerator": 1,
        "excluded": 0,
        "gaps": 3,
    }
    assert run.malformed["measurements"]["unknown_smoking_answer"] == 1
    assert run.malformed["drug_exposures"]["glucocorticoids_without_period"] == 1
