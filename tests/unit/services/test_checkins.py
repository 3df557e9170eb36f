"""Check-in services on the in-memory unit of work: stored and audited, bad input stores
nothing, her dashboard carries the trend, the clinician's panel the flags, and check-in pain
steps her exercise plan back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bonewise.clinical.checkin import LOW_ADHERENCE_RULE, PERSISTENT_PAIN_RULE
from bonewise.exercise.adherence import new_session
from bonewise.services import checkins, exercise
from bonewise.services.access import Forbidden, InvalidInput
from bonewise.services.assessment import clinician_panel
from bonewise.services.dashboard import dashboard
from tests.unit.services.conftest import World

TODAY = date(2026, 12, 1)


def answer(world: World, on: date, pain: int, missed: int | None = 0) -> None:
    checkins.record_checkin(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        entry={
            "answered_on": on.isoformat(),
            "worst_pain": str(pain),
            "stiffness": "30_to_60",
            "missed_ai_days": "" if missed is None else str(missed),
        },
        today=TODAY,
    )


def test_a_check_in_is_stored_and_audited(world: World) -> None:
    answer(world, TODAY, 3)
    assert world.uow.checkins.count(patient_id="p-ann") == 1
    assert world.uow.audit.entries[-1].what == f"weekly check-in for {TODAY}"


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"worst_pain": "12", "stiffness": "none"}, "worst_pain"),
        ({"worst_pain": "lots", "stiffness": "none"}, "worst_pain"),
        ({"worst_pain": "", "stiffness": "none"}, "worst_pain"),
        ({"worst_pain": "3"}, "stiffness"),
        ({"worst_pain": "3", "stiffness": "none", "missed_ai_days": "9"}, "missed_ai_days"),
        ({"worst_pain": "3", "stiffness": "none", "answered_on": "tomorrow"}, "answered_on"),
    ],
)
def test_bad_answers_name_the_field_and_store_nothing(
    world: World, entry: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        checkins.record_checkin(
            uow=world.uow, actor=world.ann, patient_id="p-ann", entry=entry, today=TODAY
        )
    assert err.value.errors[0]["loc"] == ["body", field]
    assert world.uow.checkins.count(patient_id="p-ann") == 0


def test_only_she_and_her_clinician_read_her_check_ins(world: World) -> None:
    answer(world, TODAY, 3)
    assert checkins.trend(uow=world.uow, actor=world.lee, patient_id="p-ann", today=TODAY)
    for stranger in (world.bea, world.roe):
        with pytest.raises(Forbidden):
            checkins.trend(uow=world.uow, actor=stranger, patient_id="p-ann", today=TODAY)


def test_her_dashboard_shows_the_week_and_her_clinicians_panel_the_flags(world: World) -> None:
    for weeks_ago, pain in ((1, 6), (0, 7)):
        answer(world, TODAY - timedelta(weeks=weeks_ago), pain, missed=3)
    board = dashboard(uow=world.uow, actor=world.ann, patient_id="p-ann", today=TODAY)
    assert board.checkins is not None and board.checkins.latest is not None
    assert board.checkins.latest.worst_pain == 7
    (row,) = clinician_panel(uow=world.uow, actor=world.lee, as_of=TODAY)
    assert {f.rule_id for f in row.checkin_flags} == {PERSISTENT_PAIN_RULE, LOW_ADHERENCE_RULE}
    assert any(r.startswith("Persistent joint pain") for r in row.reasons)


def test_check_in_pain_steps_her_exercise_plan_back(world: World) -> None:
    start = TODAY - timedelta(weeks=2)
    first = new_session(exercise_id="brisk-walking", minutes=30, performed_on=start, today=TODAY)
    world.uow.exercise.add(patient_id="p-ann", logged=first)
    before = exercise.exercise_week(uow=world.uow, actor=world.ann, patient_id="p-ann", today=TODAY)
    assert not before.plan.as_dict()["targets"]["stepped_back_for_pain"]
    answer(world, TODAY - timedelta(weeks=1), 6)  # programme week 2: week 3 steps back
    after = exercise.exercise_week(uow=world.uow, actor=world.ann, patient_id="p-ann", today=TODAY)
    assert after.plan.as_dict()["targets"]["stepped_back_for_pain"]
