"""Food diary services for the web: search SR28, log a food, a day's totals against target,
and 30 days of calcium. Access checked and writes audited in the same unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bonewise.nutrition.models import UnknownMeasure, find_measure, grams_for
from bonewise.nutrition.targets import check_age
from bonewise.nutrition.totals import Progress, Summary, summarise, total
from bonewise.services.patients import Factory, InvalidInput, _audit_read, _authorize
from bonewise.store.accounts import AuditLog, User
from bonewise.store.food import (
    MEALS,
    DiaryEntry,
    DiaryRepository,
    FoodHit,
    FoodNotFound,
    FoodRepository,
    patient_targets,
)
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork

CHART_DAYS = 30
SEARCH_LIMIT = 15


@dataclass(frozen=True, slots=True)
class DiaryDay:
    day: date
    entries: list[DiaryEntry]
    summary: Summary
    calcium_by_day: list[tuple[date, float | None]]  # None: nothing logged that day


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


def search(factory: Factory, *, query: str, limit: int = SEARCH_LIMIT) -> list[FoodHit]:
    if len(query) > 100:
        raise InvalidInput.field("q", f"{len(query)} characters; search with at most 100")
    with UnitOfWork(factory) as uow:
        return FoodRepository(uow.session).search(query, limit=max(1, min(limit, 50)))


def diary_day(factory: Factory, *, actor: User, patient_id: str, day: date) -> DiaryDay:
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "read")
        record = PatientRepository(uow.session).get_or_raise(patient_id)
        try:  # her targets exist only for the adult ages the DRI tables cover
            check_age(record.patient.age_on(day))
        except ValueError as exc:
            raise InvalidInput(
                [
                    {
                        "loc": ["query", "day"],
                        "msg": f"{day.isoformat()}: {exc}",
                        "type": "value_error",
                    }
                ]
            ) from exc
        start = day - timedelta(days=CHART_DAYS - 1)
        diary = DiaryRepository(uow.session)
        foods = diary.foods(patient_id, start, day)
        supplements = diary.supplements(patient_id, start, day)
        _audit_read(uow, actor, patient_id, f"food diary {day.isoformat()}")
        uow.commit()
    intakes = [f.as_intake() for f in foods] + [s.as_intake() for s in supplements]
    summary = summarise(intakes, end=day, days=1, targets=patient_targets(record, day))
    by_day: list[tuple[date, float | None]] = []
    for n in range(CHART_DAYS):
        d = start + timedelta(days=n)
        that_day = [i for i in intakes if i.day == d]
        by_day.append((d, total("calcium_mg", that_day).known if that_day else None))
    entries = [e for e in foods if e.day == day]
    return DiaryDay(day, entries, summary, by_day)


def log_food(
    factory: Factory,
    *,
    actor: User,
    patient_id: str,
    day: date,
    today: date,
    meal: str,
    ndb_no: str,
    measure: str | None,
    quantity: float,
) -> DiaryEntry:
    """Log `quantity` x a household measure (its SR28 number), or `quantity` grams when
    `measure` is None or "g". Bad input raises InvalidInput; nothing is stored then."""
    if day > today:
        raise InvalidInput.field("day", f"{day.isoformat()} is in the future: log what you ate")
    if meal not in MEALS:
        raise InvalidInput.field("meal", f"{meal!r} is not one of {', '.join(MEALS)}")
    if not 0 < quantity <= 5000:
        raise InvalidInput.field("quantity", f"{quantity:g} is not allowed: give more than 0")
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "write")
        foods = FoodRepository(uow.session)
        try:
            food = foods.get_or_raise(ndb_no.strip())
        except FoodNotFound as exc:
            raise InvalidInput.field("ndb_no", str(exc)) from exc
        label: str | None = None
        try:
            if measure in (None, "", "g"):
                grams, count = quantity, None
            else:
                grams = grams_for(food, measure=str(measure), quantity=quantity)
                label, count = find_measure(food, str(measure)).label, quantity
        except UnknownMeasure as exc:
            raise InvalidInput.field("measure", str(exc)) from exc
        except ValueError as exc:
            raise InvalidInput.field("quantity", str(exc)) from exc
        try:
            entry = DiaryRepository(uow.session).add_food(
                patient_id=patient_id,
                day=day,
                meal=meal,
                food=food,
                grams=grams,
                measure=label,
                quantity=count,
                source=foods.source_of(food.ndb_no),
            )
        except ValueError as exc:
            raise InvalidInput.field("quantity", str(exc)) from exc
        AuditLog(uow.session).record(
            actor=actor,
            action="write",
            what=f"food diary {day.isoformat()} {meal}: {food.description[:80]}",
            patient_id=patient_id,
        )
        uow.commit()
    return entry
