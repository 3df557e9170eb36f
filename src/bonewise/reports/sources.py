"""Intake and adherence summaries for a stored patient (adapter over the feature services).

- `adherence_summary(sessions, as_of=...)`: the exercise log by ISO week, through
  `bonewise.exercise.adherence.week_summary` (pure; None when nothing was logged).
- `stored_adherence(session, patient_id=..., as_of=...)`: the same from the store.
- `stored_summaries(session, patient_id=..., as_of=...)`: (intake, adherence) for a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bonewise.exercise.adherence import LoggedSession, week_summary
from bonewise.exercise.guidance import AEROBIC_MINUTES_PER_WEEK, RESISTANCE_DAYS_PER_WEEK
from bonewise.reports.model import AdherenceSummary, ExerciseWeek, IntakeSummary
from bonewise.store.exercise import ExerciseLogRepository

REPORT_WEEKS = 8
STREAK_HISTORY_WEEKS = 52


def adherence_summary(
    sessions: Sequence[LoggedSession], *, as_of: date, weeks: int = REPORT_WEEKS
) -> AdherenceSummary | None:
    """The last `weeks` ISO weeks up to the one holding `as_of`, from her first logged week on."""
    logged = [s for s in sessions if s.performed_on <= as_of]
    if not logged:
        return None
    first = min(s.performed_on for s in logged)
    this_monday = as_of - timedelta(days=as_of.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in reversed(range(weeks))]
    mondays = [m for m in mondays if m + timedelta(days=6) >= first]
    rows: list[ExerciseWeek] = []
    for monday in mondays:
        year, week, _ = monday.isocalendar()
        s = week_summary(logged, iso_year=year, iso_week=week, today=as_of)
        rows.append(
            ExerciseWeek(
                week=f"{year}-W{week:02d}",
                week_start=monday,
                aerobic_minutes=s.aerobic_minutes,
                aerobic_target=s.aerobic_target,
                resistance_days=len(s.resistance_days),
                resistance_target=RESISTANCE_DAYS_PER_WEEK.value[0],
                balance_days=s.balance_days,
                met=s.aerobic_met and s.resistance_met and s.balance_met,
            )
        )
    streak = 0
    ordered = list(reversed(rows))
    if ordered and not ordered[0].met and ordered[0].week_start + timedelta(days=6) >= as_of:
        ordered = ordered[1:]  # the current week may still be met
    for row in ordered:
        if not row.met:
            break
        streak += 1
    low, high = RESISTANCE_DAYS_PER_WEEK.value
    return AdherenceSummary(
        weeks=rows,
        streak_weeks=streak,
        target_basis=f"Weekly goals: >= {AEROBIC_MINUTES_PER_WEEK.value} min weight-bearing "
        f"aerobic (bouts >= 10 min), resistance on {low}-{high} non-consecutive days, "
        "balance daily.",
        citation=f"{AEROBIC_MINUTES_PER_WEEK.citation}; {RESISTANCE_DAYS_PER_WEEK.citation}",
    )


def stored_adherence(
    session: Session, *, patient_id: str, as_of: date, weeks: int = REPORT_WEEKS
) -> AdherenceSummary | None:
    """Her exercise log from the store, summarised by week; None if she has logged nothing."""
    history = ExerciseLogRepository(session).between(
        patient_id=patient_id,
        start=as_of - timedelta(weeks=STREAK_HISTORY_WEEKS),
        end=as_of,
    )
    return adherence_summary(history, as_of=as_of, weeks=weeks)


def stored_summaries(
    session: Session, *, patient_id: str, as_of: date
) -> tuple[IntakeSummary | None, AdherenceSummary | None]:
    """The intake and adherence summaries a report shows for a stored patient."""
    return None, stored_adherence(session, patient_id=patient_id, as_of=as_of)
