"""Her weekly check-in: worst joint pain, morning stiffness and missed AI days (pure, no I/O).

Joint pain is the main reason women stop their aromatase inhibitor, and exercise is the
intervention with trial evidence (HOPE, Irwin 2015). Each week she answers three questions:

- worst joint pain in the last 24 hours, 0-10 (the Brief Pain Inventory item HOPE used);
- morning stiffness in bands (none, under 30, 30-60, over 60 minutes). Bands, not minutes:
  stiffness duration is recalled in rough terms, and the 30-minute and 1-hour marks are the ones
  rheumatology criteria use (so a band answers the only question the minutes would);
- on how many of the past 7 days she missed her AI (0-7), left blank when she does not take one
  or would rather not say: unknown is not zero.

From them: an 8-week trend, and two clinician flags with their thresholds and sources
(persistent pain at or above a level on consecutive weeks; adherence below a share of the days
she reported). The weekly pain that steps her exercise plan back is the exercise module's one
definition (`pain_steps_back`). She is never told to take, start, stop or change a medicine: a
missed-dose pattern says "talk to your care team".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, get_args

from bonewise.evidence import (
    AI_ADHERENCE_MIN_SHARE,
    BPI_WORST_PAIN_RANGE,
    CHECKIN_FLAG_WINDOW_WEEKS,
    CHECKIN_TREND_WEEKS,
    MORNING_STIFFNESS_BANDS_MINUTES,
    PERSISTENT_PAIN_LEVEL,
    PERSISTENT_PAIN_WEEKS,
    Cited,
)
from bonewise.exercise.adherence import monday_of, pain_steps_back, programme_week

Stiffness = Literal["none", "under_30", "30_to_60", "over_60"]
STIFFNESS_CHOICES: tuple[Stiffness, ...] = get_args(Stiffness)
_SHORT, _LONG = MORNING_STIFFNESS_BANDS_MINUTES.value
STIFFNESS_WORDS: dict[Stiffness, str] = {
    "none": "none",
    "under_30": f"under {_SHORT} minutes",
    "30_to_60": f"{_SHORT} to {_LONG} minutes",
    "over_60": f"over {_LONG} minutes",
}
DAYS_IN_WEEK = 7
# How far back she may date a check-in: a bound on input, not a clinical number.
MAX_BACKDATE_DAYS = 366

PERSISTENT_PAIN_RULE = "checkin-persistent-joint-pain"
LOW_ADHERENCE_RULE = "checkin-ai-adherence-below-share"
CHECKIN_RULES_VERSION = "bonewise-checkin-2026-12"


class CheckInError(ValueError):
    """A check-in that cannot be kept; `field` names the answer, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class CheckIn:
    answered_on: date
    worst_pain: int  # 0-10, worst joint pain in the last 24 hours
    stiffness: Stiffness
    missed_ai_days: int | None  # 0-7 of the past 7 days; None: not answered

    @property
    def week_start(self) -> date:
        return monday_of(self.answered_on)

    @property
    def stiffness_words(self) -> str:
        return STIFFNESS_WORDS[self.stiffness]

    def as_dict(self) -> dict[str, Any]:
        return {
            "answered_on": self.answered_on.isoformat(),
            "week_start": self.week_start.isoformat(),
            "worst_pain": self.worst_pain,
            "stiffness": self.stiffness,
            "stiffness_words": self.stiffness_words,
            "missed_ai_days": self.missed_ai_days,
        }


def new_checkin(
    *,
    answered_on: date,
    today: date,
    worst_pain: int,
    stiffness: str,
    missed_ai_days: int | None,
) -> CheckIn:
    """A validated check-in; raises CheckInError naming the answer. Never stores anything."""
    if answered_on > today:
        raise CheckInError("answered_on", f"{answered_on} is in the future; give today or earlier")
    if answered_on < today - timedelta(days=MAX_BACKDATE_DAYS):
        raise CheckInError(
            "answered_on", f"{answered_on} is more than a year ago; give a date in the last year"
        )
    lo, hi = BPI_WORST_PAIN_RANGE.value
    if not lo <= worst_pain <= hi:
        raise CheckInError(
            "worst_pain",
            f"{worst_pain} is outside the scale; give {lo} (no pain) to {hi} (as bad as you "
            "can imagine)",
        )
    if stiffness not in STIFFNESS_CHOICES:
        raise CheckInError(
            "stiffness",
            f"{stiffness[:20]!r} is not one of the choices; choose "
            + ", ".join(STIFFNESS_WORDS.values()),
        )
    if missed_ai_days is not None and not 0 <= missed_ai_days <= DAYS_IN_WEEK:
        raise CheckInError(
            "missed_ai_days",
            f"{missed_ai_days} is not possible in a week; give 0 to {DAYS_IN_WEEK}, "
            "or leave it blank",
        )
    return CheckIn(answered_on, worst_pain, stiffness, missed_ai_days)  # type: ignore[arg-type]  # checked above


