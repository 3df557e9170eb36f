"""Nutrition services: the SR28 food database, her food diary and supplements, totals against her
targets, foods that close today's gap, food groups and intake cautions.

Every function is keyword-only and takes a unit of work (entered here) and, for her diary, the
acting user: access is checked and writes are audited in the same unit of work, so a failed
call leaves the store as it was. Bad input raises InvalidInput naming the field;
PatientNotFound is a LookupError.

Pure helpers the pages may call directly: `bonewise.nutrition.targets.targets_for`,
`bonewise.nutrition.supplements` (build a SupplementDose), `bonewise.nutrition.cautions`,
`bonewise.nutrition.totals.summary_json`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from bonewise.clinical.calendar import EARLIEST_DAY
from bonewise.clinical.facts import on_aromatase_inhibitor
from bonewise.clinical.models import PatientRecord
from bonewise.importers import sr28
from bonewise.nutrition.cautions import (
    AlcoholReport,
    CaffeineReport,
    Caution,
    alcohol_report,
    caffeine_report,
    supplement_cautions,
)
from bonewise.nutrition.food_groups import GroupCoverage, coverage, seed_groups
from bonewise.nutrition.models import Food, UnknownMeasure, check_grams, find_measure, grams_for
from bonewise.nutrition.suggestions import SUGGESTIBLE_NUTRIENTS, Exclusion, Suggestion, suggest
from bonewise.nutrition.supplements import PLAUSIBLE_MAX, SupplementDose
from bonewise.nutrition.targets import Targets, check_age, targets_for
from bonewise.nutrition.totals import PERIOD_DAYS, Intake, Progress, Summary, summarise
from bonewise.services.access import (
    Actor,
    InvalidInput,
    Operator,
    audit_read,
    audit_write,
    readable_record,
)
from bonewise.services.access import check_access as _check_access
from bonewise.services.corrections import checked_reason, trail_detail
from bonewise.store.food import (
    CONCURRENT_IMPORT_WAIT_S,
    MEALS,
    DiaryEntry,
    FoodHit,
    FoodNotFound,
    ProgressCallback,
    SupplementEntry,
    check_meal,
)
from bonewise.store.uow import UnitOfWork

CHART_DAYS = 30
SEARCH_LIMIT = 15
MAX_SEARCH_LIMIT = 10_000  # more than SR28 has foods: the pages ask for at most 50
MAX_QUERY_CHARS = 100

__all__ = ["MEALS", "DiaryEntry", "FoodHit", "FoodNotFound", "SupplementEntry"]


# --- the food database (reference data: the local operator loads it) ---------------------------
def import_food_database(
    *, uow: UnitOfWork, actor: Operator, on_progress: ProgressCallback | None = None
) -> int:
    """Load (or refresh) all SR28 foods in one transaction; returns the number of foods."""
    source = sr28.provenance().label
    with uow:
        saved = uow.foods.save_all(sr28.read_foods(), source=source, on_progress=on_progress)
        audit_write(uow, actor, what=f"food database imported: {saved} foods", patient_id=None)
        uow.commit()
    return saved


def ensure_food_database(
    *, uow: UnitOfWork, actor: Operator, on_progress: ProgressCallback | None = None
) -> int:
    """Import SR28 if the foods table is empty; returns the number of foods stored."""
    with uow:
        count = uow.foods.count()
    if count:
        return count
    try:
        return import_food_database(uow=uow, actor=actor, on_progress=on_progress)
    except (IntegrityError, OperationalError):
        # Another process is importing SR28 at the same time: wait for its copy.
        deadline = time.monotonic() + CONCURRENT_IMPORT_WAIT_S
        while time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                with uow:
                    count = uow.foods.count()
            except OperationalError:
                continue
            if count:
                return count
        raise


def search_foods(*, uow: UnitOfWork, query: str, limit: int = SEARCH_LIMIT) -> list[FoodHit]:
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput.field(
            "q", f"{len(query)} characters; search with at most {MAX_QUERY_CHARS}"
        )
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise InvalidInput.field("limit", f"{limit}: use a number from 1 to {MAX_SEARCH_LIMIT}")
    with uow:
        return uow.foods.search(query, limit=limit)


def get_food(*, uow: UnitOfWork, ndb_no: str) -> Food:
    with uow:
        return uow.foods.get_or_raise(ndb_no.strip())


def food_source(*, uow: UnitOfWork, ndb_no: str) -> str:
    """Where a stored food's values come from (provenance of the import)."""
    with uow:
        return uow.foods.source_of(ndb_no)


