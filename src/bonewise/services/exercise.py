"""Exercise services: this week's plan (assembled here once, for the web and the CLI), her log,
and weekly minutes. Each function checks access and audits in one unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from bonewise.clinical.assessment import Assessment
from bonewise.clinical.checkin import CheckIn, checkin_pain_weeks
from bonewise.clinical.models import PatientRecord
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
from bonewise.exercise.safety import safety_profile, safety_profile_from
from bonewise.services.access import (
    Actor,
    InvalidInput,
    audit_read,
    audit_write,
    check_access,
    readable_record,
)
from bonewise.services.corrections import checked_reason, quoted, trail_detail
from bonewise.store.uow import UnitOfWork

HISTORY_WEEKS = 8


@dataclass(frozen=True, slots=True)
class ExerciseWeek:
    plan: Plan
    summary: WeekSummary
    sessions: list[LoggedSession]
    weekly_minutes: list[tuple[date, float]]  # (Monday, counted aerobic minutes), oldest first
    # This week's sessions with their ids, newest first, for the page's corrections (read
    # only by `exercise_week`: the dashboard does not need them).
    entries: tuple[tuple[int, LoggedSession], ...] = ()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def this_weeks_plan(
    record: PatientRecord,
    log: Sequence[LoggedSession],
    *,
    today: date,
    preferences: Preferences | None = None,
    start: date | None = None,
    week: int | None = None,
    pain_weeks: Iterable[int] = (),
    assessment: Assessment | None = None,
    checkins: Sequence[CheckIn] = (),
) -> Plan:
    """Her plan for the week holding `today`: the one rule the web and the CLI share.

    The programme starts on the Monday of `start`'s week, else of her first logged session,
    else this week (so a first plan covers the week she is in); pain she logged, or reported in
    a weekly check-in (`checkins`), steps the week after back. `week` overrides the programme
    week (1 = the first). `assessment`: hers on `today`, when the caller has it already (the
    safety profile is read from it)."""
    programme = programme_start(list(log), start=start)
    if week is None:
        week = max(1, programme_week(today, start=programme)) if programme else 1
    return plan_week(
        patient_id=record.id,
        profile=(
            safety_profile_from(assessment, record)
            if assessment is not None
            else safety_profile(record, as_of=today)
        ),
        preferences=preferences or Preferences(),
        as_of=today if programme else monday_of(today),
        week=week,
        pain_weeks=frozenset(pain_weeks)
        | {w for w in checkin_pain_weeks(checkins, start=programme or today) if w < week},
        start=programme,
        logged_pain=logged_pain_weeks(list(log), start=programme) if programme else None,
    )


def exercise_week_in(
    *, uow: UnitOfWork, record: PatientRecord, today: date, assessment: Assessment | None = None
) -> ExerciseWeek:
    """Inside an open unit of work, access already checked: this week's plan, her week so far
    and eight weeks of counted aerobic minutes."""
    monday = monday_of(today)
    first = monday - timedelta(weeks=HISTORY_WEEKS - 1)
    # Her whole log: the programme starts with her first session, and pain steps it back.
    log = uow.exercise.up_to(patient_id=record.id, end=today)
    history = [s for s in log if s.performed_on >= first - timedelta(weeks=52)]
    checkins = uow.checkins.between(patient_id=record.id, end=today)
    plan = this_weeks_plan(record, log, today=today, assessment=assessment, checkins=checkins)
    iso = today.isocalendar()
    summary = week_summary(history, iso_year=iso.year, iso_week=iso.week, today=today)
    by_week: dict[date, list[LoggedSession]] = {}
    for s in history:
        by_week.setdefault(monday_of(s.performed_on), []).append(s)
    weekly = []
    for n in range(HISTORY_WEEKS):
        week_start = first + timedelta(weeks=n)
        week_iso = week_start.isocalendar()
        # Only that week's sessions: its counted minutes need no streak history.
        counted = week_summary(
            by_week.get(week_start, []), iso_year=week_iso.year, iso_week=week_iso.week, today=today
        )
        weekly.append((week_start, float(counted.aerobic_minutes)))
    this_week = [s for s in history if s.performed_on >= monday]
    return ExerciseWeek(plan, summary, list(reversed(this_week)), weekly)


def exercise_week(*, uow: UnitOfWork, actor: Actor, patient_id: str, today: date) -> ExerciseWeek:
    with uow:
        record = readable_record(uow, actor, patient_id)
        week = exercise_week_in(uow=uow, record=record, today=today)
        entries = uow.exercise.entries(patient_id=patient_id, start=monday_of(today), end=today)
        found = replace(week, entries=tuple(reversed(entries)))
        audit_read(uow, actor, patient_id, "exercise plan and log")
        uow.commit()
    return found


def exercise_log(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, start: date | None = None, end: date
) -> list[LoggedSession]:
    """Her logged sessions up to `end` (from `start` when given), oldest first."""
    with uow:
        check_access(uow, actor, patient_id, "read")
        found = (
            uow.exercise.up_to(patient_id=patient_id, end=end)
            if start is None
            else uow.exercise.between(patient_id=patient_id, start=start, end=end)
        )
        audit_read(uow, actor, patient_id, "exercise log")
        uow.commit()
    return found


def validated_session(entry: dict[str, Any], *, today: date) -> LoggedSession:
    """A session from the form's or the API's fields; InvalidInput naming the field."""
    try:
        performed = entry.get("performed_on") or today.isoformat()
        performed_on = (
            performed if isinstance(performed, date) else date.fromisoformat(str(performed))
        )
    except ValueError as exc:
        raise InvalidInput.field(
            "performed_on", f"{quoted(entry.get('performed_on'))} is not a date (YYYY-MM-DD)"
        ) from exc
    numbers: dict[str, Any] = {}
    for name in ("minutes", "effort", "sets", "reps", "pain", "load_kg"):
        value = entry.get(name)
        if value in (None, ""):
            continue
        try:
            numbers[name] = float(value) if name == "load_kg" else int(str(value))
        except ValueError as exc:
            raise InvalidInput.field(name, f"{quoted(value)} is not a whole number") from exc
    if "minutes" not in numbers:
        raise InvalidInput.field("minutes", "give the minutes you did (1 or more)")
    try:
        return new_session(
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


def log_exercise(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, entry: dict[str, Any], today: date
) -> LoggedSession:
    """Validate and store one session she did. Bad input: InvalidInput naming the field."""
    logged = validated_session(entry, today=today)
    store_session(uow=uow, actor=actor, patient_id=patient_id, logged=logged)
    return logged


class SessionNotFound(LookupError):
    def __init__(self, patient_id: str, session_id: int) -> None:
        super().__init__(f"patient {patient_id!r} has no exercise session with id {session_id}")


def withdraw_session(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, session_id: int, reason: str
) -> LoggedSession:
    """Withdraw one of her logged sessions with a reason: it leaves her week, streaks and plan;
    the row stays, and the audit entry keeps who, when, the reason and the original."""
    why = checked_reason(reason)
    with uow:
        check_access(uow, actor, patient_id, "write")
        original = uow.exercise.withdraw(patient_id=patient_id, session_id=session_id, reason=why)
        if original is None:
            raise SessionNotFound(patient_id, session_id)
        audit_write(
            uow,
            actor,
            what=f"exercise session {session_id} withdrawn: {original.exercise_id}",
            patient_id=patient_id,
            detail=trail_detail(reason=why, original=original.as_dict()),
        )
        uow.commit()
    return original


def correct_session(
    *,
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    session_id: int,
    reason: str,
    entry: dict[str, Any],
    today: date,
) -> LoggedSession:
    """Correct one of her logged sessions with a reason: the corrected session (validated as
    a new one) takes its place; the original stays in the store and the audit entry."""
    why = checked_reason(reason)
    corrected = validated_session(entry, today=today)
    with uow:
        check_access(uow, actor, patient_id, "write")
        new_id = uow.exercise.add(patient_id=patient_id, logged=corrected)
        original = uow.exercise.withdraw(
            patient_id=patient_id, session_id=session_id, reason=why, replaced_by=new_id
        )
        if original is None:
            raise SessionNotFound(patient_id, session_id)  # the unit of work rolls back
        audit_write(
            uow,
            actor,
            what=f"exercise session {session_id} corrected: {original.exercise_id}",
            patient_id=patient_id,
            detail=trail_detail(
                reason=why, original=original.as_dict(), corrected=corrected.as_dict()
            ),
        )
        uow.commit()
    return corrected


def store_session(*, uow: UnitOfWork, actor: Actor, patient_id: str, logged: LoggedSession) -> int:
    """Store one validated session (see adherence.new_session), audited; returns its id."""
    with uow:
        check_access(uow, actor, patient_id, "write")
        session_id = uow.exercise.add(patient_id=patient_id, logged=logged)
        audit_write(
            uow,
            actor,
            what=f"exercise {logged.exercise_id} {logged.minutes} min on {logged.performed_on}",
            patient_id=patient_id,
        )
        uow.commit()
    return session_id


def catalogue_choices() -> list[Exercise]:
    return sorted(default_catalogue(), key=lambda e: (e.kind, e.name))
