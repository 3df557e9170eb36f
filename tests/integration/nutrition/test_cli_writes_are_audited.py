"""Every CLI command that writes goes through the services and lands in the audit log as the
local operator (with tests/unit/services/test_one_door.py, which keeps the CLI off the store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bonewise.cli import app
from bonewise.store.accounts import AuditRow
from bonewise.store.uow import UnitOfWork, open_store

ROOT = Path(__file__).parents[3]
PATIENT_FILE = ROOT / "examples" / "patients" / "normal.json"
FHIR_FILE = ROOT / "tests" / "data" / "fhir" / "messy-letrozole.json"
OPERATOR = "local operator (CLI)"

# The CLI's writing commands (report, plan, show, search only read), with what each audit entry
# says; run in this order on one store. The SR28 copy is audited as imported already.
WRITES = [
    (["patient", "add", str(PATIENT_FILE)], "patient file stored"),
    (["patient", "add", str(PATIENT_FILE)], "patient file replaced"),
    (["fhir", "import", str(FHIR_FILE), "--save"], "FHIR import stored"),
    (["food", "import"], "food database imported: 8789 foods"),
    (["diary", "add", "01079", "--grams", "200", "--patient", "ex-normal"], "food diary"),
    (
        ["diary", "supplement", "vitamin-d3", "--vitamin-d", "1000", "--patient", "ex-normal"],
        "supplement",
    ),
    (
        ["exercise", "log", "--exercise", "walking", "--minutes", "30", "--patient", "ex-normal"],
        "exercise walking 30 min",
    ),
    (["demo", "--no-serve"], "demo account"),
]


def _audit(url: str) -> list[tuple[str, str]]:
    """(actor, what) of every audit entry, oldest first."""
    with UnitOfWork(open_store(url)) as uow:
        query = select(AuditRow.actor_email, AuditRow.what).order_by(AuditRow.id)
        return [(actor, what) for actor, what in uow.session.execute(query)]


@pytest.fixture
def url(sqlite_copy: Path) -> str:
    return f"sqlite:///{sqlite_copy}"


def test_every_cli_write_is_audited_as_the_local_operator(url: str) -> None:
    runner = CliRunner()
    for args, what in WRITES:
        before = _audit(url)
        result = runner.invoke(app, args, env={"BONEWISE_DATABASE_URL": url})
        assert result.exit_code == 0, (args, result.output)
        new = _audit(url)[len(before) :]
        assert new, f"bonewise {' '.join(args)} wrote nothing to the audit log"
        assert {actor for actor, _ in new} == {OPERATOR}, new
        assert any(w.startswith(what) for _, w in new), (args, new)


def test_a_refused_cli_write_leaves_no_audit_entry(url: str) -> None:
    before = _audit(url)
    result = CliRunner().invoke(
        app,
        ["exercise", "log", "--exercise", "walking", "--minutes", "30", "--patient", "ghost"],
        env={"BONEWISE_DATABASE_URL": url},
    )
    assert result.exit_code == 2
    assert _audit(url) == before
