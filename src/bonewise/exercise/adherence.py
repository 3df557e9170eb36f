"""Logged sessions and how a week measured up against the table.

Per ISO week: weight-bearing aerobic minutes against 150 (only bouts of >= 10 minutes count),
resistance days and whether they were non-consecutive, balance days, and streaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from bonewise.clinical.calendar import EARLIEST_DAY
from bonewise.exercise.catalogue import Catalogue, Kind, default_catalogue
from bonewise.exercise.guidance import (
    AEROBIC_MIN_BOUT_MINUTES,
    AEROBIC_MINUTES_PER_WEEK,
    BALANCE_DAYS_PER_WEEK,
    PAIN_REPORT_THRESHOLD,
    RESISTANCE_DAYS_PER_WEEK,
)

MAX_SESSION_MINUTES = 600
MAX_SETS = 20
MAX_REPS = 200
MAX_LOAD_KG = 300.0


class SessionError(ValueError):
    """A session that cannot be logged; the message names the field, the value and the limits."""


@dataclass(frozen=True, slots=True)
class LoggedSession:
    performed_on: date
    exercise_id: str
    kind: Kind
    minutes: int
    effort: int | None = None
    sets: int | None = None
    reps: int | None = None
    load_kg: float | None = None
    pain: int | None = None  # 0-10, as she reported it

    def as_dict(self) -> dict[str, Any]:
        return {
            "performed_on": self.performed_on.isoformat(),
            "exercise_id": self.exercise_id,
            "kind": self.kind,
            "minutes": self.minutes,
            "effort": self.effort,
            "sets": self.sets,
            "reps": self.reps,
            "load_kg": self.load_kg,
            "pain": self.pain,
        }


def _in_range(name: str, value: float | None, lo: float, hi: float, what: str) -> None:
    if value is not None and not lo <= value <= hi:
        raise SessionError(f"{name} {value:g} is not allowed: give {what} from {lo:g} to {hi:g}")


def new_session(
    *,
    exercise_id: str,
    minutes: int,
    performed_on: date,
    today: date,
    effort: int | None = None,
    sets: int | None = None,
    reps: int | None = None,
    load_kg: float | None = None,
    pain: int | None = None,
    catalogue: Catalogue | None = None,
) -> LoggedSession:
    """A validated session; raises UnknownExercise or SessionError, never stores anything."""
    exercise = (catalogue or default_catalogue()).get_or_raise(exercise_id)
    if performed_on > today:
        raise SessionError(
            f"date {performed_on.isoformat()} is in the future (today is {today.isoformat()}): "
            "log sessions you have done"
        )
    if performed_on < EARLIEST_DAY:
        raise SessionError(
            f"date {performed_on.isoformat()} is before {EARLIEST_DAY.isoformat()}: "
            "give the day you did it"
        )
    _in_range("minutes", minutes, 1, MAX_SESSION_MINUTES, "whole minutes")
    _in_range("effort", effort, 0, 10, "effort on the 0-10 scale")
    _in_range("pain", pain, 0, 10, "pain on the 0-10 scale")
    _in_range("sets", sets, 1, MAX_SETS, "sets")
    _in_range("reps", reps, 1, MAX_REPS, "repetitions")
    _in_range("load_kg", load_kg, 0, MAX_LOAD_KG, "kilograms")
    if exercise.kind != "resistance" and (sets is not None or reps is not None or load_kg):
        raise SessionError(
            f"sets/reps/load are for resistance exercises; {exercise_id!r} is {exercise.kind}"
        )
    return LoggedSession(
        performed_on=performed_on,
        exercise_id=exercise.id,
        kind=exercise.kind,
        minutes=minutes,
        effort=effort,
        sets=sets,
        reps=reps,
        load_kg=load_kg,
        pain=pain,
    )


def iso_week_bounds(iso_year: int, iso_week: int) -> tuple[date, date]:
    """Monday and Sunday of an ISO week; raises SessionError for a week that does not exist."""
    try:
        monday = date.fromisocalendar(iso_year, iso_week, 1)
    except ValueError:
        raise SessionError(
            f"week {iso_year}-W{iso_week:02d} does not exist: use YYYY-Www, e.g. 2026-W48"
        ) from None
    return monday, monday + timedelta(days=6)


def parse_iso_week(text: str) -> tuple[int, int]:
    """'2026-W48' (or '2026W48') into (2026, 48)."""
    cleaned = text.strip().upper().replace("-W", "W")
    year, sep, week = cleaned.partition("W")
    if not (sep and year.isdigit() and week.isdigit() and len(year) == 4):
        raise SessionError(f"week {text!r} is not an ISO week: use YYYY-Www, e.g. 2026-W48")
    iso_week_bounds(int(year), int(week))
    return int(year), int(week)


@dataclass(frozen=True, slots=True)
class WeekSummary:
    iso_year: int
    iso_week: int
    start: date
    end: date
    sessions: int
    aerobic_minutes: int  # weight-bearing bouts of >= 10 minutes
    aerobic_minutes_not_counted: int  # shorter bouts and non-weight-bearing activity
    aerobic_days: int
    resistance_days: tuple[date, ...]
    balance_days: int
    flexibility_days: int
    posture_days: int
    pain_reports: tuple[tuple[date, str, int], ...]
    day_streak: int
    aerobic_weeks_in_a_row: int

    @property
    def aerobic_target(self) -> int:
        return AEROBIC_MINUTES_PER_WEEK.value

    @property
    def aerobic_met(self) -> bool:
        return self.aerobic_minutes >= self.aerobic_target

    @property
    def resistance_non_consecutive(self) -> bool | None:
        """None with fewer than two resistance days (nothing to compare)."""
        if len(self.resistance_days) < 2:
            return None
        days = self.resistance_days
        return all((b - a).days > 1 for a, b in pairwise(days))

    @property
    def resistance_met(self) -> bool:
        return (
            len(self.resistance_days) >= RESISTANCE_DAYS_PER_WEEK.value[0]
            and self.resistance_non_consecutive is True
        )

    @property
    def balance_met(self) -> bool:
        return self.balance_days >= BALANCE_DAYS_PER_WEEK.value

    def as_dict(self) -> dict[str, Any]:
        return {
            "week": f"{self.iso_year}-W{self.iso_week:02d}",
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "sessions": self.sessions,
            "aerobic": {
                "minutes": self.aerobic_minutes,
                "target": self.aerobic_target,
                "met": self.aerobic_met,
                "days": self.aerobic_days,
                "minutes_not_counted": self.aerobic_minutes_not_counted,
                "weeks_in_a_row": self.aerobic_weeks_in_a_row,
            },
            "resistance": {
                "days": [d.isoformat() for d in self.resistance_days],
                "non_consecutive": self.resistance_non_consecutive,
                "met": self.resistance_met,
                "target_days": list(RESISTANCE_DAYS_PER_WEEK.value),
            },
            "balance": {
                "days": self.balance_days,
                "target": BALANCE_DAYS_PER_WEEK.value,
                "met": self.balance_met,
            },
            "flexibility_days": self.flexibility_days,
            "posture_days": self.posture_days,
            "pain_reports": [
                {"date": d.isoformat(), "exercise_id": e, "pain": p}
                for d, e, p in self.pain_reports
            ],
            "day_streak": self.day_streak,
        }


def _counted_aerobic(sessions: Iterable[LoggedSession], catalogue: Catalogue) -> tuple[int, int]:
    counted = other = 0
    for s in sessions:
        if s.kind != "aerobic":
            continue
        weight_bearing = (
            s.exercise_id in catalogue and catalogue.get_or_raise(s.exercise_id).weight_bearing
        )
        if weight_bearing and s.minutes >= AEROBIC_MIN_BOUT_MINUTES.value:
            counted += s.minutes
        else:
            other += s.minutes
    return counted, other


def week_summary(
    sessions: Sequence[LoggedSession],
    *,
    iso_year: int,
    iso_week: int,
    today: date,
    catalogue: Catalogue | None = None,
) -> WeekSummary:
    """How ISO week `iso_year`-W`iso_week` measured up. `sessions` may hold earlier weeks too:
    they feed the streaks. `day_streak` counts days in a row with any session, ending on the
    week's last day (or today, if earlier; a day not yet logged today does not break it)."""
    catalogue = catalogue or default_catalogue()
    start, end = iso_week_bounds(iso_year, iso_week)
    week = [s for s in sessions if start <= s.performed_on <= end]

    def days(kind: Kind) -> list[date]:
        return sorted({s.performed_on for s in week if s.kind == kind})

    counted, other = _counted_aerobic(week, catalogue)
    aerobic_days = {
        s.performed_on
        for s in week
        if s.kind == "aerobic" and s.minutes >= AEROBIC_MIN_BOUT_MINUTES.value
    }

    active = {s.performed_on for s in sessions}
    last = min(end, today)
    if last not in active and last == today:
        last -= timedelta(days=1)
    streak = 0
    while last in active:
        streak += 1
        last -= timedelta(days=1)

    in_a_row = 0
    monday = start
    if _counted_aerobic(week, catalogue)[0] < AEROBIC_MINUTES_PER_WEEK.value and end >= today:
        monday -= timedelta(weeks=1)  # the current week may still be met
    earliest = min((s.performed_on for s in sessions), default=start)
    while monday >= earliest - timedelta(days=6):
        sunday = monday + timedelta(days=6)
        minutes, _ = _counted_aerobic(
            (s for s in sessions if monday <= s.performed_on <= sunday), catalogue
        )
        if minutes < AEROBIC_MINUTES_PER_WEEK.value:
            break
        in_a_row += 1
        monday -= timedelta(weeks=1)

    return WeekSummary(
        iso_year=iso_year,
        iso_week=iso_week,
        start=start,
        end=end,
        sessions=len(week),
        aerobic_minutes=counted,
        aerobic_minutes_not_counted=other,
        aerobic_days=len(aerobic_days),
        resistance_days=tuple(days("resistance")),
        balance_days=len(days("balance")),
        flexibility_days=len(days("flexibility")),
        posture_days=len(days("posture")),
        pain_reports=tuple(
            (s.performed_on, s.exercise_id, s.pain)
            for s in week
            if s.pain  # pain 0 is no pain
        ),
        day_streak=streak,
        aerobic_weeks_in_a_row=in_a_row,
    )