def foods_in_group(*, uow: UnitOfWork, group_id: str) -> list[Food]:
    """SR28 foods tagged with one of the seed's food groups (calcium_rich, vitamin_d_rich,
    anti_inflammatory, vitamin_k_sources)."""
    group = next((g for g in seed_groups() if g.id == group_id), None)
    if group is None:
        known = ", ".join(g.id for g in seed_groups())
        raise InvalidInput.field("group", f"group={group_id!r}: use one of {known}")
    with uow:
        foods = uow.foods.all_foods()
    return [f for f in foods if group.includes(f.description, f.food_group_code)]


# --- her diary -----------------------------------------------------------------------------------
def patient_targets(record: PatientRecord, day: date) -> Targets:
    """Targets for her age on `day`; the AIBL goals while she is on an aromatase inhibitor
    (the core's answer: started on or before the day and not ended)."""
    on_ai = on_aromatase_inhibitor(record.therapy, day)
    return targets_for(age=record.patient.age_on(day), on_aromatase_inhibitor=on_ai)


def targets_on(record: PatientRecord, day: date, *, field: str = "day") -> Targets:
    """Her targets on `day`; they exist only for the adult ages the DRI tables cover."""
    try:
        check_age(record.patient.age_on(day))
    except ValueError as exc:
        raise InvalidInput(
            [{"loc": ["query", field], "msg": f"{day.isoformat()}: {exc}", "type": "value_error"}]
        ) from exc
    return patient_targets(record, day)


def intakes_between(*, uow: UnitOfWork, patient_id: str, start: date, end: date) -> list[Intake]:
    """Inside an open unit of work: her foods and supplements from `start` to `end`."""
    return [e.as_intake() for e in uow.diary.foods(patient_id, start, end)] + [
        s.as_intake() for s in uow.diary.supplements(patient_id, start, end)
    ]


def calcium_by_day(
    *, uow: UnitOfWork, patient_id: str, end: date, days: int = CHART_DAYS
) -> list[tuple[date, float | None]]:
    """Inside an open unit of work: known calcium per day (None: nothing logged that day),
    summed by the database."""
    start = end - timedelta(days=days - 1)
    sums = uow.diary.daily_totals(patient_id, start=start, end=end, nutrient="calcium_mg")
    return [(d, sums.get(d)) for d in (start + timedelta(days=n) for n in range(days))]


@dataclass(frozen=True, slots=True)
class DiaryDay:
    day: date
    entries: list[DiaryEntry]
    summary: Summary
    calcium_by_day: list[tuple[date, float | None]]  # None: nothing logged that day
    supplements: list[SupplementEntry] = field(default_factory=list)


def diary_day_in(*, uow: UnitOfWork, record: PatientRecord, day: date) -> DiaryDay:
    """Inside an open unit of work, access already checked: her day and 30 days of calcium."""
    targets = targets_on(record, day)
    foods = uow.diary.foods(record.id, day, day)
    supplements = uow.diary.supplements(record.id, day, day)
    intakes = [f.as_intake() for f in foods] + [s.as_intake() for s in supplements]
    summary = summarise(intakes, end=day, days=1, targets=targets)
    return DiaryDay(
        day, foods, summary, calcium_by_day(uow=uow, patient_id=record.id, end=day), supplements
    )


def diary_day(*, uow: UnitOfWork, actor: Actor, patient_id: str, day: date) -> DiaryDay:
    """Her day's entries and totals against her targets, and 30 days of calcium."""
    with uow:
        record = readable_record(uow, actor, patient_id)
        found = diary_day_in(uow=uow, record=record, day=day)
        audit_read(uow, actor, patient_id, f"food diary {day.isoformat()}")
        uow.commit()
    return found


@dataclass(frozen=True, slots=True)
class IntakeTile:
    """A nutrient's day as the pages show it. Unknown is not zero: `amount` is None when no
    logged item has a value for it, and a partly unknown amount is shown as "at least"."""

    nutrient: str
    unit: str
    goal: float
    amount: float | None
    status: str
    at_least: bool  # part of what she ate has no value: the true amount may be higher
    note: str

    @property
    def shown(self) -> str:
        if self.amount is None:
            return "unknown"
        return f"{'at least ' if self.at_least else ''}{self.amount:,.0f}"


