"""`bonewise cohort`: generate a synthetic cohort, run the population care-gap measures."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from bonewise.cli.common import fail, parse_day

app = typer.Typer(
    help="Population care gaps for women on aromatase inhibitors: a synthetic cohort "
    "generator and the care-gap measures on DuckDB or Spark.",
    no_args_is_help=True,
)
console = Console(stderr=True)


class Format(StrEnum):
    ndjson = "ndjson"
    parquet = "parquet"


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


@app.command("generate")
def generate_command(
    patients: Annotated[
        int, typer.Option("--patients", help="How many women to generate (1 or more).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the cohort into.")],
    seed: Annotated[
        int,
        typer.Option("--seed", help="Random seed: the same seed and --until give the same cohort."),
    ] = 0,
    output_format: Annotated[
        Format,
        typer.Option(
            "--format",
            help="ndjson: FHIR Bulk Data files (Patient.ndjson, Observation.ndjson, ...); "
            "parquet: the flat schema (persons.parquet, ...).",
        ),
    ] = Format.ndjson,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="Last day of the synthetic records (YYYY-MM-DD); default today."
        ),
    ] = None,
    malformed_rate: Annotated[
        float,
        typer.Option(
            "--malformed-rate",
            help="Share of rows given an unknown unit, a duplicated id or (NDJSON) an impossible "
            "date, so the quality report has something to show (0 for none).",
        ),
    ] = 0.0005,
) -> None:
    """Write a seeded synthetic cohort (realistic ages, AI starts, DXA cadence, therapy, lapses)."""
    from bonewise.population.generate import write_cohort

    if patients < 1:
        fail(f"--patients {patients} is not allowed: give 1 or more")
    if not 0.0 <= malformed_rate <= 0.1:
        fail(f"--malformed-rate {malformed_rate} is not allowed: give a value from 0 to 0.1")
    last_day = parse_day(until, option="--until")
    if out.exists() and not out.is_dir():
        fail(f"--out {str(out)!r} is a file: give a folder")
    existing = [p.name for p in out.glob("*.ndjson")] + [p.name for p in out.glob("*.parquet")]
    if existing:
        fail(
            f"--out {str(out)!r} already holds cohort files ({', '.join(sorted(existing)[:3])}"
            f"{', ...' if len(existing) > 3 else ''}): give an empty or new folder"
        )
    with Progress(
        TextColumn("[bold]generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("women", total=patients)
        result = write_cohort(
            out,
            patients=patients,
            seed=seed,
            until=last_day,
            output_format=output_format.value,
            malformed_rate=malformed_rate,
            progress=lambda done: progress.update(task, completed=done),
        )
    table = Table(title=f"{patients:,} women written to {out} ({output_format.value})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in result.rows.items():
        table.add_row(name, f"{count:,}")
    Console().print(table)


@app.command("run")
def run_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the results.")],
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Cohort folder: FHIR Bulk Data NDJSON, flat-schema CSV/Parquet, or OMOP CDM "
            "tables (person, drug_exposure, measurement, condition_occurrence, "
            "procedure_occurrence). Leave out with --from-store."
        ),
    ] = None,
    engine: Annotated[
        EngineName,
        typer.Option("--engine", help="duckdb (embedded, default) or spark (needs the extra)."),
    ] = EngineName.duckdb,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Evaluate the measures on this day (YYYY-MM-DD); default today."
        ),
    ] = None,
    master: Annotated[
        str | None,
        typer.Option(
            "--master",
            help="Spark master, e.g. spark://host:7077 (default local[*]); the cohort folder and "
            "--out must be reachable from the cluster.",
        ),
    ] = None,
    from_store: Annotated[
        bool,
        typer.Option(
            "--from-store",
            help="Run on the app's own patients (read only) instead of a cohort folder.",
        ),
    ] = False,
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store-url",
            help="Database of the patient store for --from-store (default: "
            "BONEWISE_DATABASE_URL or the local SQLite file).",
        ),
    ] = None,
    memory_limit: Annotated[
        str,
        typer.Option(
            "--memory-limit",
            help="DuckDB's working memory, e.g. 480MB or 4GB; what does not fit spills to disk "
            "under --out.",
        ),
    ] = "480MB",
) -> None:
    """Run every care-gap measure; write summary.json, <measure>.csv, malformed.json, summary.html."""
    from bonewise.population.engine import EngineUnavailableError, is_memory_size
    from bonewise.population.runner import run_care_gaps
    from bonewise.population.sources import CohortSourceError, detect_format
    from bonewise.population.store_source import StoreSource, check_readable

    day = parse_day(as_of)
    if master is not None and engine is not EngineName.spark:
        fail("--master is for --engine spark only")
    if from_store == (directory is not None):
        fail("give a cohort folder or --from-store (one of them)")
    if store_url is not None and not from_store:
        fail("--store-url is for --from-store only")
    if not is_memory_size(memory_limit):
        fail(f"--memory-limit {memory_limit!r} is not a size like 480MB or 4GB")
    source: Path | StoreSource
    if directory is None:
        source = StoreSource(store_url)
        try:
            check_readable(source.resolved())
        except CohortSourceError as exc:
            fail(str(exc))
    else:
        source = directory
        try:
            detect_format(directory)
        except CohortSourceError as exc:
            fail(str(exc))
    if out.exists() and not out.is_dir():
        fail(f"--out {str(out)!r} is a file: give a folder")
    with console.status("starting", spinner="dots") as status:
        try:
            result = run_care_gaps(
                source=source,
                out=out,
                engine=engine.value,
                as_of=day,
                master=master,
                progress=lambda step: status.update(step),
                memory_limit=memory_limit,
            )
        except CohortSourceError as exc:
            fail(str(exc))
        except EngineUnavailableError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
    _print_result(result.summary(), result.malformed, day, engine.value, out)


def _print_result(
    summary: dict[str, dict[str, int]],
    malformed: dict[str, dict[str, int]],
    day: date,
    engine: str,
    out: Path,
) -> None:
    stdout = Console()
    table = Table(title=f"Care gaps as of {day} ({engine})")
    for column in ("measure", "denominator", "excluded", "numerator", "gaps"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for measure, counts in summary.items():
        table.add_row(
            measure,
            *(f"{counts[k]:,}" for k in ("denominator", "excluded", "numerator", "gaps")),
        )
    stdout.print(table)
    problems = [
        f"{table_name}: {reason} {n:,}"
        for table_name, counts in malformed.items()
        for reason, n in counts.items()
        if reason != "rows" and n
    ]
    if problems:
        stdout.print("Malformed rows (counted, see malformed.json): " + "; ".join(problems))
    else:
        stdout.print("No malformed rows.")
    stdout.print(f"Results in {out}: summary.json, <measure>.csv, malformed.json, summary.html")