@dataclass(frozen=True, slots=True)
class FlagPolicy:
    """The flag thresholds; each default is a cited value a site may change."""

    pain_level: int = PERSISTENT_PAIN_LEVEL.value
    pain_weeks: int = PERSISTENT_PAIN_WEEKS.value
    adherence_min_share: float = AI_ADHERENCE_MIN_SHARE.value
    window_weeks: int = CHECKIN_FLAG_WINDOW_WEEKS.value

    def __post_init__(self) -> None:
        lo, hi = BPI_WORST_PAIN_RANGE.value
        if not lo < self.pain_level <= hi:
            raise ValueError(f"pain level {self.pain_level} must be from {lo + 1} to {hi}")
        if not 1 <= self.pain_weeks <= self.window_weeks:
            raise ValueError(f"pain weeks {self.pain_weeks} must be 1 to the window's weeks")
        if not 0 < self.adherence_min_share <= 1:
            raise ValueError(f"adherence share {self.adherence_min_share} must be in (0, 1]")


DEFAULT_POLICY = FlagPolicy()


@dataclass(frozen=True, slots=True)
class CheckInFlag:
    """A clinician flag for review: rule id, version, inputs, threshold and citations."""

    rule_id: str
    text: str
    threshold: str
    inputs: dict[str, Any]
    citations: tuple[str, ...]
    evidence: tuple[str, ...]
    version: str = CHECKIN_RULES_VERSION

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "version": self.version,
            "text": self.text,
            "threshold": self.threshold,
            "inputs": self.inputs,
            "citations": list(self.citations),
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class Adherence:
    """AI doses over the days she reported in the flag window (weeks left blank do not count)."""

    days_reported: int
    days_missed: int
    weeks_reported: int

    @property
    def share_taken(self) -> float:
        return (self.days_reported - self.days_missed) / self.days_reported

    def as_dict(self) -> dict[str, Any]:
        return {
            "days_reported": self.days_reported,
            "days_missed": self.days_missed,
            "weeks_reported": self.weeks_reported,
            "share_taken": round(self.share_taken, 3),
        }


@dataclass(frozen=True, slots=True)
class TrendWeek:
    week_start: date
    checkin: CheckIn | None  # None: no check-in that week (not "no pain")


@dataclass(frozen=True, slots=True)
class CheckInTrend:
    weeks: tuple[TrendWeek, ...]  # oldest first, this week last
    adherence: Adherence | None  # None: no missed-days answer in the window
    flags: tuple[CheckInFlag, ...]
    messages: tuple[str, ...] = field(default=())  # what she reads; never "take" or "stop"
    due_this_week: bool = True

    @property
    def latest(self) -> CheckIn | None:
        return next((w.checkin for w in reversed(self.weeks) if w.checkin), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "weeks": [
                {
                    "week_start": w.week_start.isoformat(),
                    "checkin": w.checkin.as_dict() if w.checkin else None,
                }
                for w in self.weeks
            ],
            "adherence": self.adherence.as_dict() if self.adherence else None,
            "flags": [f.as_dict() for f in self.flags],
            "messages": list(self.messages),
            "due_this_week": self.due_this_week,
        }


def latest_per_week(checkins: Iterable[CheckIn]) -> dict[date, CheckIn]:
    """Week start -> her latest check-in that week (a later answer replaces an earlier one)."""
    found: dict[date, CheckIn] = {}
    for c in sorted(checkins, key=lambda c: c.answered_on):
        found[c.week_start] = c
    return found


def first_week(today: date, *, weeks: int) -> date:
    """The Monday that starts the `weeks` weeks ending with this one."""
    return monday_of(today) - timedelta(weeks=weeks - 1)


def trend_reads_from(
    today: date, *, weeks: int = CHECKIN_TREND_WEEKS.value, policy: FlagPolicy = DEFAULT_POLICY
) -> date:
    """The first day `checkin_trend` reads (its rows and its flag window): a store loads the
    check-ins from here, and no earlier one changes the trend."""
    return first_week(today, weeks=max(weeks, policy.window_weeks))


def _in_window(checkins: Iterable[CheckIn], *, today: date, weeks: int) -> dict[date, CheckIn]:
    first = first_week(today, weeks=weeks)
    return {w: c for w, c in latest_per_week(checkins).items() if first <= w <= today}


