"""What every command shares: today's date, clear input errors (exit code 2), JSON output."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import typer
from pydantic import ValidationError

from bonewise.clinical.models import PatientRecord
from bonewise.importers.patient_file import PatientFileError, load_patient_file

EXIT_INVALID_INPUT = 2


def fail(message: str) -> NoReturn:
    """Report bad input on stderr and exit with code 2 (nothing has been written)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_INVALID_INPUT)


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem: the field path, the value given and what is allowed."""
    lines = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"]) or "(record)"
        given = error.get("input")
        shown = json.dumps(given, default=str) if not isinstance(given, dict) else "{...}"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: {message} (given: {shown})")
    return "invalid input:\n  " + "\n  ".join(lines)


def parse_day(value: str | None, *, option: str = "--as-of") -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date: use YYYY-MM-DD")


def load_patient_or_exit(path: Path, *, today: date) -> PatientRecord:
    try:
        return load_patient_file(path, today=today)
    except PatientFileError as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(f"{path}: {describe_validation_error(exc)}")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
