"""The synthetic cohort: seeded, both formats agree, and the Ibis rules agree with the oracle."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.oracles import caregaps_reference as reference

from bonewise.measures.definitions import load_measures
from bonewise.population.generate import write_cohort
from bonewise.population.runner import RunResult, evaluate
from bonewise.population.schema import TABLES
from bonewise.population.sources import stage

UNTIL = date(2026, 1, 1)
N = 2500


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    dirs = {}
    for fmt in ("parquet", "ndjson"):
        dirs[fmt] = tmp_path_factory.mktemp(fmt)
        write_cohort(
            dirs[fmt], patients=N, seed=11, until=UNTIL, output_format=fmt, malformed_rate=0
        )
    return dirs


def _run(directory: Path, day: date) -> RunResult:
    with tempfile.TemporaryDirectory() as staging:
        return evaluate(stage(directory, Path(staging)), engine="duckdb", as_of=day)


def test_the_same_seed_writes_the_same_cohort(tmp_path: Path, generated: dict[str, Path]) -> None:
    write_cohort(
        tmp_path, patients=N, seed=11, until=UNTIL, output_format="parquet", malformed_rate=0
    )
    for table in TABLES:
        assert pq.read_table(tmp_path / f"{table}.parquet").equals(
            pq.read_table(generated["parquet"] / f"{table}.parquet")
        ), table


def test_every_ndjson_line_is_a_fhir_resource_of_its_file(generated: dict[str, Path]) -> None:
    files = sorted(generated["ndjson"].glob("*.ndjson"))
    assert {f.stem for f in files} >= {"Patient", "Observation", "Procedure", "Condition"}
    for path in files:
        with path.open() as fh:
            for line in fh:
                assert json.loads(line)["resourceType"] == path.stem


def test_distributions_are_plausible(generated: dict[str, Path]) -> None:
    persons = pq.read_table(generated["parquet"] / "persons.parquet").to_pylist()
    assert len(persons) == N
    ages = sorted((UNTIL - p["birth_date"]).days / 365.25 for p in persons)
    assert 55 < ages[N // 2] < 75
    measurements = pq.read_table(generated["parquet"] / "measurements.parquet").to_pylist()
    tscores = [m["value"] for m in measurements if m["concept"] == "dxa_t_score"]
    assert -2.5 < sum(tscores) / len(tscores) < 0
    units = {m["unit"] for m in measurements if m["concept"] == "vitamin_d_25oh"}
    assert units == {"ng/mL", "nmol/L"}


@pytest.mark.parametrize("day", [UNTIL, date(2023, 6, 30)])
def test_ibis_rules_match_the_row_by_row_oracle(generated: dict[str, Path], day: date) -> None:
    tables = {t: pq.read_table(generated["parquet"] / f"{t}.parquet").to_pylist() for t in TABLES}
    expected = reference.gaps(reference.evaluate(tables, day, load_measures()))
    result = _run(generated["parquet"], day)
    for measure, outcome in result.measures.items():
        assert {pid for pid, _ in outcome.gap_rows} == expected[measure], measure
        assert outcome.gaps > 0, measure


def test_fhir_and_parquet_of_one_cohort_give_the_same_gaps(generated: dict[str, Path]) -> None:
    parquet = _run(generated["parquet"], UNTIL)
    fhir = _run(generated["ndjson"], UNTIL)
    # smoking status, glucocorticoid courses and ibandronate travel through FHIR codes too, so
    # every measure, therapy-gap with its hadji-2017 risk factors included, agrees exactly
    assert set(fhir.measures) == set(parquet.measures)
    assert len(parquet.measures) == 5
    for measure, outcome in parquet.measures.items():
        assert outcome.gaps > 0, measure
        assert fhir.measures[measure].gap_rows == outcome.gap_rows, measure
        assert fhir.summary()[measure] == parquet.summary()[measure], measure


def test_staging_says_its_own_cpu_time(generated: dict[str, Path]) -> None:
    """The benchmark tells the loader's cost from the evaluation's in one process by this."""
    for fmt in ("parquet", "ndjson"):
        with tempfile.TemporaryDirectory() as staging:
            staged = stage(generated[fmt], Path(staging))
        assert staged.cpu_seconds > 0, fmt


def test_ndjson_carries_the_therapy_gap_risk_factors(generated: dict[str, Path]) -> None:
    """The FHIR form holds each risk-factor fact of the Parquet form, not just the lab values."""
    with tempfile.TemporaryDirectory() as staging:
        fhir = stage(generated["ndjson"], Path(staging))
        f_drugs = pq.read_table(fhir.tables["drug_exposures"]).to_pylist()
        f_meas = pq.read_table(fhir.tables["measurements"]).to_pylist()
    drugs = pq.read_table(generated["parquet"] / "drug_exposures.parquet").to_pylist()
    meas = pq.read_table(generated["parquet"] / "measurements.parquet").to_pylist()

    def smoking(rows: list[dict[str, object]]) -> set[tuple[object, ...]]:
        return {
            (r["person_id"], str(r["date"]), r["value_text"])
            for r in rows
            if r["concept"] == "smoking_status"
        }

    assert smoking(f_meas) == smoking(meas)
    assert {r["value_text"] for r in f_meas if r["concept"] == "smoking_status"} == {
        "current",
        "past",
        "never",
    }
    iband = {(r["person_id"], str(r["start_date"])) for r in drugs if r["concept"] == "ibandronate"}
    assert iband
    assert {
        (r["person_id"], str(r["start_date"]))
        for r in f_drugs
        if r["concept"] == "ibandronate" and r["code_system"] == "urn:bonewise:codes"
    } == iband
    # only courses longer than 6 months by UNTIL are risk factors; the FHIR form keeps those
    long_gc = {
        (r["person_id"], str(r["start_date"])) for r in f_drugs if r["concept"] == "glucocorticoid"
    }
    all_gc = {
        (r["person_id"], str(r["start_date"])) for r in drugs if r["concept"] == "glucocorticoid"
    }
    assert long_gc
    assert long_gc < all_gc
