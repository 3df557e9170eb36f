"""`bonewise fhir`: read a FHIR R4 Bundle (or NDJSON) into a patient record, write one out."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from bonewise.cli.common import describe_validation_error, fail, parse_day, print_json
from bonewise.clinical.assessment import assess
from bonewise.clinical.models import PatientRecord
from bonewise.fhir.export import export_bundle
from bonewise.fhir.importer import FhirImport, FhirImportError, load_fhir_file
from bonewise.importers.patient_file import PatientFileError, load_patient_file
from bonewise.services import patients
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.store.patients import PatientNotFound
from bonewise.store.uow import UnitOfWork, open_store

app = typer.Typer(
    help="FHIR R4: import a Bundle or NDJSON as a patient record; export a record and its "
    "assessment as a Bundle.",
    no_args_is_help=True,
)

MENOPAUSAL = ("premenopausal", "perimenopausal", "postmenopausal")


def _import_or_exit(path: Path, *, today: Any, menopausal_status: str | None) -> FhirImport:
    if menopausal_status is not None and menopausal_status not in MENOPAUSAL:
        fail(f"--menopausal-status {menopausal_status!r} is not one of {', '.join(MENOPAUSAL)}")
    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        return load_fhir_file(path, today=today, menopausal_status=menopausal_status)
    except (UnicodeDecodeError, OSError) as exc:
        fail(f"{path}: cannot read: {exc}")
    except FhirImportError as exc:
        lines = exc.report.summary_lines() if exc.report else []
        fail(f"{path}: {exc}" + ("\n" + "\n".join(lines) if lines else ""))


@app.command("import")
def import_command(
    bundle: Annotated[Path, typer.Argument(help="FHIR R4 Bundle or resource (JSON), or NDJSON.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print {record, report} as JSON.")
    ] = False,
    save: Annotated[
        bool,
        typer.Option("--save", help="Store the record (replacing a stored record with its id)."),
    ] = False,
    menopausal_status: Annotated[
        str | None,
        typer.Option(
            "--menopausal-status",
            help="premenopausal, perimenopausal or postmenopausal: overrides the input's value "
            "(the report notes a conflict) or the status inferred when none is recorded.",
        ),
    ] = None,
) -> None:
    """Import one patient: print the validated record and the import report."""
    result = _import_or_exit(bundle, today=parse_day(None), menopausal_status=menopausal_status)
    if save:
        patients.store_record(
            uow=UnitOfWork(open_store()),
            actor=LOCAL_OPERATOR,
            record=result.record,
            what="FHIR import",
        )
    if as_json:
        print_json(
            {
                "record": result.record.model_dump(mode="json"),
                "report": result.report.to_dict(),
                "saved": save,
            }
        )
        return
    typer.echo(json.dumps(result.record.model_dump(mode="json", exclude_none=True), indent=2))
    typer.echo("\n".join(result.report.summary_lines()))
    if save:
        typer.echo(f"stored patient {result.record.id}")


def _record_from(path: Path, *, today: Any) -> PatientRecord:
    try:
        return load_patient_file(path, today=today)
    except PatientFileError as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(f"{path}: {describe_validation_error(exc)}")


def _write_atomically(path: Path, text: str) -> None:
    """Write the whole file or nothing: a temporary file in the same folder, then a rename."""
    folder = path.resolve().parent
    if not folder.is_dir():
        fail(f"-o {path}: folder {folder} does not exist")
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _stored_record(patient_id: str) -> PatientRecord:
    """Read one stored record through the services (the read is audited as the local operator)."""
    try:
        return patients.read_record(
            uow=UnitOfWork(open_store()), actor=LOCAL_OPERATOR, patient_id=patient_id
        )
    except PatientNotFound as exc:
        fail(f"--patient: {exc}")


@app.command("export")
def export_command(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write the Bundle (JSON); - for stdout.")
    ],
    patient: Annotated[
        Path | None,
        typer.Argument(help="Patient file: native JSON, a FHIR R4 Bundle or NDJSON (by content)."),
    ] = None,
    stored: Annotated[
        str | None,
        typer.Option(
            "--patient", help="Export the stored patient with this id (instead of a file)."
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Assess on this day (YYYY-MM-DD); default today."),
    ] = None,
    without_assessment: Annotated[
        bool,
        typer.Option("--without-assessment", help="Export the record only (no assessment)."),
    ] = False,
) -> None:
    """Export a patient and her assessment (RiskAssessment, CarePlan, Provenance) as a Bundle."""
    if (patient is None) == (stored is None):
        fail("give a patient file or --patient ID (one of them)")
    day = parse_day(as_of)
    record = (
        _record_from(patient, today=day) if patient is not None else _stored_record(stored or "")
    )
    assessment = None if without_assessment else assess(record, as_of=day)
    text = json.dumps(export_bundle(record, assessment), indent=2) + "\n"
    if str(output) == "-":
        typer.echo(text, nl=False)
        return
    _write_atomically(output, text)
    typer.echo(f"wrote {output} (patient {record.id})", err=True)
