"""OMOP CDM tables in: concept table or source values, person_id out, death table honoured."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from bonewise.population.runner import run_care_gaps


def _csv(directory: Path, name: str, rows: list[dict[str, object]]) -> None:
    with (directory / f"{name}.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_omop_tables_give_the_expected_gaps(tmp_path: Path) -> None:
    src = tmp_path / "omop"
    src.mkdir()
    _csv(
        src,
        "person",
        [
            {
                "person_id": 1,
                "gender_concept_id": 8532,
                "year_of_birth": 1950,
                "month_of_birth": 3,
                "day_of_birth": 4,
                "birth_datetime": "",
            },
            {
                "person_id": 2,
                "gender_concept_id": 8507,
                "year_of_birth": 1950,
                "month_of_birth": 3,
                "day_of_birth": 4,
                "birth_datetime": "",
            },
            {
                "person_id": 3,
                "gender_concept_id": 8532,
                "year_of_birth": 1961,
                "month_of_birth": "",
                "day_of_birth": "",
                "birth_datetime": "1961-07-01 00:00:00",
            },
            {
                "person_id": 4,
                "gender_concept_id": 8532,
                "year_of_birth": 1949,
                "month_of_birth": "",
                "day_of_birth": "",
                "birth_datetime": "",
            },
        ],
    )
    _csv(src, "death", [{"person_id": 4, "death_date": "2024-01-01"}])
    # concept ids are local to this test; the codes they stand for are real
    _csv(
        src,
        "concept",
        [
            {"concept_id": 900001, "vocabulary_id": "RxNorm", "concept_code": "199224"},
            {"concept_id": 900002, "vocabulary_id": "LOINC", "concept_code": "38263-0"},
            {"concept_id": 900003, "vocabulary_id": "RxNorm", "concept_code": "200064"},
        ],
    )
    drug = [
        (10, 1, 900001, "", "2022-01-01", "2027-01-01"),
        (11, 2, 900003, "", "2022-01-01", "2027-01-01"),
        (12, 3, 0, "200064", "2021-01-01", "2026-01-01"),
        (13, 4, 0, "199224", "2021-01-01", "2026-01-01"),
    ]
    _csv(
        src,
        "drug_exposure",
        [
            {
                "drug_exposure_id": i,
                "person_id": p,
                "drug_concept_id": c,
                "drug_source_value": s,
                "drug_exposure_start_date": b,
                "drug_exposure_end_date": e,
            }
            for i, p, c, s, b, e in drug
        ],
    )
    _csv(
        src,
        "measurement",
        [
            {
                "measurement_id": 20,
                "person_id": 1,
                "measurement_concept_id": 900002,
                "measurement_source_value": "",
                "measurement_date": "2023-01-01",
                "value_as_number": -2.4,
                "unit_concept_id": 0,
                "unit_source_value": "{T-score}",
            },
            {
                "measurement_id": 21,
                "person_id": 3,
                "measurement_concept_id": 0,
                "measurement_source_value": "14635-7",
                "measurement_date": "2023-01-01",
                "value_as_number": 30,
                "unit_concept_id": 0,
                "unit_source_value": "nmol/L",
            },
        ],
    )
    _csv(
        src,
        "procedure_occurrence",
        [
            {
                "procedure_occurrence_id": 30,
                "person_id": 3,
                "procedure_concept_id": 0,
                "procedure_source_value": "312681000",
                "procedure_date": "2020-06-01",
            },
        ],
    )
    _csv(
        src,
        "condition_occurrence",
        [
            {
                "condition_occurrence_id": 40,
                "person_id": 1,
                "condition_concept_id": 0,
                "condition_source_value": "254837009",
                "condition_start_date": "2021-11-01",
            },
        ],
    )
    result = run_care_gaps(
        source=src, out=tmp_path / "out", engine="duckdb", as_of=date(2024, 6, 30)
    )
    assert result.source.format == "omop"
    gaps = {m: {pid for pid, _ in o.gap_rows} for m, o in result.measures.items()}
    assert gaps == {
        "baseline-dxa": {"1"},  # 3's DXA predates her start within 24 months; 4 died
        "dxa-overdue": {"3"},
        "therapy-gap": {"1"},  # T-score -2.4 (femur), no therapy
        "denosumab-lapse": set(),
        "vitamin-d-recheck": {"3"},  # 30 nmol/L is 12 ng/mL
    }
    assert result.measures["baseline-dxa"].excluded == 1
    assert result.malformed["persons"]["bad_date"] == 1  # person 4: year of birth only
