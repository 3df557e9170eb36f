"""`bonewise food`, `bonewise diary` and `bonewise nutrition`: the SR28 food database, the
food and supplement diary, and intake against targets.

Every command works on the store (BONEWISE_DATABASE_URL or the local SQLite file) through the
service functions in `bonewise.services.nutrition`, as the local operator (every write is in
the audit log); the food commands load SR28 on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bonewise.cli.common import fail, parse_day, print_json
from bonewise.importers import sr28
from bonewise.nutrition import cautions, suggestions, supplements, targets, totals
from bonewise.nutrition.models import NUTRIENT_BY_KEY, NUTRIENTS
from bonewise.services import nutrition
from bonewise.services.access import LOCAL_OPERATOR, InvalidInput
from bonewise.store.food import MEALS, FoodNotFound, measure_json
from bonewise.store.uow import UnitOfWork, open_store
from bonewise.units import shown_unit

app = typer.Typer(
    help="The USDA SR28 food database (8,789 foods): import, search, show.", no_args_is_help=True
)

T = TypeVar("T")
console = Console()
errors = Console(stderr=True)


def _load(uow: UnitOfWork, *, always: bool) -> int:
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
            return nutrition.import_food_database(
                uow=uow, actor=LOCAL_OPERATOR, on_progress=advance
            )
        return nutrition.ensure_food_database(uow=uow, actor=LOCAL_OPERATOR, on_progress=advance)


def food_store() -> UnitOfWork:
    """The migrated store with the food database loaded (imported on first use)."""
    uow = UnitOfWork(open_store())
    _load(uow, always=False)
    return uow


def _number(value: float | None, unit: str) -> str:
    return "unknown" if value is None else f"{round(value, 1):g} {unit}".rstrip()


@app.command("import")
def import_foods() -> None:
    """Load (or refresh) all SR28 foods into the store. Safe to run again: same result."""
    uow = UnitOfWork(open_store())
    count = _load(uow, always=True)
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
    hits = nutrition.search_foods(uow=food_store(), query=query, limit=limit)
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
            _number(h.vitamin_k_ug_per_100g, "µg"),
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
        "measures": [measure_json(m) for m in found.measures],
        "source": source,
    }


@app.command("show")
def show(
    ndb_no: Annotated[str, typer.Argument(help="5-digit SR28 NDB number, e.g. 11233.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """All kept nutrients per 100 g (unknown where SR28 has no value) and household measures."""
    uow = food_store()
    try:
        found = nutrition.get_food(uow=uow, ndb_no=ndb_no)
    except FoodNotFound as exc:
        fail(str(exc))
    source = nutrition.food_source(uow=uow, ndb_no=found.ndb_no)
    if as_json:
        print_json(food_json(found, source))
        return
    console.print(f"[bold]{found.ndb_no}[/bold] {found.description} ({found.food_group})")
    table = Table("Nutrient", "Per 100 g")
    for nutrient in NUTRIENTS:
        table.add_row(
            nutrient.label, _number(found.per_100g.get(nutrient.key), shown_unit(nutrient.unit))
        )
    console.print(table)
    if found.measures:
        console.print("Household measures: " + "; ".join(m.label for m in found.measures))
    else:
        console.print("No household measures in SR28: log grams.")
    console.print(f"Source: {source}")


# --- bonewise diary ------------------------------------------------------------------------------

diary_app = typer.Typer(
    help="Log foods and supplements for a patient; show a day, week or month against her targets.",
    no_args_is_help=True,
)
PatientOption = Annotated[
    str, typer.Option("--patient", help="Patient id (store it first with `bonewise patient add`).")
]
DateOption = Annotated[str | None, typer.Option("--date", help="Day, YYYY-MM-DD (default: today).")]
MealOption = Annotated[str, typer.Option("--meal", help=f"One of: {', '.join(MEALS)}.")]


def _run(action: Callable[[], T]) -> T:
    """Run a service call; bad input or an unknown patient/food exits 2 with the reason."""
    try:
        return action()
    except InvalidInput as exc:
        fail("; ".join(str(e["msg"]) for e in exc.errors))
    except (LookupError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        fail(str(message))


@diary_app.command("add")
def diary_add(
    ndb_no: Annotated[str, typer.Argument(help="5-digit SR28 NDB number (see `food search`).")],
    grams: Annotated[float | None, typer.Option(help="Amount eaten in grams.")] = None,
    measure: Annotated[
        str | None,
        typer.Option(help='A household measure of the food as SR28 names it, e.g. "cup".'),
    ] = None,
    quantity: Annotated[
        float | None, typer.Option(help="How many of --measure (default 1).")
    ] = None,
    meal: MealOption = "other",
    day: DateOption = None,
    patient: PatientOption = "local",
) -> None:
    """Log a food as --grams, or as --measure x --quantity (nothing is stored on bad input)."""
    when = parse_day(day, option="--date")
    uow = food_store()
    entry = _run(
        lambda: nutrition.log_food(
            uow=uow,
            actor=LOCAL_OPERATOR,
            patient_id=patient,
            day=when,
            meal=meal,
            ndb_no=ndb_no,
            grams=grams,
            measure=measure,
            quantity=quantity,
        )
    )
    amount = f"{entry.grams:g} g" + (
        f" ({entry.quantity:g} x {entry.measure})" if entry.measure else ""
    )
    calcium = entry.nutrients.get("calcium_mg")
    typer.echo(
        f"logged {amount} of {entry.ndb_no} {entry.description} for {patient} on "
        f"{entry.day.isoformat()} ({entry.meal}): calcium {_number(calcium, 'mg')}"
    )


@diary_app.command("withdraw")
def diary_withdraw(
    entry_id: Annotated[int, typer.Argument(help="The food entry's id (`diary show --json`).")],
    reason: Annotated[str, typer.Option(help="Why it is withdrawn (3-200 characters).")],
    patient: PatientOption = "local",
) -> None:
    """Withdraw a food entry with a reason: it leaves her totals; the audit log keeps it."""
    uow = food_store()
    entry = _run(
        lambda: nutrition.withdraw_food_entry(
            uow=uow, actor=LOCAL_OPERATOR, patient_id=patient, entry_id=entry_id, reason=reason
        )
    )
    typer.echo(
        f"withdrew entry {entry.id} ({entry.grams:g} g of {entry.description}, "
        f"{entry.day.isoformat()}) for {patient}; the audit log keeps it"
    )


@diary_app.command("supplement")
def diary_supplement(
    kind: Annotated[
        str, typer.Argument(help="calcium-carbonate, calcium-citrate, vitamin-d3 or multivitamin.")
    ],
    compound_mg: Annotated[
        float | None, typer.Option(help="Calcium: mg of the salt per tablet (e.g. 1250).")
    ] = None,
    elemental_mg: Annotated[
        float | None,
        typer.Option(help="Calcium: mg of elemental calcium per tablet, as on the label."),
    ] = None,
    vitamin_d: Annotated[
        float, typer.Option(help="Vitamin D per tablet (see --vitamin-d-unit).")
    ] = 0.0,
    vitamin_d_unit: Annotated[str, typer.Option(help="IU or ug.")] = "IU",
    calcium_mg: Annotated[float, typer.Option(help="Multivitamin: calcium mg per tablet.")] = 0.0,
    vitamin_k_ug: Annotated[
        float, typer.Option(help="Multivitamin: vitamin K ug per tablet.")
    ] = 0.0,
    magnesium_mg: Annotated[
        float, typer.Option(help="Multivitamin: magnesium mg per tablet.")
    ] = 0.0,
    units: Annotated[float, typer.Option(help="Tablets taken at once.")] = 1.0,
    name: Annotated[str, typer.Option(help="Product name as on the label.")] = "",
    meal: MealOption = "other",
    day: DateOption = None,
    patient: PatientOption = "local",
) -> None:
    """Log a supplement dose from its label (elemental calcium is worked out from the salt)."""
    when = parse_day(day, option="--date")
    if vitamin_d_unit not in ("IU", "ug"):
        fail(f"--vitamin-d-unit {vitamin_d_unit!r}: use IU or ug")
    unit = cast(supplements.VitaminDUnit, vitamin_d_unit)

    def dose() -> supplements.SupplementDose:
        if kind in ("calcium-carbonate", "calcium-citrate"):
            form = cast(supplements.CalciumForm, kind.removeprefix("calcium-"))
            return supplements.calcium(
                form,
                name=name,
                compound_mg=compound_mg,
                elemental_mg=elemental_mg,
                vitamin_d=vitamin_d,
                vitamin_d_unit=unit,
                units=units,
            )
        if kind == "vitamin-d3":
            return supplements.vitamin_d3(vitamin_d, unit, name=name, units=units)
        if kind == "multivitamin":
            return supplements.multivitamin(
                name=name or "multivitamin",
                calcium_mg=calcium_mg,
                vitamin_d=vitamin_d,
                vitamin_d_unit=unit,
                vitamin_k_ug=vitamin_k_ug,
                magnesium_mg=magnesium_mg,
                units=units,
            )
        raise ValueError(
            f"kind {kind!r}: use calcium-carbonate, calcium-citrate, vitamin-d3 or multivitamin"
        )

    uow = UnitOfWork(open_store())
    entry = _run(
        lambda: nutrition.log_supplement(
            uow=uow, actor=LOCAL_OPERATOR, patient_id=patient, day=when, meal=meal, dose=dose()
        )
    )
    n = entry.nutrients
    typer.echo(
        f"logged {entry.name} for {patient} on {entry.day.isoformat()}: calcium "
        f"{n['calcium_mg'] or 0:g} mg elemental, vitamin D {n['vitamin_d_iu'] or 0:g} IU"
    )
    for caution in cautions.supplement_cautions(entry.name):
        errors.print(f"[yellow]Ask your oncology team:[/yellow] {caution.text}")


SupplementIdArgument = Annotated[
    int, typer.Argument(help="The supplement dose's id (`diary show --json`).")
]
ReasonOption = Annotated[str, typer.Option(help="Why (3-200 characters).")]


@diary_app.command("supplement-correct")
def diary_supplement_correct(
    entry_id: SupplementIdArgument,
    reason: ReasonOption,
    units: Annotated[
        float | None, typer.Option(help="Tablets (drops, scoops) taken at once, corrected.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Product name as on the label.")] = None,
    meal: Annotated[str | None, typer.Option("--meal", help=f"One of: {', '.join(MEALS)}.")] = None,
    day: Annotated[str | None, typer.Option("--date", help="Day taken, YYYY-MM-DD.")] = None,
    patient: PatientOption = "local",
) -> None:
    """Correct a supplement dose with a reason (what is not given stays as logged): the
    corrected dose replaces it in her totals; the audit log keeps the original."""
    when = None if day is None else parse_day(day, option="--date")
    uow = UnitOfWork(open_store())
    entry = _run(
        lambda: nutrition.correct_supplement_entry(
            uow=uow,
            actor=LOCAL_OPERATOR,
            patient_id=patient,
            entry_id=entry_id,
            reason=reason,
            day=when,
            meal=meal,
            units=units,
            name=name,
            today=date.today(),
        )
    )
    n = entry.nutrients
    typer.echo(
        f"corrected dose {entry_id} as dose {entry.id}: {entry.label.get('units', 1):g} x "
        f"{entry.name} for {patient} on {entry.day.isoformat()} ({entry.meal}): calcium "
        f"{n['calcium_mg'] or 0:g} mg elemental, vitamin D {n['vitamin_d_iu'] or 0:g} IU; "
        "the audit log keeps the original"
    )


@diary_app.command("supplement-withdraw")
def diary_supplement_withdraw(
    entry_id: SupplementIdArgument,
    reason: ReasonOption,
    patient: PatientOption = "local",
) -> None:
    """Withdraw a supplement dose with a reason: it leaves her totals; the audit log keeps it."""
    uow = UnitOfWork(open_store())
    entry = _run(
        lambda: nutrition.withdraw_supplement_entry(
            uow=uow, actor=LOCAL_OPERATOR, patient_id=patient, entry_id=entry_id, reason=reason
        )
    )
    typer.echo(
        f"withdrew dose {entry.id} ({entry.name}, {entry.day.isoformat()}) for {patient}; "
        "the audit log keeps it"
    )


@diary_app.command("show")
def diary_show(
    day: DateOption = None,
    days: Annotated[int, typer.Option(help="1 (the day), 7 or 30 days ending on --date.")] = 1,
    patient: PatientOption = "local",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Entries and totals against her targets, with the share that is unknown, and warnings."""
    when = parse_day(day, option="--date")
    uow = UnitOfWork(open_store())
    summary = _run(
        lambda: nutrition.period_summary(
            uow=uow, actor=LOCAL_OPERATOR, patient_id=patient, end=when, days=days
        )
    )
    groups = nutrition.food_group_coverage(
        uow=uow, actor=LOCAL_OPERATOR, patient_id=patient, day=when
    )
    found_cautions = nutrition.intake_cautions(
        uow=uow, actor=LOCAL_OPERATOR, patient_id=patient, day=when, days=days
    )
    if as_json:
        data = totals.summary_json(summary)
        data["food_groups"] = [
            {"id": g.group.id, "label": g.group.label, "covered": g.covered, "foods": g.foods}
            for g in groups
        ]
        data["alcohol"] = {
            "grams_per_day": round(found_cautions.alcohol.grams, 1),
            "uk_units_per_day": round(found_cautions.alcohol.uk_units, 2),
            "us_standard_drinks_per_day": round(found_cautions.alcohol.us_standard_drinks, 2),
            "at_or_above_risk_threshold": found_cautions.alcohol.at_or_above_risk_threshold,
            "text": found_cautions.alcohol.text,
        }
        data["caffeine"] = {
            "mg_per_day": round(found_cautions.caffeine.mg, 1),
            "text": found_cautions.caffeine.text,
        }
        data["supplement_cautions"] = [
            {"supplement": name, "caution": c.id, "text": c.text}
            for name, c in found_cautions.supplements
        ]
        data["entries"] = [
            {
                "id": i.entry_id,
                "day": i.day.isoformat(),
                "meal": i.meal,
                "kind": i.kind,
                "description": i.description,
                "grams": i.grams,
                "nutrients": i.nutrients,
            }
            for i in summary.intakes
        ]
        print_json(data)
        return
    title = (
        summary.end.isoformat()
        if days == 1
        else f"{summary.start.isoformat()} to {summary.end.isoformat()}"
    )
    console.print(f"[bold]{patient}: {title}[/bold] ({summary.days_logged} day(s) logged)")
    if summary.intakes:
        table = Table("Day", "Meal", "Entry", "Grams", "Calcium mg", "Vit D IU", "Vit K µg")
        for i in summary.intakes:
            table.add_row(
                i.day.isoformat(),
                i.meal,
                i.description,
                "" if i.grams is None else f"{i.grams:g}",
                _number(i.nutrients.get("calcium_mg"), ""),
                _number(i.nutrients.get("vitamin_d_iu"), ""),
                _number(i.nutrients.get("vitamin_k_ug"), ""),
            )
        console.print(table)
    label = "per logged day" if days > 1 else "today"
    for p in summary.progress:
        name = NUTRIENT_BY_KEY[p.target.nutrient].label
        console.print(f"{name} {label}: {p.note} - {p.status}")
    for w in summary.warnings:
        console.print(f"[yellow]Note:[/yellow] {w.message}")
    covered = [g.group.label for g in groups if g.covered]
    missing = [g.group.label for g in groups if not g.covered]
    if days == 1:
        console.print(
            "Food groups covered: "
            + (", ".join(covered) or "none")
            + (f"; not yet: {', '.join(missing)}" if missing else "")
        )
    if summary.intakes:
        console.print(found_cautions.alcohol.text, markup=False)
        console.print(found_cautions.caffeine.text, markup=False)
    for name, c in found_cautions.supplements:
        console.print(f"[yellow]{name}:[/yellow] {c.text}")


