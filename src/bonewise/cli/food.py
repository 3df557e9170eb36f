"""`bonewise food`, `bonewise diary` and `bonewise nutrition`: the SR28 food database, the
food and supplement diary, and intake against targets.

Every command works on the store (BONEWISE_DATABASE_URL or the local SQLite file) through the
service functions in `bonewise.store.food`; the food commands load SR28 on first use.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from bonewise.cli.common import fail, print_json
from bonewise.importers import sr28
from bonewise.nutrition.models import NUTRIENTS
from bonewise.store import food as service
from bonewise.store.uow import open_store

app = typer.Typer(help="Search the USDA SR28 food database (8,789 foods).", no_args_is_help=True)

console = Console()
errors = Console(stderr=True)


def _load(factory: sessionmaker[Session], *, always: bool) -> int:
    """Import SR28 (always, or only when the foods table is empty) behind a progress bar."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=not always,
    ) as progress:
        task = progress.add_task("Reading USDA SR28", total=None)

        def advance(foods: int) -> None:
            progress.update(task, description="Storing foods", total=sr28.EXPECTED_FOODS)
            progress.advance(task, foods)

        if always:
            return service.import_food_database(factory, on_progress=advance)
        return service.ensure_food_database(factory, on_progress=advance)


def food_store() -> sessionmaker[Session]:
    """The migrated store with the food database loaded (imported on first use)."""
    factory = open_store()
    _load(factory, always=False)
    return factory


def _number(value: float | None, unit: str) -> str:
    return "unknown" if value is None else f"{value:g} {unit}"


@app.command("import")
def import_foods() -> None:
    """Load (or refresh) all SR28 foods into the store. Safe to run again: same result."""
    factory = open_store()
    count = _load(factory, always=True)
    typer.echo(f"{count} foods from {sr28.provenance().label}")


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help='What to look for, e.g. "kale raw" or "2% milk".')],
    limit: Annotated[int, typer.Option(help="Most foods to list (1-100).")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Find foods by what people type; the plain, common food comes first."""
    if not 1 <= limit <= 100:
        fail(f"--limit {limit}: use a number from 1 to 100")
    hits = service.search_foods(food_store(), query=query, limit=limit)
    if as_json:
        print_json([h.as_json() for h in hits])
        return
    if not hits:
        typer.echo(f"no food matches {query!r}")
        return
    table = Table("NDB", "Food", "Ca/100g", "Vit D/100g", "Vit K/100g")
    for h in hits:
        table.add_row(
            h.ndb_no,
            h.description,
            _number(h.calcium_mg_per_100g, "mg"),
            _number(h.vitamin_d_iu_per_100g, "IU"),
            _number(h.vitamin_k_ug_per_100g, "ug"),
        )
    console.print(table)


def food_json(found: Any, source: str) -> dict[str, Any]:
    return {
        "ndb_no": found.ndb_no,
        "description": found.description,
        "food_group": found.food_group,
        "food_group_code": found.food_group_code,
        "common_name": found.common_name,
        "manufacturer": found.manufacturer,
        "per_100g": dict(found.per_100g),
        "measures": [service.measure_json(m) for m in found.measures],
        "source": source,
    }


@app.command("show")
def show(
    ndb_no: Annotated[str, typer.Argument(help="5-digit SR28 NDB number, e.g. 11233.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """All kept nutrients per 100 g (unknown where SR28 has no value) and household measures."""
    factory = food_store()
    try:
        found = service.get_food(factory, ndb_no=ndb_no)
    except service.FoodNotFound as exc:
        fail(str(exc))
    source = service.food_source(factory, ndb_no=found.ndb_no)
    if as_json:
        print_json(food_json(found, source))
        return
    console.print(f"[bold]{found.ndb_no}[/bold] {found.description} ({found.food_group})")
    table = Table("Nutrient", "Per 100 g")
    for nutrient in NUTRIENTS:
        table.add_row(nutrient.label, _number(found.per_100g.get(nutrient.key), nutrient.unit))
    console.print(table)
    if found.measures:
        console.print("Household measures: " + "; ".join(m.label for m in found.measures))
    else:
        console.print("No household measures in SR28: log grams.")
    console.print(f"Source: {source}")
