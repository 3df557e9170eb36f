"""`bonewise patient`: keep patient records in the store (SQLite by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bonewise.cli.common import fail, load_patient_or_exit, parse_day, print_json
from bonewise.services import patients
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.store.patients import PatientNotFound
from bonewise.store.uow import UnitOfWork, open_store

app = typer.Typer(help="Store and read patient records.", no_args_is_help=True)


@app.command("add")
def add(
    patient_file: Annotated[
        Path,
        typer.Argument(help="Patient file: native JSON, a FHIR R4 Bundle or NDJSON (by content)."),
    ],
) -> None:
    """Validate a patient file and store it (replacing the stored record with the same id)."""
    record = load_patient_or_exit(patient_file, today=parse_day(None))
    patients.store_record(
        uow=UnitOfWork(open_store()), actor=LOCAL_OPERATOR, record=record, what="patient file"
    )
    typer.echo(f"stored patient {record.id}")


@app.command("show")
def show(patient_id: Annotated[str, typer.Argument(help="Patient id.")]) -> None:
    """Print a stored patient record as JSON."""
    try:
        record = patients.read_record(
            uow=UnitOfWork(open_store()), actor=LOCAL_OPERATOR, patient_id=patient_id
        )
    except PatientNotFound as exc:
        fail(str(exc))
    print_json(record.model_dump(mode="json"))


@app.command("list")
def list_ids() -> None:
    """List the ids of stored patients."""
    for patient_id in patients.patient_ids(uow=UnitOfWork(open_store()), actor=LOCAL_OPERATOR):
        typer.echo(patient_id)
