"""This week's exercise plan (one rule for the web and the CLI) and the dashboard's single unit
of work, on the in-memory unit of work."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bonewise.exercise.adherence import new_session
from bonewise.services import exercise
from bonewise.services.access import LOCAL_OPERATOR, InvalidInput
from bonewise.services.dashboard import dashboard
from tests.unit.services.conftest import World

WEDNESDAY = date(2026, 11, 25)
MONDAY = date(2026, 11, 23)


def test_without_a_log_the_plan_covers_the_week_she_is_in(world: World) -> None:
    record = world.uow.patients.get_or_raise("p-ann")
    plan = exercise.this_weeks_plan(record, [], today=WEDNESDAY)
    assert plan.week == 1
    assert plan.days[0].date == MONDAY


def test_the_programme_starts_with_her_first_logged_session(world: World) -> None:
    first = new_session(
        exercise_id="walking", minutes=30, performed_on=MONDAY - timedelta(weeks=2), today=MONDAY
    )
    world.uow.exercise.add(patient_id="p-ann", logged=first)
    week = exercise.exercise_week(
        uow=world.uow, actor=world.ann, patient_id="p-ann", today=WEDNESDAY
    )
    record = world.uow.patients.get_or_raise("p-ann")
    cli_plan = exercise.this_weeks_plan(
        record,
        exercise.exercise_log(
            uow=world.uow, actor=LOCAL_OPERATOR, patient_id="p-ann", end=WEDNESDAY
        ),
        today=WEDNESDAY,
    )
    assert week.plan.week == cli_plan.week == 3
    assert week.plan.as_dict() == cli_plan.as_dict()


def test_a_logged_session_is_stored_and_audited(world: World) -> None:
    logged = exercise.log_exercise(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        entry={"exercise_id": "brisk-walking", "minutes": "40", "performed_on": MONDAY.isoformat()},
        today=WEDNESDAY,
    )
    assert world.uow.exercise.count(patient_id="p-ann") == 1
    assert world.uow.audit.entries[-1].what == f"exercise brisk-walking 40 min on {MONDAY}"
    assert logged.minutes == 40


def test_a_bad_session_names_the_field_and_stores_nothing(world: World) -> None:
    with pytest.raises(InvalidInput) as raised:
        exercise.log_exercise(
            uow=world.uow,
            actor=world.ann,
            patient_id="p-ann",
            entry={"exercise_id": "walking", "minutes": "lots"},
            today=WEDNESDAY,
        )
    assert raised.value.errors[0]["loc"] == ["body", "minutes"]
    assert world.uow.exercise.count(patient_id="p-ann") == 0


def test_the_dashboard_reads_everything_in_one_unit_of_work_and_audits_once(
    world: World,
) -> None:
    found = dashboard(uow=world.uow, actor=world.lee, patient_id="p-ann", today=date.today())
    assert world.uow.entered == 1
    [entry] = world.uow.audit.entries
    assert (entry.actor_email, entry.action) == ("dr.lee@example.org", "read")
    assert found.patient_name == "Ann"
    assert found.assessment is not None
    assert len(found.exercise.weekly_minutes) == exercise.HISTORY_WEEKS
    assert all(v is None for _, v in found.nutrition.calcium_by_day)
