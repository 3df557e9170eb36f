"""Her food diary through the nutrition services, on the in-memory unit of work."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bonewise.clinical.facts import derive_facts
from bonewise.nutrition import supplements
from bonewise.services import nutrition
from bonewise.services.access import Forbidden, InvalidInput
from tests.unit.clinical.builders import record
from tests.unit.services.conftest import World

TODAY = date.today()


def _log(world: World, **kwargs: object) -> nutrition.DiaryEntry:
    args: dict[str, object] = {
        "uow": world.uow,
        "actor": world.ann,
        "patient_id": "p-ann",
        "day": TODAY,
        "meal": "breakfast",
        "ndb_no": "01079",
        "today": TODAY,
    }
    return nutrition.log_food(**(args | kwargs))  # type: ignore[arg-type]


def test_a_food_logged_by_household_measure_is_stored_with_its_grams_and_audited(
    world: World,
) -> None:
    entry = _log(world, measure="1", quantity=2)
    assert (entry.grams, entry.measure, entry.quantity) == (488.0, "1 cup = 244 g", 2)
    assert entry.nutrients["calcium_mg"] == pytest.approx(585.6)
    [audit] = world.uow.audit.entries
    assert audit.what.startswith(f"food diary {TODAY.isoformat()} breakfast: Milk")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"day": TODAY + timedelta(days=1), "grams": 100}, "day"),
        ({"meal": "brunch", "grams": 100}, "meal"),
        ({"grams": 0}, "quantity"),
        ({"ndb_no": "00000", "grams": 100}, "ndb_no"),
        ({"measure": "bucket"}, "measure"),
        ({}, "measure"),  # neither grams nor a measure
    ],
)
def test_bad_food_entries_name_the_field_and_store_nothing(
    world: World, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        _log(world, **kwargs)
    assert raised.value.errors[0]["loc"] == ["body", field]
    assert world.uow.diary.food_entries == []
    assert world.uow.audit.entries == []


def test_only_the_patient_herself_or_the_operator_writes_her_diary(world: World) -> None:
    with pytest.raises(Forbidden):
        _log(world, actor=world.bea, grams=100)


def test_diary_day_counts_supplements_and_keeps_unknown_days_unknown(world: World) -> None:
    _log(world, grams=100)  # 120 mg today
    _log(world, ndb_no="99999", grams=200, day=TODAY - timedelta(days=2))  # no calcium value
    nutrition.log_supplement(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        day=TODAY - timedelta(days=1),
        meal="dinner",
        dose=supplements.calcium("carbonate", elemental_mg=500),
    )
    day = nutrition.diary_day(uow=world.uow, actor=world.lee, patient_id="p-ann", day=TODAY)
    by_day = dict(day.calcium_by_day)
    assert len(day.calcium_by_day) == nutrition.CHART_DAYS
    assert by_day[TODAY] == pytest.approx(120.0)
    assert by_day[TODAY - timedelta(days=1)] == pytest.approx(500.0)
    assert by_day[TODAY - timedelta(days=2)] == 0.0  # logged, but nothing known
    assert by_day[TODAY - timedelta(days=3)] is None  # nothing logged: unknown, not zero
    assert [e.ndb_no for e in day.entries] == ["01079"]
    assert day.summary.progress_for("calcium_mg").amount == pytest.approx(120.0)
    assert world.uow.audit.entries[-1].action == "read"  # her clinician's read


def test_a_diary_entry_leaves_her_totals_only_by_withdrawal_with_a_reason(world: World) -> None:
    entry = _log(world, grams=100)
    assert not hasattr(nutrition, "remove_diary_entry")  # no hard delete without a trail
    with pytest.raises(InvalidInput):
        nutrition.withdraw_food_entry(
            uow=world.uow, actor=world.ann, patient_id="p-ann", entry_id=entry.id, reason=" "
        )
    assert world.uow.diary.food_entries == [entry]  # a refused withdrawal loses nothing
    nutrition.withdraw_food_entry(
        uow=world.uow, actor=world.ann, patient_id="p-ann", entry_id=entry.id, reason="not mine"
    )
    assert world.uow.diary.food_entries == []
    assert [a.what for a in world.uow.audit.entries][-1].startswith(
        f"food entry {entry.id} withdrawn"
    )
    assert world.uow.audit.entries[-1].detail["reason"] == "not mine"


def test_suggestions_close_todays_calcium_gap(world: World) -> None:
    found = nutrition.suggest_foods(uow=world.uow, actor=world.ann, patient_id="p-ann", day=TODAY)
    assert found.gap == found.goal > 0
    assert {s.food.ndb_no for s in found.suggestions} <= {"01079", "11233"}


@pytest.mark.parametrize(
    "day, on_ai",
    [
        (date(2025, 5, 31), False),  # the day before the AI start
        (date(2025, 6, 1), True),
        (date(2026, 5, 31), True),
        (date(2026, 6, 1), False),  # the end day: off it, as the core's rules say
    ],
)
def test_her_targets_are_on_the_ai_exactly_when_the_core_says_so(day: date, on_ai: bool) -> None:
    her = record(
        therapy={"agent": "anastrozole", "start_date": "2025-06-01", "end_date": "2026-06-01"}
    )
    assert derive_facts(her, as_of=day).on_ai is on_ai
    assert nutrition.patient_targets(her, day).on_aromatase_inhibitor is on_ai