def _cite(*values: Cited[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(v.citation for v in values), tuple(v.evidence for v in values)


def persistent_pain_flag(
    checkins: Iterable[CheckIn], *, today: date, policy: FlagPolicy = DEFAULT_POLICY
) -> CheckInFlag | None:
    """Worst pain at or above the level on the last `pain_weeks` consecutive weekly check-ins,
    the latest of them inside the window; None otherwise (a gap week breaks the run)."""
    by_week = _in_window(checkins, today=today, weeks=policy.window_weeks)
    if not by_week:
        return None
    run: list[CheckIn] = []
    week = max(by_week)
    while week in by_week and by_week[week].worst_pain >= policy.pain_level:
        run.append(by_week[week])
        week -= timedelta(weeks=1)
    if len(run) < policy.pain_weeks:
        return None
    run.reverse()
    scores = ", ".join(f"{c.worst_pain}/10 (week of {c.week_start})" for c in run)
    citations, evidence = _cite(PERSISTENT_PAIN_LEVEL, PERSISTENT_PAIN_WEEKS, BPI_WORST_PAIN_RANGE)
    return CheckInFlag(
        rule_id=PERSISTENT_PAIN_RULE,
        text=(
            f"Persistent joint pain: worst pain {policy.pain_level}/10 or more on {len(run)} "
            f"consecutive weekly check-ins ({scores}). Review AI-associated arthralgia; "
            "supervised exercise lowered worst pain in HOPE."
        ),
        threshold=f"worst pain >= {policy.pain_level}/10 on >= {policy.pain_weeks} consecutive weeks",
        inputs={
            "worst_pain": [c.worst_pain for c in run],
            "week_starts": [c.week_start.isoformat() for c in run],
        },
        citations=citations,
        evidence=evidence,
    )


def adherence_in_window(
    checkins: Iterable[CheckIn], *, today: date, policy: FlagPolicy = DEFAULT_POLICY
) -> Adherence | None:
    """Missed AI days over the check-ins in the window that answered the question (each covers
    the 7 days up to its date); None when none did: unknown is not zero."""
    answered = [
        c
        for c in _in_window(checkins, today=today, weeks=policy.window_weeks).values()
        if c.missed_ai_days is not None
    ]
    if not answered:
        return None
    return Adherence(
        days_reported=DAYS_IN_WEEK * len(answered),
        days_missed=sum(c.missed_ai_days or 0 for c in answered),
        weeks_reported=len(answered),
    )


def low_adherence_flag(
    adherence: Adherence | None, *, policy: FlagPolicy = DEFAULT_POLICY
) -> CheckInFlag | None:
    if adherence is None or adherence.share_taken >= policy.adherence_min_share:
        return None
    citations, evidence = _cite(AI_ADHERENCE_MIN_SHARE, CHECKIN_FLAG_WINDOW_WEEKS)
    share = round(adherence.share_taken * 100)
    return CheckInFlag(
        rule_id=LOW_ADHERENCE_RULE,
        text=(
            f"AI adherence below {round(policy.adherence_min_share * 100)}%: she reported "
            f"missing {adherence.days_missed} of {adherence.days_reported} days "
            f"({share}% taken) over {adherence.weeks_reported} weekly check-in(s). Discuss "
            "side effects and barriers."
        ),
        threshold=(
            f"share of reported days taken < {policy.adherence_min_share:g} over the last "
            f"{policy.window_weeks} weeks"
        ),
        inputs=adherence.as_dict(),
        citations=citations,
        evidence=evidence,
    )


def _patient_messages(
    pain: CheckInFlag | None,
    low: CheckInFlag | None,
    adherence: Adherence | None,
    policy: FlagPolicy,
) -> tuple[str, ...]:
    """What she reads: a pattern (the flags' thresholds), never a single missed day, and never
    an instruction about the medicine itself."""
    said: list[str] = []
    if pain is not None:
        said.append(
            f"Your joint pain has been {policy.pain_level} out of 10 or more for "
            f"{len(pain.inputs['worst_pain'])} weeks in a row. Please tell your care team: "
            "joint pain on an aromatase inhibitor can often be helped, and your exercise plan eases "
            "off after a week with pain."
        )
    if low is not None and adherence is not None:
        said.append(
            f"You told us you missed your aromatase inhibitor on {adherence.days_missed} of "
            f"{adherence.days_reported} days. Talk to your care team about it: they can help "
            "with side effects and with ways to remember."
        )
    return tuple(said)


def checkin_trend(
    checkins: Iterable[CheckIn],
    *,
    today: date,
    weeks: int = CHECKIN_TREND_WEEKS.value,
    policy: FlagPolicy = DEFAULT_POLICY,
) -> CheckInTrend:
    """`weeks` weeks ending with this one (a week without a check-in shows as none), the
    adherence over the flag window, the clinician flags and what she is told."""
    checkins = [c for c in checkins if c.answered_on <= today]
    by_week = latest_per_week(checkins)
    this_monday = monday_of(today)
    first = first_week(today, weeks=weeks)
    rows = tuple(
        TrendWeek(w, by_week.get(w)) for w in (first + timedelta(weeks=n) for n in range(weeks))
    )
    pain = persistent_pain_flag(checkins, today=today, policy=policy)
    adherence = adherence_in_window(checkins, today=today, policy=policy)
    low = low_adherence_flag(adherence, policy=policy)
    flags = tuple(f for f in (pain, low) if f is not None)
    return CheckInTrend(
        weeks=rows,
        adherence=adherence,
        flags=flags,
        messages=_patient_messages(pain, low, adherence, policy),
        due_this_week=this_monday not in by_week,
    )


def checkin_pain_weeks(checkins: Sequence[CheckIn], *, start: date) -> frozenset[int]:
    """Programme weeks (1 = the week of `start`) whose check-in reported pain that steps the
    plan back (the exercise module's one definition); weeks before the start do not count."""
    return frozenset(
        week
        for c in checkins
        if pain_steps_back(c.worst_pain)
        and (week := programme_week(c.answered_on, start=start)) >= 1
    )
