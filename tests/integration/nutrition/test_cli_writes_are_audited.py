"""Every CLI command that writes goes through the services and lands in the audit log as the
local operator (with tests/unit/services/test_one_door.py, which keeps the CLI off the store).

The command list is walked from the Typer app itself: a new command fails here until it is
classed as a read or a write, and every write is run and its audit entry checked."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.core import TyperGroup, _click  # typer's own click, which its groups subclass
from typer.testing import CliRunner

from bonewise.cli import app
from bonewise.mail.sink import SmtpSink
from bonewise.store.accounts import AuditRow
from bonewise.store.uow import UnitOfWork, open_store

ROOT = Path(__file__).parents[3]
PATIENT_FILE = ROOT / "examples" / "patients" / "normal.json"
FHIR_FILE = ROOT / "tests" / "data" / "fhir" / "messy-letrozole.json"
OPERATOR = "local operator (CLI)"
PATIENT = "ex-normal"  # the id in PATIENT_FILE

# Commands that write nothing to the store (files or the terminal only), each with why.
READS = {
    "assess": "prints an assessment of a patient file",
    "patient show": "prints a stored record",
    "patient list": "prints stored ids",
    "food search": "prints foods",
    "food show": "prints a food",
    "diary show": "prints her diary and totals",
    "nutrition suggest": "prints foods for today's gap",
    "nutrition cautions": "prints supplement cautions",
    "nutrition targets": "prints targets",
    "exercise plan": "prints a plan (and writes an .ics file on request)",
    "exercise week": "prints a week's summary",
    "exercise list": "prints the exercise catalogue",
    "report": "writes a PDF or HTML file",
    "serve": "serves the web app, whose routes audit their own writes",
    "fhir export": "writes a FHIR Bundle file",
    "cohort generate": "writes synthetic cohort files",
    "cohort run": "writes measure files",
}


@dataclass(frozen=True)
class Write:
    """A writing command: how to run it on the store built up by the ones before it, and how
    its audit entry begins."""

    args: Callable[[Callable[[list[str]], str]], list[str]]
    audit: str


def _diary_entry_id(run: Callable[[list[str]], str]) -> str:
    entries = json.loads(run(["diary", "show", "--json", "--patient", PATIENT]))["entries"]
    return str(entries[-1]["id"])


def _supplement_id(run: Callable[[list[str]], str]) -> str:
    entries = json.loads(run(["diary", "show", "--json", "--patient", PATIENT]))["entries"]
    return str([e for e in entries if e["kind"] == "supplement"][-1]["id"])


def _session_id(run: Callable[[list[str]], str]) -> str:
    logged = run(
        ["exercise", "log", "--exercise", "walking", "--minutes", "20", "--patient", PATIENT]
    )
    return logged.split("logged session ")[1].split()[0]


# The writing commands, run in this order on one store (the SR28 copy is imported already).
WRITES: dict[str, Write] = {
    "patient add": Write(lambda run: ["patient", "add", str(PATIENT_FILE)], "patient file"),
    "fhir import": Write(
        lambda run: ["fhir", "import", str(FHIR_FILE), "--save"], "FHIR import stored"
    ),
    "food import": Write(lambda run: ["food", "import"], "food database imported: 8789 foods"),
    "diary add": Write(
        lambda run: ["diary", "add", "01079", "--grams", "200", "--patient", PATIENT],
        "food diary",
    ),
    "diary withdraw": Write(
        lambda run: [
            "diary",
            "withdraw",
            _diary_entry_id(run),
            "--reason",
            "logged twice",
            "--patient",
            PATIENT,
        ],
        "food entry",
    ),
    "diary supplement": Write(
        lambda run: [
            "diary",
            "supplement",
            "vitamin-d3",
            "--vitamin-d",
            "1000",
            "--patient",
            PATIENT,
        ],
        "supplement",
    ),
    "diary supplement-correct": Write(
        lambda run: [
            "diary",
            "supplement-correct",
            _supplement_id(run),
            "--units",
            "2",
            "--reason",
            "took two",
            "--patient",
            PATIENT,
        ],
        "supplement entry",
    ),
    "diary supplement-withdraw": Write(
        lambda run: [
            "diary",
            "supplement-withdraw",
            _supplement_id(run),
            "--reason",
            "not taken after all",
            "--patient",
            PATIENT,
        ],
        "supplement entry",
    ),
    "exercise log": Write(
        lambda run: [
            "exercise",
            "log",
            "--exercise",
            "walking",
            "--minutes",
            "30",
            "--patient",
            PATIENT,
        ],
        "exercise walking 30 min",
    ),
    "exercise withdraw": Write(
        lambda run: [
            "exercise",
            "withdraw",
            _session_id(run),
            "--reason",
            "typed by mistake",
            "--patient",
            PATIENT,
        ],
        "exercise session",
    ),
    # The demo's patient account is the one `reminders send` mails.
    "demo": Write(lambda run: ["demo", "--no-serve"], "demo account"),
    "reminders send": Write(lambda run: ["reminders", "send"], "reminder e-mailed"),
}


def cli_commands() -> Iterator[str]:
    """Every runnable command of `bonewise`, as typed after it ("diary add")."""
    root = typer.main.get_command(app)

    def walk(command: _click.Command, path: list[str], ctx: _click.Context) -> Iterator[str]:
        if not isinstance(command, TyperGroup):
            yield " ".join(path)
            return
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from walk(sub, [*path, name], _click.Context(sub, parent=ctx, info_name=name))

    yield from walk(root, [], _click.Context(root, info_name="bonewise"))


def _audit(url: str) -> list[tuple[str, str, str]]:
    """(actor, role, what) of every audit entry, oldest first."""
    with UnitOfWork(open_store(url)) as uow:
        query = select(AuditRow.actor_email, AuditRow.actor_role, AuditRow.what).order_by(
            AuditRow.id
        )
        return [(actor, role, what) for actor, role, what in uow.session.execute(query)]


@pytest.fixture
def url(sqlite_copy: Path) -> str:
    return f"sqlite:///{sqlite_copy}"


def test_every_cli_command_is_classed_as_a_read_or_a_write() -> None:
    commands = list(cli_commands())
    assert "diary withdraw" in commands and "reminders send" in commands  # the walk goes deep
    assert not set(READS) & set(WRITES)
    unclassed = sorted(set(commands) - set(READS) - set(WRITES))
    assert not unclassed, f"class these CLI commands as READS or WRITES here: {unclassed}"
    gone = sorted((set(READS) | set(WRITES)) - set(commands))
    assert not gone, f"no longer CLI commands: {gone}"


def test_every_cli_write_is_audited_as_the_local_operator(url: str, smtp_sink: SmtpSink) -> None:
    runner = CliRunner()
    env = {"BONEWISE_DATABASE_URL": url, **smtp_sink.env()}

    def run(args: list[str]) -> str:
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, (args, result.output)
        return result.output

    for name, write in WRITES.items():
        args = write.args(run)
        assert " ".join(args).startswith(name), (name, args)
        before = _audit(url)
        run(args)
        new = _audit(url)[len(before) :]
        assert new, f"bonewise {' '.join(args)} wrote nothing to the audit log"
        assert {(actor, role) for actor, role, _ in new} == {(OPERATOR, "operator")}, new
        assert any(w.startswith(write.audit) for _, _, w in new), (args, new)
    assert smtp_sink.messages(), "reminders send mailed nothing"


def test_a_refused_cli_write_leaves_no_audit_entry(url: str) -> None:
    before = _audit(url)
    result = CliRunner().invoke(
        app,
        ["exercise", "log", "--exercise", "walking", "--minutes", "30", "--patient", "ghost"],
        env={"BONEWISE_DATABASE_URL": url},
    )
    assert result.exit_code == 2
    assert _audit(url) == before
