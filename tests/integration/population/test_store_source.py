"""The app's own patients reach the measures: `cohort run --from-store` reads the store (SQLite
file and PostgreSQL), so a DXA entered through the patient service closes her baseline gap and,
being low, opens a therapy gap; the store is only read."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from bonewise.cli import app
from bonewise.services import accounts, records
from bonewise.services import patients as service
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork, open_store

runner = CliRunner()
AS_OF = date(2026, 1, 1)


def _run(store_url: str, out: Path) -> dict[str, dict[str, str]]:
    """measure -> {patient id: index date} from the gap lists of a --from-store run."""
    result = runner.invoke(
        app,
        [
            "cohort",
            "run",
            "--from-store",
            "--store-url",
            store_url,
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    gaps = {}
    for path in out.glob("*.csv"):
        with path.open(newline="") as fh:
            gaps[path.stem] = {r["patient_id"]: r["index_date"] for r in csv.DictReader(fh)}
    return gaps


def test_a_dxa_entered_in_the_app_reaches_the_measures(
    migrated_store_url: str, tmp_path: Path
) -> None:
    store_url = migrated_store_url
    factory = open_store(store_url)
    her = accounts.create_user(
        uow=UnitOfWork(factory),
        actor=LOCAL_OPERATOR,
        email="ann@example.org",
        name="Ann",
        role="patient",
        password="x" * 12,
    )
    record = service.save_profile(
        uow=UnitOfWork(factory),
        actor=her,
        patient_id=None,
        profile={
            "patient": {"birth_date": "1962-03-04", "menopausal_status": "postmenopausal"},
            "therapy": {"agent": "letrozole", "start_date": "2025-01-10"},
        },
        today=AS_OF,
    )
    pid = record.id

    before = _run(store_url, tmp_path / "before")
    assert before["baseline-dxa"] == {pid: "2025-01-10"}  # on letrozole, no DXA
    assert before["therapy-gap"] == {}

    records.add_dxa_scan(
        uow=UnitOfWork(factory),
        actor=accounts.current_user(
            uow=UnitOfWork(factory), user_id=her.id
        ),  # now attached to her record
        patient_id=pid,
        scan={
            "date": "2025-02-01",
            "scanner_make": "hologic",
            "sites": {"lumbar_spine": {"t_score": -2.7}, "total_hip": {"t_score": -1.9}},
        },
        today=AS_OF,
    )
    with UnitOfWork(factory) as uow:
        stored = PatientRepository(uow.session).get_or_raise(pid)

    after = _run(store_url, tmp_path / "after")
    assert after["baseline-dxa"] == {}  # the DXA is within the baseline window
    # T-score -2.7 on 2025-02-01, six months gone and no bone-directed therapy: a therapy gap
    assert after["therapy-gap"] == {pid: "2025-02-01"}
    with UnitOfWork(factory) as uow:
        assert PatientRepository(uow.session).get_or_raise(pid) == stored  # only read


def test_from_store_input_errors_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cases = [
        (["--from-store", "--store-url", f"sqlite:///{tmp_path / 'none.db'}"], "does not exist"),
        (["--from-store", "--store-url", "not a url"], "not a database URL"),
        (["--from-store", str(tmp_path)], "one of them"),
        (["--store-url", "sqlite://", str(tmp_path)], "--from-store only"),
        ([str(tmp_path), "--memory-limit", "lots"], "--memory-limit 'lots'"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["cohort", "run", *args, "--out", str(out)])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert not out.exists(), args
    assert not (tmp_path / "none.db").exists()  # a missing store is not created
