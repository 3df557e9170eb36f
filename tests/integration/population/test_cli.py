"""`bonewise cohort generate` and `bonewise cohort run` end to end, through the real CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from bonewise.cli import app

from .conftest import AS_OF, EXPECTED_GAPS

runner = CliRunner()


def test_generate_then_run_writes_every_output(tmp_path: Path) -> None:
    cohort, out = tmp_path / "cohort", tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "cohort",
            "generate",
            "--patients",
            "300",
            "--out",
            str(cohort),
            "--seed",
            "4",
            "--until",
            "2026-01-01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (cohort / "Patient.ndjson").read_text().count("\n") >= 300
    result = runner.invoke(
        app,
        [
            "cohort",
            "run",
            str(cohort),
            "--engine",
            "duckdb",
            "--as-of",
            "2026-01-01",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    for measure, counts in summary.items():
        with (out / f"{measure}.csv").open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == counts["gaps"]
    assert "<svg" in (out / "summary.html").read_text()
    assert "baseline-dxa" in result.output


def test_run_on_flat_csv_lists_the_known_gaps(known_answer_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["cohort", "run", str(known_answer_dir), "--as-of", AS_OF.isoformat(), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    with (out / "therapy-gap.csv").open(newline="") as fh:
        assert {r["patient_id"] for r in csv.DictReader(fh)} == EXPECTED_GAPS["therapy-gap"]
    assert "Malformed rows" in result.output


def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, known_answer_dir: Path) -> None:
    out = tmp_path / "out"
    cases = [
        (
            ["cohort", "run", str(known_answer_dir), "--as-of", "2024-02-30", "--out", str(out)],
            "--as-of '2024-02-30' is not a date",
        ),
        (["cohort", "run", str(tmp_path / "missing"), "--out", str(out)], "does not exist"),
        (["cohort", "run", str(tmp_path), "--out", str(out)], "found no cohort files"),
        (
            ["cohort", "run", str(known_answer_dir), "--engine", "hadoop", "--out", str(out)],
            "hadoop",
        ),
        (["cohort", "generate", "--patients", "0", "--out", str(out)], "--patients 0"),
        (
            ["cohort", "generate", "--patients", "5", "--out", str(out), "--until", "soon"],
            "--until 'soon'",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert not out.exists(), args


def test_generate_refuses_to_overwrite_a_cohort(tmp_path: Path) -> None:
    args = ["cohort", "generate", "--patients", "20", "--out", str(tmp_path), "--format", "parquet"]
    assert runner.invoke(app, args).exit_code == 0
    before = (tmp_path / "persons.parquet").read_bytes()
    result = runner.invoke(app, [*args, "--seed", "9"])
    assert result.exit_code == 2
    assert "already holds cohort files" in result.output
    assert (tmp_path / "persons.parquet").read_bytes() == before
