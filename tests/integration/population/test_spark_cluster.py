"""The path a health system would use: `cohort run --master spark://...` on a real standalone
cluster (a master and a worker process on loopback), the same gap lists as DuckDB."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bonewise.population.runner import run_care_gaps

from .conftest import AS_OF, EXPECTED_GAPS, SPARK_AVAILABLE

pytestmark = pytest.mark.spark
PARITY_DAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not SPARK_AVAILABLE:
        pytest.skip("pyspark is not installed (the spark extra)")
    from .spark_cluster import StandaloneCluster

    cluster = StandaloneCluster(tmp_path_factory.mktemp("spark-cluster"))
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def _cohort_run_on(cluster: Any, source: Path, out: Path, as_of: date) -> None:
    """`bonewise cohort run` on the cluster, as a site would call it."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bonewise", "cohort", "run", str(source)),
            *("--engine", "spark", "--master", cluster.url),
            *("--as-of", as_of.isoformat(), "--out", str(out)),
        ],
        env=cluster.environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _gap_lists(out: Path) -> dict[str, list[dict[str, str]]]:
    lists = {}
    for measure in EXPECTED_GAPS:
        with (out / f"{measure}.csv").open(newline="") as fh:
            lists[measure] = list(csv.DictReader(fh))
    return lists


def test_cli_on_a_standalone_cluster_gives_duckdbs_gap_lists(
    spark_cluster: object, known_answer_dir: Path, tmp_path: Path
) -> None:
    from .spark_cluster import StandaloneCluster

    assert isinstance(spark_cluster, StandaloneCluster)
    duck_out, spark_out = tmp_path / "duckdb", tmp_path / "spark"
    run_care_gaps(source=known_answer_dir, out=duck_out, engine="duckdb", as_of=AS_OF)
    _cohort_run_on(spark_cluster, known_answer_dir, spark_out, AS_OF)
    run = json.loads((spark_out / "run.json").read_text())
    assert run["engine"] == "spark"
    # the application really ran on the cluster's worker, not in a local JVM
    assert any((spark_cluster.directory / "work").glob("app-*")), "no executor on the worker"
    assert _gap_lists(spark_out) == _gap_lists(duck_out)
    for measure, expected in EXPECTED_GAPS.items():
        assert {row["patient_id"] for row in _gap_lists(spark_out)[measure]} == expected
    for name in ("summary.json", "malformed.json"):
        assert json.loads((spark_out / name).read_text()) == json.loads(
            (duck_out / name).read_text()
        ), name


def test_alerts_and_gaps_agree_on_the_cluster(spark_cluster: object, tmp_path: Path) -> None:
    """Issue 12's parity on Spark: every example and a generated cohort, one cluster run, the
    same people and gaps as their single-patient alerts (test_alert_parity.py: DuckDB)."""
    from bonewise.population.store_source import write_records_ndjson

    from .parity import (
        COMPARED,
        comparable,
        example_records,
        first_year_loss,
        generated_cohort,
        imported_records,
        resources_by_patient,
        single_patient_gaps,
    )
    from .spark_cluster import StandaloneCluster

    assert isinstance(spark_cluster, StandaloneCluster)
    day = PARITY_DAY
    ndjson = generated_cohort(tmp_path, patients=150, seed=21, until=day)
    by_patient = resources_by_patient(ndjson)
    generated = imported_records(
        {pid: rs for pid, rs in by_patient.items() if comparable(rs) is None}, day
    )
    # every example, and a woman whose BMD loss beyond the LSC makes her DXA overdue at 12 months
    examples = [*example_records(day), first_year_loss()]
    assert write_records_ndjson(examples, ndjson) == len(examples) >= 17
    alerts = single_patient_gaps([*examples, *generated.values()], day)
    out = tmp_path / "spark"
    _cohort_run_on(spark_cluster, ndjson, out, day)
    gaps: dict[str, set[str]] = {pid: set() for pid in alerts}
    for measure in COMPARED:
        with (out / f"{measure}.csv").open(newline="") as fh:
            for row in csv.DictReader(fh):
                if row["patient_id"] in gaps:
                    gaps[row["patient_id"]].add(measure)
    assert gaps == alerts
    assert all(any(m in found for found in alerts.values()) for m in COMPARED)
    assert "dxa-overdue" in gaps["first-year-loss"]