def intake_tile(progress: Progress) -> IntakeTile:
    t = progress.target
    return IntakeTile(
        nutrient=t.nutrient,
        unit=t.unit,
        goal=t.goal,
        amount=round(progress.amount) if progress.known else None,
        status=progress.status,
        at_least=progress.known and progress.unknown_share > 0,
        note=progress.note,
    )


def _meal_or_raise(meal: str) -> None:
    try:
        check_meal(meal)
    except ValueError as exc:
        raise InvalidInput.field("meal", str(exc)) from exc


def _check_day(day: date, today: date | None, *, future: str, past: str) -> None:
    """A diary day: not after `today` (when given), not before EARLIEST_DAY; the words say
    what to enter instead."""
    if today is not None and day > today:
        raise InvalidInput.field("day", f"{day.isoformat()} is in the future: {future}")
    if day < EARLIEST_DAY:
        raise InvalidInput.field(
            "day", f"{day.isoformat()} is before {EARLIEST_DAY.isoformat()}: {past}"
        )


def _check_food_input(
    *,
    day: date,
    meal: str,
    grams: float | None,
    measure: str | None,
    quantity: float | None,
    today: date | None,
) -> None:
    _check_day(day, today, future="log what you ate", past="give the day you ate it")
    _meal_or_raise(meal)
    if (grams is None) == (measure is None):
        raise InvalidInput.field(
            "measure", "give either grams, or a measure (with a quantity, default 1)"
        )
    if quantity is not None and measure is None:
        raise InvalidInput.field(
            "quantity", f"quantity={quantity:g} needs a measure (e.g. cup); or give grams alone"
        )


def _add_food_in(
    uow: UnitOfWork,
    *,
    patient_id: str,
    day: date,
    meal: str,
    ndb_no: str,
    grams: float | None,
    measure: str | None,
    quantity: float | None,
) -> DiaryEntry:
    """Inside an open unit of work, access checked: store one food entry."""
    try:
        food = uow.foods.get_or_raise(ndb_no.strip())
    except FoodNotFound as exc:
        raise InvalidInput.field("ndb_no", str(exc)) from exc
    label: str | None = None
    count: float | None = None
    try:
        if measure is not None:
            count = 1.0 if quantity is None else quantity
            grams = grams_for(food, measure=measure, quantity=count)
            label = find_measure(food, measure).label
        assert grams is not None
        return uow.diary.add_food(
            patient_id=patient_id,
            day=day,
            meal=meal,
            food=food,
            grams=check_grams(grams),
            measure=label,
            quantity=count,
            source=uow.foods.source_of(food.ndb_no),
        )
    except UnknownMeasure as exc:
        raise InvalidInput.field("measure", str(exc)) from exc
    except ValueError as exc:
        raise InvalidInput.field("quantity", str(exc)) from exc


def log_food(
    *,
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    day: date,
    meal: str,
    ndb_no: str,
    grams: float | None = None,
    measure: str | None = None,
    quantity: float | None = None,
    today: date | None = None,
) -> DiaryEntry:
    """Log a food as `grams`, or as `quantity` (default 1) x one of its SR28 household
    measures. Bad input raises InvalidInput naming the field; nothing is stored then."""
    _check_food_input(
        day=day, meal=meal, grams=grams, measure=measure, quantity=quantity, today=today
    )
    with uow:
        _check_access(uow, actor, patient_id, "write")
        entry = _add_food_in(
            uow,
            patient_id=patient_id,
            day=day,
            meal=meal,
            ndb_no=ndb_no,
            grams=grams,
            measure=measure,
            quantity=quantity,
        )
        audit_write(
            uow,
            actor,
            what=f"food diary {day.isoformat()} {meal}: {entry.description[:80]}",
            patient_id=patient_id,
        )
        uow.commit()
    return entry


def entry_json(e: DiaryEntry) -> dict[str, Any]:
    """A food entry as the API and the audit trail give it."""
    return {
        "id": e.id,
        "day": e.day.isoformat(),
        "meal": e.meal,
        "ndb_no": e.ndb_no,
        "description": e.description,
        "grams": e.grams,
        "measure": e.measure,
        "quantity": e.quantity,
        "calcium_mg": e.nutrients.get("calcium_mg"),
        "vitamin_d_iu": e.nutrients.get("vitamin_d_iu"),
        "source": e.source,
    }


