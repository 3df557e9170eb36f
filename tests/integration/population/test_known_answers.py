"""Every edge of every window, on the hand-built cohort, with the answers worked out by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bonewise.population.runner import RunResult, run_care_gaps

from .conftest import AS_OF, EXPECTED_GAPS, EXPECTED_MALFORMED


@pytest.fixture(scope="module")
def duckdb_run(
    known_answer_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[RunResult, Path]:
    out = tmp_path_factory.mktemp("duckdb-out")
    return run_care_gaps(source=known_answer_dir, out=out, engine="duckdb", as_of=AS_OF), out


def _gaps_from_csv(out: Path, measure: str) -> set[str]:
    with (out / f"{measure}.csv").open(newline="") as fh:
        return {row["patient_id"] for row in csv.DictReader(fh)}


def test_duckdb_returns_exactly_the_expected_gaps(duckdb_run: tuple[RunResult, Path]) -> None:
    result, out = duckdb_run
    for measure, expected in EXPECTED_GAPS.items():
        assert _gaps_from_csv(out, measure) == expected, measure
        assert {pid for pid, _ in result.measures[measure].gap_rows} == expected, measure


def test_summary_counts_follow_the_ecqm_arithmetic(duckdb_run: tuple[RunResult, Path]) -> None:
    _, out = duckdb_run
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == set(EXPECTED_GAPS)
    for measure, counts in summary.items():
        assert set(counts) == {"denominator", "numerator", "excluded", "gaps"}
        assert counts["gaps"] == len(EXPECTED_GAPS[measure])
        assert counts["denominator"] - counts["excluded"] - counts["numerator"] == counts["gaps"]
    # b9 and t17 died before D, b15 is recorded deceased with no date; b10 died on D: counted
    assert summary["baseline-dxa"]["excluded"] == 3
    # therapy-gap: t1 t4 t8 t12 t14 t19 t21 gaps, t7 t10 t18 met, t17 excluded
    assert summary["therapy-gap"] == {"denominator": 11, "numerator": 3, "excluded": 1, "gaps": 7}
    # denosumab-lapse: d1 d4 d5 d6 d9 gaps, d2 (on time to the day) d3 (switched) d8 met
    assert summary["denosumab-lapse"] == {
        "denominator": 8,
        "numerator": 3,
        "excluded": 0,
        "gaps": 5,
    }


def test_malformed_rows_are_counted_and_reported(duckdb_run: tuple[RunResult, Path]) -> None:
    result, out = duckdb_run
    malformed = json.loads((out / "malformed.json").read_text())
    assert malformed == result.malformed
    for table, reasons in EXPECTED_MALFORMED.items():
        for reason, n in reasons.items():
            assert malformed[table][reason] == n, (table, reason)
    other = {
        (table, reason): n
        for table, counts in malformed.items()
        for reason, n in counts.items()
        if reason != "rows" and n and reason not in EXPECTED_MALFORMED.get(table, {})
    }
    assert other == {}
    html = (out / "summary.html").read_text()
    assert "unknown_unit" in html and "<svg" in html


def test_gap_csv_lists_patient_id_and_index_date(duckdb_run: tuple[RunResult, Path]) -> None:
    _, out = duckdb_run
    with (out / "denosumab-lapse.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assumed = rows[0].pop("assumptions").split(" | ")
    assert rows[0] == {"patient_id": "d1", "index_date": "2024-02-02", "clinician_review": ""}
    # what the single-patient assessment would list for her (clinical.ehr_assumptions)
    assert "Bone metastases: none on the problem list - please confirm" in assumed
    assert "Fragility fracture after 50: none on the problem list" in assumed


def test_a_listed_fact_is_no_assumption(duckdb_run: tuple[RunResult, Path]) -> None:
    _, out = duckdb_run
    with (out / "baseline-dxa.csv").open(newline="") as fh:
        assumed = {r["patient_id"]: r["assumptions"] for r in csv.DictReader(fh)}
    assert "Bone metastases" not in assumed["b8"]  # on her problem list
    assert "Bone metastases: none on the problem list" in assumed["b4"]


def test_gaps_that_need_a_clinician_first_say_why(duckdb_run: tuple[RunResult, Path]) -> None:
    _, out = duckdb_run
    with (out / "baseline-dxa.csv").open(newline="") as fh:
        review = {r["patient_id"]: r["clinician_review"] for r in csv.DictReader(fh)}
    assert review["b8"] == "bone metastases"
    assert review["b4"] == ""
    with (out / "dxa-overdue.csv").open(newline="") as fh:
        review = {r["patient_id"]: r["clinician_review"] for r in csv.DictReader(fh)}
    assert review["o2"] == "recent fracture"


@pytest.mark.spark
def test_spark_returns_the_same_patients_as_duckdb(
    known_answer_dir: Path,
    tmp_path: Path,
    spark_session: object,
    duckdb_run: tuple[RunResult, Path],
) -> None:
    duck, _ = duckdb_run
    spark = run_care_gaps(
        source=known_answer_dir,
        out=tmp_path / "s",
        engine="spark",
        as_of=AS_OF,
        session=spark_session,
    )
    for measure, expected in EXPECTED_GAPS.items():
        assert {pid for pid, _ in spark.measures[measure].gap_rows} == expected, measure
        assert spark.measures[measure].gap_rows == duck.measures[measure].gap_rows
        # the facts behind each woman's assumptions come from the engine (assumptions.facts_of)
        assumed = [
            run.measures[measure].gap_table.select(["patient_id", "assumptions"])
            for run in (spark, duck)
        ]
        assert assumed[0].to_pylist() == assumed[1].to_pylist(), measure
    assert spark.summary() == duck.summary()
    assert spark.malformed == duck.malformed


def test_assumptions_read_in_batches_are_the_same(
    duckdb_run: tuple[RunResult, Path],
    known_answer_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a 1,000,000-woman run reads its gap women in batches (population.assumptions): two at a
    # time here, so every batch boundary of the known answers is crossed
    from bonewise.population import assumptions

    monkeypatch.setattr(assumptions, "WOMEN_PER_BATCH", 2)
    run_care_gaps(source=known_answer_dir, out=tmp_path, engine="duckdb", as_of=AS_OF)
    _, out = duckdb_run
    for csv_path in sorted(out.glob("*.csv")):
        with (
            csv_path.open(newline="") as whole,
            (tmp_path / csv_path.name).open(newline="") as batched,
        ):
            assert list(csv.DictReader(batched)) == list(csv.DictReader(whole)), csv_path.name
