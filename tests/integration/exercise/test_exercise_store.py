"""Logged sessions in the real store (SQLite file and PostgreSQL)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bonewise.exercise.adherence import new_session, week_summary
from bonewise.store.exercise import ExerciseLogRepository
from bonewise.store.patients import PatientNotFound
from bonewise.store.uow import UnitOfWork

from .conftest import store_example

TODAY = date(2026, 11, 27)


def session(exercise_id="brisk-walking", minutes=30, day=TODAY, **extra):
    return new_session(
        exercise_id=exercise_id, minutes=minutes, performed_on=day, today=TODAY, **extra
    )


def test_migration_creates_the_table_with_a_foreign_key_to_patients(factory):
    engine = factory.kw["bind"]
    inspector = inspect(engine)
    assert "exercise_sessions" in inspector.get_table_names()
    keys = inspector.get_foreign_keys("exercise_sessions")
    assert [(k["referred_table"], k["constrained_columns"]) for k in keys] == [
        ("patients", ["patient_id"])
    ]


def test_sessions_come_back_equal_and_in_order(factory):
    store_example(factory, "normal", "p1")
    logged = [
        session(
            "sit-to-stand",
            12,
            TODAY - timedelta(days=2),
            sets=2,
            reps=10,
            effort=6,
            load_kg=0.0,
            pain=0,
        ),
        session("brisk-walking", 30, TODAY, effort=5),
        session("tandem-stand", 10, TODAY - timedelta(days=1)),
    ]
    with UnitOfWork(factory) as uow:
        repo = ExerciseLogRepository(uow.session)
        for s in logged:
            repo.add(patient_id="p1", logged=s)
        uow.commit()
    with UnitOfWork(factory) as uow:
        back = ExerciseLogRepository(uow.session).between(
            patient_id="p1", start=TODAY - timedelta(days=6), end=TODAY
        )
    assert back == sorted(logged, key=lambda s: s.performed_on)
    summary = week_summary(back, iso_year=2026, iso_week=48, today=TODAY)
    assert summary.aerobic_minutes == 30 and summary.balance_days == 1


def test_unknown_patient_stores_nothing(factory):
    store_example(factory, "normal", "p1")
    with UnitOfWork(factory) as uow:
        repo = ExerciseLogRepository(uow.session)
        repo.add(patient_id="p1", logged=session())
        with pytest.raises(PatientNotFound, match="'nobody'"):
            repo.add(patient_id="nobody", logged=session())
    # The block failed before commit: not even p1's session was kept.
    with UnitOfWork(factory) as uow:
        assert ExerciseLogRepository(uow.session).count(patient_id="p1") == 0


def test_the_database_itself_refuses_orphans_and_non_positive_minutes(factory):
    store_example(factory, "normal", "p1")
    bad_rows = [
        ("ghost", 30),  # no such patient
        ("p1", 0),  # minutes must be positive
    ]
    for patient_id, minutes in bad_rows:
        with UnitOfWork(factory) as uow, pytest.raises(IntegrityError):
            uow.session.execute(
                text(
                    "INSERT INTO exercise_sessions (patient_id, performed_on, exercise_id, kind, "
                    "minutes, created_at) VALUES (:p, :d, 'walking', 'aerobic', :m, :d)"
                ),
                {"p": patient_id, "d": TODAY, "m": minutes},
            )
            uow.session.flush()
    with UnitOfWork(factory) as uow:
        assert ExerciseLogRepository(uow.session).count(patient_id="p1") == 0


def test_sessions_are_kept_per_patient(factory):
    store_example(factory, "normal", "a")
    store_example(factory, "osteoporosis", "b")
    with UnitOfWork(factory) as uow:
        repo = ExerciseLogRepository(uow.session)
        repo.add(patient_id="a", logged=session(minutes=20))
        repo.add(patient_id="b", logged=session(minutes=40))
        uow.commit()
    with UnitOfWork(factory) as uow:
        repo = ExerciseLogRepository(uow.session)
        assert [s.minutes for s in repo.between(patient_id="a", start=TODAY, end=TODAY)] == [20]
        assert [s.minutes for s in repo.between(patient_id="b", start=TODAY, end=TODAY)] == [40]


def test_up_to_returns_her_whole_log_until_a_day_and_feeds_the_pain_weeks(factory):
    from bonewise.exercise.adherence import logged_pain_weeks, programme_start

    store_example(factory, "normal", "p1")
    store_example(factory, "osteoporosis", "p2")
    first = session("walking", 20, TODAY - timedelta(weeks=60))  # older than a year
    hurt = session("brisk-walking", 30, TODAY - timedelta(days=8), pain=6)
    later = session("walking", 20, TODAY, pain=9)
    with UnitOfWork(factory) as uow:
        repo = ExerciseLogRepository(uow.session)
        for s in (later, hurt, first):
            repo.add(patient_id="p1", logged=s)
        repo.add(patient_id="p2", logged=session("walking", 20, TODAY, pain=10))
        uow.commit()
    with UnitOfWork(factory) as uow:
        repo = ExerciseLogRepository(uow.session)
        back = repo.up_to(patient_id="p1", end=TODAY - timedelta(days=1))
        assert repo.up_to(patient_id="nobody", end=TODAY) == []
    assert back == [first, hurt]  # oldest first, nothing after the day, nobody else's
    start = programme_start(back)
    assert start == first.performed_on - timedelta(days=first.performed_on.weekday())
    assert logged_pain_weeks(back, start=start) == {60: (hurt,)}  # 59 weeks and 4 days on


def test_a_withdrawn_session_stays_as_a_row_but_leaves_her_log(factory):
    from bonewise.services import exercise
    from bonewise.services.access import LOCAL_OPERATOR
    from bonewise.store.exercise import ExerciseSessionRow

    store_example(factory, "normal", patient_id="p-1")
    ids = [
        exercise.store_session(
            uow=UnitOfWork(factory),
            actor=LOCAL_OPERATOR,
            patient_id="p-1",
            logged=session(minutes=m),
        )
        for m in (30, 300)
    ]
    exercise.withdraw_session(
        uow=UnitOfWork(factory),
        actor=LOCAL_OPERATOR,
        patient_id="p-1",
        session_id=ids[1],
        reason="meant 30",
    )
    with UnitOfWork(factory) as uow:
        assert [s.minutes for s in uow.exercise.up_to(patient_id="p-1", end=TODAY)] == [30]
        assert [i for i, _ in uow.exercise.entries(patient_id="p-1", start=TODAY, end=TODAY)] == [
            ids[0]
        ]
        assert uow.exercise.count(patient_id="p-1") == 1
        row = uow.session.get(ExerciseSessionRow, ids[1])
        assert row is not None and row.minutes == 300 and row.withdrawn_reason == "meant 30"