def withdraw_food_entry(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, entry_id: int, reason: str
) -> DiaryEntry:
    """Withdraw one of her food entries with a reason: it leaves her totals and suggestions,
    the row stays, and the audit entry keeps who, when, the reason and the original.
    Raises DiaryEntryNotFound when she has no such entry in force."""
    why = checked_reason(reason)
    with uow:
        _check_access(uow, actor, patient_id, "write")
        original = uow.diary.withdraw_food(patient_id=patient_id, entry_id=entry_id, reason=why)
        if original is None:
            raise DiaryEntryNotFound(patient_id, "food", entry_id)
        audit_write(
            uow,
            actor,
            what=f"food entry {entry_id} withdrawn: {original.description[:80]}",
            patient_id=patient_id,
            detail=trail_detail(reason=why, original=entry_json(original)),
        )
        uow.commit()
    return original


def correct_food_entry(
    *,
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    entry_id: int,
    reason: str,
    day: date,
    meal: str,
    grams: float | None = None,
    measure: str | None = None,
    quantity: float | None = None,
    today: date | None = None,
) -> DiaryEntry:
    """Correct one of her food entries (day, meal, amount) with a reason: a new entry takes
    its place in her totals; the original is withdrawn, kept in the store and, with the
    reason and the correction, in the audit entry. Same checks as `log_food`."""
    why = checked_reason(reason)
    _check_food_input(
        day=day, meal=meal, grams=grams, measure=measure, quantity=quantity, today=today
    )
    with uow:
        _check_access(uow, actor, patient_id, "write")
        current = uow.diary.food_entry(patient_id=patient_id, entry_id=entry_id)
        if current is None:
            raise DiaryEntryNotFound(patient_id, "food", entry_id)
        corrected = _add_food_in(
            uow,
            patient_id=patient_id,
            day=day,
            meal=meal,
            ndb_no=current.ndb_no,
            grams=grams,
            measure=measure,
            quantity=quantity,
        )
        uow.diary.withdraw_food(
            patient_id=patient_id, entry_id=entry_id, reason=why, replaced_by=corrected.id
        )
        audit_write(
            uow,
            actor,
            what=f"food entry {entry_id} corrected: {current.description[:80]}",
            patient_id=patient_id,
            detail=trail_detail(
                reason=why, original=entry_json(current), corrected=entry_json(corrected)
            ),
        )
        uow.commit()
    return corrected


def log_supplement(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, day: date, meal: str, dose: SupplementDose
) -> SupplementEntry:
    """Log a supplement dose (build it with bonewise.nutrition.supplements)."""
    _meal_or_raise(meal)
    with uow:
        _check_access(uow, actor, patient_id, "write")
        entry = uow.diary.add_supplement(patient_id=patient_id, day=day, meal=meal, dose=dose)
        audit_write(
            uow,
            actor,
            what=f"supplement {day.isoformat()} {meal}: {dose.name[:80]}",
            patient_id=patient_id,
        )
        uow.commit()
    return entry


class DiaryEntryNotFound(LookupError):
    def __init__(self, patient_id: str, kind: str, entry_id: int) -> None:
        super().__init__(f"patient {patient_id!r} has no {kind} entry with id {entry_id}")


def supplement_json(e: SupplementEntry) -> dict[str, Any]:
    """A supplement dose as the audit trail keeps it."""
    return {
        "id": e.id,
        "day": e.day.isoformat(),
        "meal": e.meal,
        "kind": e.kind,
        "name": e.name,
        "label": e.label,
        "units": e.label.get("units"),
        "calcium_mg": e.nutrients.get("calcium_mg"),
        "vitamin_d_iu": e.nutrients.get("vitamin_d_iu"),
    }


