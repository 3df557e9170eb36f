"""`bonewise patient`: keep patient records in the store (SQLite by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bonewise.cli.common import fail, load_patient_or_exit, parse_day, print_json
from bonewise.store.patients import PatientNotFound, PatientRepository
from bonewise.store.uow import UnitOfWork, open_store

app = typer.Typer(help="Store and read patient records.", no_args_is_help=True)


@app.command("add")
def add(
    patient_file: Annotated[
        Path, typer.Argument(help="Patient file: native JSON or a FHIR R4 Bundle (by content).")
    ],
) -> None:
    """Validate a patient file and store it (replacing the stored record with the same id)."""
    record = load_patient_or_exit(patient_file, today=parse_day(None))
    with UnitOfWork(open_store()) as uow:
        PatientRepository(uow.session).save(record)
        uow.commit()
    typer.echo(f"stored patient {record.id}")


@app.command("show")
def show(patient_id: Annotated[str, typer.Argument(help="Patient id.")]) -> None:
    """Print a stored patient record as JSON."""
    with UnitOfWork(open_store()) as uow:
        try:
            record = PatientRepository(uow.session).get_or_raise(patient_id)
        except PatientNotFound as exc:
            fail(str(exc))
    print_json(record.model_dump(mode="json"))


@app.command("list")
def list_ids() -> None:
    """List the ids of stored patients."""
    with UnitOfWork(open_store()) as uow:
        for patient_id in PatientRepository(uow.session).ids():
            typer.echo(patient_id)
