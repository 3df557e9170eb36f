"""`bonewise report`: the patient report or the clinician summary, as PDF or HTML."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bonewise.cli.common import fail, load_patient_or_exit, parse_day
from bonewise.render.render import AUDIENCES, FORMATS, PAGE_SIZES, render_report


def report_command(
    patient_file: Annotated[
        Path | None,
        typer.Argument(help="Patient file (native JSON). Or use --patient for a stored patient."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Where to write the report.")
    ] = None,
    audience: Annotated[
        str, typer.Option("--audience", help="patient (plain words, large type) or clinician.")
    ] = "patient",
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="pdf or html; default from the output's suffix, else pdf."),
    ] = None,
    page_size: Annotated[str, typer.Option("--page-size", help="a4 or letter.")] = "a4",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Report as of this day (YYYY-MM-DD); default today."),
    ] = None,
    patient_id: Annotated[
        str | None,
        typer.Option(
            "--patient",
            help="A stored patient's id (see `bonewise patient list`); her food diary (last 30 "
            "days) and exercise log (last 8 weeks) are included.",
        ),
    ] = None,
) -> None:
    """Write a patient report or a clinician summary (PDF or HTML, A4 or Letter, with charts).

    From a patient file there is no food diary or exercise log: the report says so.
    """
    if audience not in AUDIENCES:
        fail(f"--audience {audience!r} is not allowed: use {' or '.join(AUDIENCES)}")
    if page_size not in PAGE_SIZES:
        fail(f"--page-size {page_size!r} is not allowed: use {' or '.join(PAGE_SIZES)}")
    if output is None:
        fail("give the output file with -o OUT.pdf (or OUT.html)")
    chosen = fmt or ("html" if output.suffix.lower() in (".html", ".htm") else "pdf")
    if chosen not in FORMATS:
        fail(f"--format {chosen!r} is not allowed: use {' or '.join(FORMATS)}")
    if (patient_file is None) == (patient_id is None):
        fail("give either a PATIENT_FILE or --patient ID (one of them)")
    if not output.parent.is_dir():
        fail(f"-o {output}: folder {output.parent} does not exist")
    day = parse_day(as_of)
    if patient_file is not None:
        record = load_patient_or_exit(patient_file, today=day)
        report_id = record.id
        data = render_report(
            record=record,
            audience=audience,  # type: ignore[arg-type]
            as_of=day,
            fmt=chosen,  # type: ignore[arg-type]
            page_size=page_size,  # type: ignore[arg-type]
        )
    else:
        from bonewise.services.access import LOCAL_OPERATOR
        from bonewise.services.reports import report
        from bonewise.store.patients import PatientNotFound
        from bonewise.store.uow import UnitOfWork, open_store

        report_id = str(patient_id)
        try:
            data = report(
                uow=UnitOfWork(open_store()),
                actor=LOCAL_OPERATOR,
                patient_id=report_id,
                audience=audience,  # type: ignore[arg-type]
                today=day,
                fmt=chosen,  # type: ignore[arg-type]
                page_size=page_size,  # type: ignore[arg-type]
            )
        except PatientNotFound as exc:
            fail(str(exc))
    _write_atomically(output, data)
    typer.echo(f"wrote {audience} report for {report_id} to {output} ({chosen}, {page_size})")


def _write_atomically(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a temporary file beside it, then a rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
