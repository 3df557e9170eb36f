"""Exercise services for the web: her plan for this week, her log, and weekly minutes.

Each function checks access, audits, and runs in one unit of work (see services.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bonewise.exercise.adherence import (
    LoggedSession,
    SessionError,
    WeekSummary,
    logged_pain_weeks,
    new_session,
    programme_start,
    programme_week,
    week_summary,
)
from bonewise.exercise.catalogue import Exercise, UnknownExercise, default_catalogue
from bonewise.exercise.planner import Plan, Preferences, plan_week
from bonewise.exercise.safety import safety_profile
from bonewise.services.patients import Factory, InvalidInput, _audit_read, _authorize
from bonewise.store.accounts import AuditLog, User
from bonewise.store.exercise import ExerciseLogRepository
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork

HISTORY_WEEKS = 8


@dataclass(frozen=True, slots=True)
class ExerciseWeek:
    plan: Plan
    summary: WeekSummary
    sessions: list[LoggedSession]
    weekly_minutes: list[tuple[date, float]]  # (Monday, counted aerobic minutes), oldest first


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def exercise_week(factory: Factory, *, actor: User, patient_id: str, today: date) -> ExerciseWeek:
    monday = monday_of(today)
    first = monday - timedelta(weeks=HISTORY_WEEKS - 1)
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "read")
        record = PatientRepository(uow.session).get_or_raise(patient_id)
        # Her whole log: the programme starts with her first session, and pain steps it back.
        log = ExerciseLogRepository(uow.session).up_to(patient_id=patient_id, end=today)
        _audit_read(uow, actor, patient_id, "exercise plan and log")
        uow.commit()
    history = [s for s in log if s.performed_on >= first - timedelta(weeks=52)]
    start = programme_start(log)
    plan = plan_week(
        patient_id=patient_id,
        profile=safety_profile(record, as_of=today),
        preferences=Preferences(),
        as_of=today if start else monday,
        week=max(1, programme_week(today, start=start)) if start else 1,
        start=start,
        logged_pain=logged_pain_weeks(log, start=start) if start else None,
    )
    iso = today.isocalendar()
    summary = week_summary(history, iso_year=iso.year, iso_week=iso.week, today=today)
    weekly = []
    for n in range(HISTORY_WEEKS):
        start = first + timedelta(weeks=n)
        week_iso = start.isocalendar()
        weekly.append(
            (
                start,
                float(
                    week_summary(
                        history, iso_year=week_iso.year, iso_week=week_iso.week, today=today
                    ).aerobic_minutes
                ),
            )
        )
    this_week = [s for s in history if s.performed_on >= monday]
    return ExerciseWeek(plan, summary, list(reversed(this_week)), weekly)


def log_exercise(
    factory: Factory, *, actor: User, patient_id: str, entry: dict[str, Any], today: date
) -> LoggedSession:
    """Validate and store one session she did. Bad input: InvalidInput naming the field."""
    try:
        performed = entry.get("performed_on") or today.isoformat()
        performed_on = (
            performed if isinstance(performed, date) else date.fromisoformat(str(performed))
        )
    except ValueError as exc:
        raise InvalidInput.field(
            "performed_on", f"{entry.get('performed_on')!r} is not a date (YYYY-MM-DD)"
        ) from exc
    numbers: dict[str, Any] = {}
    for name in ("minutes", "effort", "sets", "reps", "pain", "load_kg"):
        value = entry.get(name)
        if value in (None, ""):
            continue
        try:
            numbers[name] = float(value) if name == "load_kg" else int(str(value))
        except ValueError as exc:
            raise InvalidInput.field(name, f"{value!r} is not a whole number") from exc
    if "minutes" not in numbers:
        raise InvalidInput.field("minutes", "give the minutes you did (1 or more)")
    try:
        logged = new_session(
            exercise_id=str(entry.get("exercise_id") or ""),
            performed_on=performed_on,
            today=today,
            **numbers,
        )
    except UnknownExercise as exc:
        raise InvalidInput.field("exercise_id", str(exc)) from exc
    except SessionError as exc:
        field = str(exc).split(" ", 1)[0]
        known = {"minutes", "effort", "pain", "sets", "reps", "load_kg", "date"}
        raise InvalidInput.field(
            "performed_on" if field == "date" else field if field in known else "exercise_id",
            str(exc),
        ) from exc
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "write")
        ExerciseLogRepository(uow.session).add(patient_id=patient_id, logged=logged)
        AuditLog(uow.session).record(
            actor=actor,
            action="write",
            what=f"exercise {logged.exercise_id} {logged.minutes} min on {logged.performed_on}",
            patient_id=patient_id,
        )
        uow.commit()
    return logged


def catalogue_choices() -> list[Exercise]:
    return sorted(default_catalogue(), key=lambda e: (e.kind, e.name))