# --- bonewise nutrition --------------------------------------------------------------------------

nutrition_app = typer.Typer(
    help="Daily intake targets with their sources, and foods that close today's gap.",
    no_args_is_help=True,
)


@nutrition_app.command("suggest")
def nutrition_suggest(
    nutrient: Annotated[
        str, typer.Option(help="calcium or vitamin-d: the gap to close today.")
    ] = "calcium",
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="dairy-free, vegan or fish-free (repeat for several)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many foods (1-50).")] = 10,
    day: DateOption = None,
    patient: PatientOption = "local",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Foods whose usual serving closes most of today's calcium or vitamin D gap."""
    when = parse_day(day, option="--date")
    keys = {"calcium": "calcium_mg", "vitamin-d": "vitamin_d_iu"}
    if nutrient not in keys:
        fail(f"--nutrient {nutrient!r}: use calcium or vitamin-d")
    if not 1 <= limit <= 50:
        fail(f"--limit {limit}: use a number from 1 to 50")
    chosen = [e.replace("-", "_") for e in (exclude or [])]
    uow = food_store()
    result = _run(
        lambda: nutrition.suggest_foods(
            uow=uow,
            actor=LOCAL_OPERATOR,
            patient_id=patient,
            day=when,
            nutrient=keys[nutrient],
            exclusions=cast(list[suggestions.Exclusion], chosen),
            limit=limit,
        )
    )
    if as_json:
        print_json(
            {
                "nutrient": result.nutrient,
                "gap": round(result.gap, 1),
                "goal": result.goal,
                "exclusions": list(result.exclusions),
                "suggestions": [
                    {
                        "ndb_no": s.food.ndb_no,
                        "description": s.food.description,
                        "serving": s.serving.label,
                        "amount": round(s.amount, 1),
                        "share_of_gap": round(s.share_of_gap, 3),
                        "note": s.note,
                    }
                    for s in result.suggestions
                ],
            }
        )
        return
    unit = shown_unit(NUTRIENT_BY_KEY[result.nutrient].unit)
    if result.gap <= 0:
        typer.echo(f"No gap today: the goal of {result.goal:,.0f} {unit} is reached.")
        return
    typer.echo(f"Today's gap: {result.gap:,.0f} {unit} (goal {result.goal:,.0f} {unit}).")
    for s in result.suggestions:
        typer.echo("  " + suggestions.describe(s, result.nutrient))