# --- Logged pain and the programme weeks -------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def programme_start(sessions: Iterable[LoggedSession], *, start: date | None = None) -> date | None:
    """The Monday of programme week 1: of the week of `start` if given, else of the week of her
    first logged session; None when there is neither (the programme has not started)."""
    if start is not None:
        return monday_of(start)
    first = min((s.performed_on for s in sessions), default=None)
    return None if first is None else monday_of(first)


def programme_week(day: date, *, start: date) -> int:
    """The programme week holding `day` (1 = the week starting on `start`'s Monday); 0 or less
    for a day before the programme started."""
    return (day - monday_of(start)).days // 7 + 1


def pain_steps_back(pain: int | None) -> bool:
    """The one definition of "pain that steps back" her plan: a 0-10 score at or above the
    threshold, whether from a logged session or her weekly check-in's worst joint pain. No
    score (None) is not pain."""
    return pain is not None and pain >= PAIN_REPORT_THRESHOLD.value


def counts_as_pain(session: LoggedSession) -> bool:
    """Pain at or above the threshold; no pain reported (None) is not pain."""
    return pain_steps_back(session.pain)


def logged_pain_weeks(
    sessions: Iterable[LoggedSession], *, start: date
) -> dict[int, tuple[LoggedSession, ...]]:
    """Programme week -> her sessions in that week with pain at or above the threshold, oldest
    first. Sessions before the programme start do not count."""
    found: dict[int, list[LoggedSession]] = {}
    for s in sorted(sessions, key=lambda s: s.performed_on):
        week = programme_week(s.performed_on, start=start)
        if week >= 1 and counts_as_pain(s):
            found.setdefault(week, []).append(s)
    return {week: tuple(found[week]) for week in sorted(found)}