def withdraw_supplement_entry(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, entry_id: int, reason: str
) -> SupplementEntry:
    """Withdraw one of her supplement doses with a reason, as `withdraw_food_entry` does a
    food: it leaves her totals, the row stays, and the audit entry keeps who, when, the
    reason and the original. Raises DiaryEntryNotFound when she has no such dose in force."""
    why = checked_reason(reason)
    with uow:
        _check_access(uow, actor, patient_id, "write")
        original = uow.diary.withdraw_supplement(
            patient_id=patient_id, entry_id=entry_id, reason=why
        )
        if original is None:
            raise DiaryEntryNotFound(patient_id, "supplement", entry_id)
        audit_write(
            uow,
            actor,
            what=f"supplement entry {entry_id} withdrawn: {original.name[:80]}",
            patient_id=patient_id,
            detail=trail_detail(reason=why, original=supplement_json(original)),
        )
        uow.commit()
    return original


MAX_SUPPLEMENT_NAME_CHARS = 120  # the store's column


def _corrected_dose(current: SupplementEntry, *, units: float, name: str) -> SupplementDose:
    """The dose as it should be: the same label (what one tablet, drop or scoop holds),
    `units` of it, named `name`. Raises InvalidInput naming the field."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput.field("name", "give the product name as on the label")
    if len(name) > MAX_SUPPLEMENT_NAME_CHARS:
        raise InvalidInput.field(
            "name", f"the name is {len(name)} characters: at most {MAX_SUPPLEMENT_NAME_CHARS}"
        )
    if not units > 0:  # also NaN
        raise InvalidInput.field("units", "give how many you took: more than 0")
    if units > PLAUSIBLE_MAX["units"]:
        raise InvalidInput.field(
            "units", f"{units:g} at once is more than {PLAUSIBLE_MAX['units']:g}: check the number"
        )
    logged_units = float(current.label.get("units") or 1.0)

    def per_unit(key: str) -> float:
        return float(current.nutrients.get(key) or 0.0) / logged_units

    try:
        return SupplementDose(
            kind=current.kind,  # type: ignore[arg-type]
            name=name,
            calcium_mg=per_unit("calcium_mg"),
            vitamin_d_iu=per_unit("vitamin_d_iu"),
            vitamin_k_ug=per_unit("vitamin_k_ug") or None,
            magnesium_mg=per_unit("magnesium_mg") or None,
            units=units,
            label={k: v for k, v in current.label.items() if k != "units"},
        )
    except ValueError as exc:  # more in one dose than a label could hold
        raise InvalidInput.field(
            "units", f"{units:g} of these hold more than one dose could: check the number"
        ) from exc


def correct_supplement_entry(
    *,
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    entry_id: int,
    reason: str,
    day: date | None = None,
    meal: str | None = None,
    units: float | None = None,
    name: str | None = None,
    today: date | None = None,
) -> SupplementEntry:
    """Correct one of her supplement doses (day, meal, how many, product name; None keeps
    what was logged) with a reason, as `correct_food_entry` does a food: a new dose of the
    same label takes its place in her totals; the original is withdrawn, kept in the store
    and, with the reason and the correction, in the audit entry. Raises DiaryEntryNotFound
    when she has no such dose in force, InvalidInput naming the field on bad input (nothing
    is stored)."""
    why = checked_reason(reason)
    if day is not None:
        _check_day(day, today, future="give the day taken", past="give the day you took it")
    if meal is not None:
        _meal_or_raise(meal)
    with uow:
        _check_access(uow, actor, patient_id, "write")
        current = uow.diary.supplement_entry(patient_id=patient_id, entry_id=entry_id)
        if current is None:
            raise DiaryEntryNotFound(patient_id, "supplement", entry_id)
        dose = _corrected_dose(
            current,
            units=float(current.label.get("units") or 1.0) if units is None else units,
            name=current.name if name is None else name,
        )
        corrected = uow.diary.add_supplement(
            patient_id=patient_id,
            day=current.day if day is None else day,
            meal=current.meal if meal is None else meal,
            dose=dose,
        )
        uow.diary.withdraw_supplement(patient_id=patient_id, entry_id=entry_id, reason=why)
        audit_write(
            uow,
            actor,
            what=f"supplement entry {entry_id} corrected: {current.name[:80]}",
            patient_id=patient_id,
            detail=trail_detail(
                reason=why,
                original=supplement_json(current),
                corrected=supplement_json(corrected),
            ),
        )
        uow.commit()
    return corrected


@dataclass(frozen=True, slots=True)
class DayLog:
    patient_id: str
    day: date
    foods: tuple[DiaryEntry, ...]
    supplements: tuple[SupplementEntry, ...]


def day_log(*, uow: UnitOfWork, actor: Actor, patient_id: str, day: date) -> DayLog:
    """What she logged on one day, foods and supplements."""
    with uow:
        _check_access(uow, actor, patient_id, "read")
        found = DayLog(
            patient_id,
            day,
            tuple(uow.diary.foods(patient_id, day, day)),
            tuple(uow.diary.supplements(patient_id, day, day)),
        )
        audit_read(uow, actor, patient_id, f"food diary {day.isoformat()}")
        uow.commit()
    return found


def period_summary(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, end: date, days: int
) -> Summary:
    """Totals for the 1, 7 or 30 days ending on `end`, against her targets, with warnings."""
    if days not in PERIOD_DAYS:
        raise InvalidInput.field(
            "days", f"days={days}: use one of {', '.join(map(str, PERIOD_DAYS))}"
        )
    with uow:
        record = readable_record(uow, actor, patient_id)
        intakes = intakes_between(
            uow=uow, patient_id=patient_id, start=end - timedelta(days=days - 1), end=end
        )
        audit_read(uow, actor, patient_id, f"food diary, {days} days to {end.isoformat()}")
        uow.commit()
    return summarise(intakes, end=end, days=days, targets=patient_targets(record, end))


def day_summary(*, uow: UnitOfWork, actor: Actor, patient_id: str, day: date) -> Summary:
    return period_summary(uow=uow, actor=actor, patient_id=patient_id, end=day, days=1)


@dataclass(frozen=True, slots=True)
class SuggestionResult:
    nutrient: str
    gap: float  # what is missing today to reach her goal
    goal: float
    exclusions: tuple[str, ...]
    suggestions: tuple[Suggestion, ...]


def suggest_foods(
    *,
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    day: date,
    nutrient: str = "calcium_mg",
    exclusions: Sequence[Exclusion] = (),
    limit: int = 10,
) -> SuggestionResult:
    """Foods whose usual serving closes most of today's calcium (or vitamin D) gap."""
    if nutrient not in SUGGESTIBLE_NUTRIENTS:
        raise InvalidInput.field(
            "nutrient", f"nutrient={nutrient!r}: use {' or '.join(SUGGESTIBLE_NUTRIENTS)}"
        )
    summary = day_summary(uow=uow, actor=actor, patient_id=patient_id, day=day)
    progress = summary.progress_for(nutrient)
    with uow:
        foods = uow.foods.all_foods()
    found = suggest(foods, nutrient=nutrient, gap=progress.gap, exclusions=exclusions, limit=limit)
    return SuggestionResult(
        nutrient, progress.gap, progress.target.goal, tuple(exclusions), tuple(found)
    )