@nutrition_app.command("cautions")
def nutrition_cautions(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Supplements to ask the oncology team about, each with its sources."""
    found = cautions.catalogue()
    if as_json:
        print_json(
            [
                {
                    "id": c.id,
                    "name": c.name,
                    "text": c.text,
                    "evidence": [
                        {"statement": p.statement, "citation": p.citation, "tag": p.tag}
                        for p in c.evidence
                    ],
                }
                for c in found
            ]
        )
        return
    for c in found:
        console.print(f"[bold]{c.name}[/bold]")
        console.print(f"  {c.text}", markup=False)
        for p in c.evidence:
            console.print(f"  - ({p.tag}) {p.statement} {p.citation}", markup=False)


@nutrition_app.command("targets")
def nutrition_targets(
    age: Annotated[int, typer.Option(help="Age in years (19-120).")],
    aromatase_inhibitor: Annotated[
        bool,
        typer.Option(
            "--aromatase-inhibitor/--no-aromatase-inhibitor",
            help="Use the AIBL goals for women on an aromatase inhibitor (default) or IOM only.",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Calcium, vitamin D and vitamin K a day, with upper limits and their citations."""
    found = _run(lambda: targets.targets_for(age=age, on_aromatase_inhibitor=aromatase_inhibitor))
    if as_json:
        print_json(
            {
                "age": found.age,
                "on_aromatase_inhibitor": found.on_aromatase_inhibitor,
                "targets": [totals.target_json(t) for t in found.all],
            }
        )
        return
    for t in found.all:
        name = NUTRIENT_BY_KEY[t.nutrient].label
        limit = (
            "no upper limit set" if t.upper_limit is None else f"upper limit {t.upper_limit:,.0f}"
        )
        console.print(
            f"[bold]{name}[/bold]: goal {t.goal:,.0f} {shown_unit(t.unit)} a day; {limit}"
        )
        console.print(f"  {t.explanation}")
        for c in t.basis:
            console.print(f"  - ({c.evidence}) {c.note}: {c.citation}", markup=False)
