"""Corrections with a trail for her food diary and exercise log, on the in-memory unit of work:
a reason is required and bounded, the original leaves her totals and stays in the audit entry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bonewise.nutrition import supplements
from bonewise.services import exercise, nutrition
from bonewise.services.access import LOCAL_OPERATOR, Forbidden, InvalidInput
from bonewise.services.corrections import MIN_REASON_CHARS, quoted
from bonewise.store.base import MAX_REASON_CHARS
from bonewise.store.patients import PatientNotFound
from tests.unit.services.conftest import World

TODAY = date.today()


def _milk(world: World, grams: float = 100) -> nutrition.DiaryEntry:
    return nutrition.log_food(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        day=TODAY,
        meal="breakfast",
        ndb_no="01079",
        grams=grams,
        today=TODAY,
    )


def _calcium_today(world: World) -> float | None:
    day = nutrition.diary_day(uow=world.uow, actor=world.ann, patient_id="p-ann", day=TODAY)
    return dict(day.calcium_by_day)[TODAY]


def test_a_withdrawn_food_entry_leaves_her_totals_and_the_trail_keeps_the_original(
    world: World,
) -> None:
    entry = _milk(world)
    _milk(world, grams=50)
    assert _calcium_today(world) == pytest.approx(180.0)
    nutrition.withdraw_food_entry(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        entry_id=entry.id,
        reason="  ate it yesterday, not today ",
    )
    assert _calcium_today(world) == pytest.approx(60.0)
    audit = world.uow.audit.entries[-1]
    assert (audit.actor_email, audit.action) == ("ann@example.org", "write")
    assert audit.what.startswith(f"food entry {entry.id} withdrawn")
    assert audit.detail["reason"] == "ate it yesterday, not today"
    assert audit.detail["original"]["grams"] == 100
    assert audit.detail["original"]["calcium_mg"] == pytest.approx(120.0)
    with pytest.raises(nutrition.DiaryEntryNotFound):  # withdrawn once only
        nutrition.withdraw_food_entry(
            uow=world.uow, actor=world.ann, patient_id="p-ann", entry_id=entry.id, reason="again"
        )


def test_a_withdrawn_supplement_dose_leaves_her_totals_and_the_trail_keeps_it(
    world: World,
) -> None:
    _milk(world)
    dose = nutrition.log_supplement(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        day=TODAY,
        meal="dinner",
        dose=supplements.calcium("carbonate", elemental_mg=500),
    )
    assert _calcium_today(world) == pytest.approx(620.0)
    with pytest.raises(InvalidInput):  # a reason is needed; nothing is lost without one
        nutrition.withdraw_supplement_entry(
            uow=world.uow, actor=world.ann, patient_id="p-ann", entry_id=dose.id, reason=""
        )
    assert _calcium_today(world) == pytest.approx(620.0)
    with pytest.raises(PatientNotFound):  # not in another woman's diary
        nutrition.withdraw_supplement_entry(
            uow=world.uow,
            actor=LOCAL_OPERATOR,
            patient_id="p-nobody",
            entry_id=dose.id,
            reason="took it yesterday",
        )
    nutrition.withdraw_supplement_entry(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        entry_id=dose.id,
        reason="took it yesterday",
    )
    assert _calcium_today(world) == pytest.approx(120.0)
    audit = world.uow.audit.entries[-1]
    assert (audit.actor_email, audit.action) == ("ann@example.org", "write")
    assert audit.what.startswith(f"supplement entry {dose.id} withdrawn")
    assert audit.detail["reason"] == "took it yesterday"
    assert audit.detail["original"]["calcium_mg"] == pytest.approx(500.0)
    with pytest.raises(nutrition.DiaryEntryNotFound, match="no supplement entry"):
        nutrition.withdraw_supplement_entry(
            uow=world.uow, actor=world.ann, patient_id="p-ann", entry_id=dose.id, reason="again"
        )


def _calcium_dose(world: World, day: date = TODAY) -> nutrition.SupplementEntry:
    return nutrition.log_supplement(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        day=day,
        meal="dinner",
        dose=supplements.calcium("carbonate", elemental_mg=500, vitamin_d=400, units=2),
    )


def test_a_corrected_supplement_dose_replaces_the_original_and_the_trail_keeps_both(
    world: World,
) -> None:
    dose = _calcium_dose(world)
    assert _calcium_today(world) == pytest.approx(1000.0)
    corrected = nutrition.correct_supplement_entry(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        entry_id=dose.id,
        reason=" one tablet, not two ",
        day=TODAY,
        meal="breakfast",
        units=1,
        name="Caltrate 600+D",
        today=TODAY,
    )
    assert corrected.id != dose.id
    assert (corrected.meal, corrected.name, corrected.kind) == (
        "breakfast",
        "Caltrate 600+D",
        "calcium_carbonate",
    )
    assert corrected.nutrients["calcium_mg"] == pytest.approx(500.0)  # the same label, once
    assert corrected.nutrients["vitamin_d_iu"] == pytest.approx(400.0)
    assert corrected.label["elemental_mg"] == 500 and corrected.label["units"] == 1
    assert _calcium_today(world) == pytest.approx(500.0)
    assert world.uow.diary.withdrawn_supplements[-1] == (dose, "one tablet, not two")
    audit = world.uow.audit.entries[-1]
    assert (audit.actor_email, audit.action) == ("ann@example.org", "write")
    assert audit.what.startswith(f"supplement entry {dose.id} corrected")
    assert audit.detail["reason"] == "one tablet, not two"
    assert audit.detail["original"]["units"] == 2
    assert audit.detail["original"]["calcium_mg"] == pytest.approx(1000.0)
    assert audit.detail["corrected"]["units"] == 1
    assert audit.detail["corrected"]["name"] == "Caltrate 600+D"
    with pytest.raises(nutrition.DiaryEntryNotFound, match="no supplement entry"):
        nutrition.correct_supplement_entry(  # the original is no longer in force
            uow=world.uow,
            actor=world.ann,
            patient_id="p-ann",
            entry_id=dose.id,
            reason="again",
            day=TODAY,
            meal="dinner",
            units=1,
        )


def test_a_supplement_dose_moves_to_another_day_keeping_its_name(world: World) -> None:
    dose = _calcium_dose(world)
    yesterday = TODAY - timedelta(days=1)
    moved = nutrition.correct_supplement_entry(
        uow=world.uow,
        actor=LOCAL_OPERATOR,
        patient_id="p-ann",
        entry_id=dose.id,
        reason="taken yesterday",
        day=yesterday,
        meal="dinner",
        units=2,
        today=TODAY,
    )
    assert (moved.day, moved.name) == (yesterday, dose.name)
    assert _calcium_today(world) is None  # nothing left on the day it was logged
    assert world.uow.audit.entries[-1].actor_role == "operator"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"units": 0}, "units"),
        ({"units": float("nan")}, "units"),
        ({"units": 21}, "units"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"meal": "brunch"}, "meal"),
        ({"day": TODAY + timedelta(days=1)}, "day"),
        ({"day": date(1899, 12, 31)}, "day"),
    ],
)
def test_a_bad_supplement_correction_names_the_field_and_changes_nothing(
    world: World, change: dict[str, object], field: str
) -> None:
    dose = _calcium_dose(world)
    given: dict[str, object] = {
        "reason": "one tablet",
        "day": TODAY,
        "meal": "dinner",
        "units": 1,
        "today": TODAY,
    }
    audited = len(world.uow.audit.entries)
    with pytest.raises(InvalidInput) as raised:
        nutrition.correct_supplement_entry(
            uow=world.uow,
            actor=world.ann,
            patient_id="p-ann",
            entry_id=dose.id,
            **{**given, **change},  # type: ignore[arg-type]
        )
    assert raised.value.errors[0]["loc"][-1] == field
    assert world.uow.diary.supplement_entries == [dose]
    assert len(world.uow.audit.entries) == audited


def test_a_corrected_food_entry_replaces_the_original_in_her_totals(world: World) -> None:
    entry = _milk(world)
    corrected = nutrition.correct_food_entry(
        uow=world.uow,
        actor=LOCAL_OPERATOR,
        patient_id="p-ann",
        entry_id=entry.id,
        reason="it was two cups",
        day=TODAY,
        meal="lunch",
        measure="1",
        quantity=2,
        today=TODAY,
    )
    assert (corrected.ndb_no, corrected.meal, corrected.grams) == ("01079", "lunch", 488.0)
    assert _calcium_today(world) == pytest.approx(585.6)
    [(withdrawn, reason, replaced_by)] = world.uow.diary.withdrawn
    assert (withdrawn.id, reason, replaced_by) == (entry.id, "it was two cups", corrected.id)
    audit = world.uow.audit.entries[-1]
    assert audit.actor_email == "local operator (CLI)"
    assert audit.detail["original"]["grams"] == 100
    assert audit.detail["corrected"]["grams"] == 488.0


@pytest.mark.parametrize(
    "reason",
    ["", "  ", "x" * (MIN_REASON_CHARS - 1), "y" * (MAX_REASON_CHARS + 1), None],
)
def test_a_correction_needs_a_bounded_reason_and_otherwise_changes_nothing(
    world: World, reason: str | None
) -> None:
    entry = _milk(world)
    before = list(world.uow.audit.entries)
    with pytest.raises(InvalidInput) as raised:
        nutrition.withdraw_food_entry(
            uow=world.uow,
            actor=world.ann,
            patient_id="p-ann",
            entry_id=entry.id,
            reason=reason,  # type: ignore[arg-type]
        )
    [error] = raised.value.errors
    assert error["loc"] == ["body", "reason"]
    assert "why" in error["msg"] or "too long" in error["msg"]
    assert len(error["msg"]) < 100  # never echoes a long reason back
    assert world.uow.diary.food_entries == [entry]
    assert world.uow.audit.entries == before


def test_a_bad_correction_keeps_the_original_in_force(world: World) -> None:
    entry = _milk(world)
    with pytest.raises(InvalidInput) as raised:
        nutrition.correct_food_entry(
            uow=world.uow,
            actor=world.ann,
            patient_id="p-ann",
            entry_id=entry.id,
            reason="wrong amount",
            day=TODAY,
            meal="lunch",
            measure="bucket",
            today=TODAY,
        )
    assert raised.value.errors[0]["loc"] == ["body", "measure"]
    assert world.uow.diary.food_entries == [entry]
    assert world.uow.diary.withdrawn == []


def test_nobody_else_corrects_her_entries(world: World) -> None:
    entry = _milk(world)
    with pytest.raises(Forbidden):
        nutrition.withdraw_food_entry(
            uow=world.uow, actor=world.bea, patient_id="p-ann", entry_id=entry.id, reason="mine"
        )
    with pytest.raises(nutrition.DiaryEntryNotFound):  # Bea's diary has no such entry
        nutrition.withdraw_food_entry(
            uow=world.uow, actor=world.bea, patient_id="p-bea", entry_id=entry.id, reason="mine"
        )
    assert world.uow.diary.food_entries == [entry]


def _walk(world: World, minutes: int = 30, day: date = TODAY) -> int:
    exercise.log_exercise(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        entry={"exercise_id": "brisk-walking", "minutes": minutes, "performed_on": day},
        today=TODAY,
    )
    return world.uow.exercise.sessions[-1][0]


def _week(world: World) -> exercise.ExerciseWeek:
    return exercise.exercise_week(uow=world.uow, actor=world.ann, patient_id="p-ann", today=TODAY)


def test_a_withdrawn_session_leaves_her_week_and_the_trail_keeps_it(world: World) -> None:
    first = _walk(world, 40)
    _walk(world, 20)
    assert [m for _, m in _week(world).weekly_minutes][-1] == 60
    assert [i for i, _ in _week(world).entries] == [first + 1, first]
    exercise.withdraw_session(
        uow=world.uow, actor=world.ann, patient_id="p-ann", session_id=first, reason="logged twice"
    )
    week = _week(world)
    assert [m for _, m in week.weekly_minutes][-1] == 20
    assert [s.minutes for _, s in week.entries] == [20]
    audit = world.uow.audit.entries[-1]
    assert audit.detail == {
        "reason": "logged twice",
        "original": {**audit.detail["original"], "minutes": 40, "exercise_id": "brisk-walking"},
    }


def test_a_corrected_session_is_validated_and_replaces_the_original(world: World) -> None:
    first = _walk(world, 40)
    with pytest.raises(InvalidInput) as raised:
        exercise.correct_session(
            uow=world.uow,
            actor=world.ann,
            patient_id="p-ann",
            session_id=first,
            reason="it was 45",
            entry={"exercise_id": "brisk-walking", "minutes": 0},
            today=TODAY,
        )
    assert raised.value.errors[0]["loc"] == ["body", "minutes"]
    assert [s.minutes for _, _, s in world.uow.exercise.sessions] == [40]
    exercise.correct_session(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        session_id=first,
        reason="it was 45",
        entry={"exercise_id": "brisk-walking", "minutes": 45},
        today=TODAY,
    )
    assert [s.minutes for _, s in _week(world).entries] == [45]
    assert world.uow.audit.entries[-1].detail["corrected"]["minutes"] == 45
    with pytest.raises(exercise.SessionNotFound):  # the original is out of force now
        exercise.correct_session(
            uow=world.uow,
            actor=world.ann,
            patient_id="p-ann",
            session_id=first,
            reason="again",
            entry={"exercise_id": "brisk-walking", "minutes": 50},
            today=TODAY,
        )
    assert [s.minutes for _, s in _week(world).entries] == [45]  # rolled back whole


def test_an_error_quotes_at_most_a_short_excerpt() -> None:
    assert quoted("x" * 10_000) == repr("x" * 24 + "... (10,000 characters)")
    assert quoted("30") == "'30'"


def test_last_weeks_correction_counts_in_last_week(world: World) -> None:
    monday = TODAY - timedelta(days=TODAY.weekday())
    first = _walk(world, 40, day=monday - timedelta(days=3))
    exercise.withdraw_session(
        uow=world.uow, actor=world.ann, patient_id="p-ann", session_id=first, reason="not me"
    )
    assert [m for _, m in _week(world).weekly_minutes][-2] == 0