def food_group_coverage(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, day: date
) -> list[GroupCoverage]:
    """Which of the seed's four food groups the day's diary covered, with the foods."""
    log = day_log(uow=uow, actor=actor, patient_id=patient_id, day=day)
    return coverage((e.description, e.food_group_code) for e in log.foods)


@dataclass(frozen=True, slots=True)
class IntakeCautions:
    days: int
    days_logged: int
    alcohol: AlcoholReport  # per logged day
    caffeine: CaffeineReport  # per logged day
    supplements: tuple[tuple[str, Caution], ...]  # (supplement name as logged, caution)


def intake_cautions(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, day: date, days: int = 1
) -> IntakeCautions:
    """Alcohol (grams and units) and caffeine per logged day, and cautions for the
    supplements she logged, over the 1, 7 or 30 days ending on `day`."""
    summary = period_summary(uow=uow, actor=actor, patient_id=patient_id, end=day, days=days)
    return cautions_of(summary)


def cautions_of(summary: Summary) -> IntakeCautions:
    per_day = max(summary.days_logged, 1)
    alcohol = summary.totals["alcohol_g"]
    caffeine = summary.totals["caffeine_mg"]
    flagged = tuple(
        (name, c)
        for name in dict.fromkeys(i.description for i in summary.intakes if i.kind == "supplement")
        for c in supplement_cautions(name)
    )
    return IntakeCautions(
        days=summary.days,
        days_logged=summary.days_logged,
        alcohol=alcohol_report(alcohol.known / per_day, unknown_share=alcohol.unknown_share),
        caffeine=caffeine_report(caffeine.known / per_day, unknown_share=caffeine.unknown_share),
        supplements=flagged,
    )
