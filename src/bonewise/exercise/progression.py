"""Week-by-week progressive overload with caps, easier weeks, and a step back after pain.

Resistance climbs a ladder of (sets, reps, effort) levels that never leaves the Too Fit To
Fracture ranges (1-3 sets, 8-12 reps, effort 5-8/10). Aerobic minutes ramp from her current
minutes to the 150-minute guideline and are capped there.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from bonewise.exercise.guidance import (
    AEROBIC_MINUTES_PER_WEEK,
    DELOAD_EVERY_WEEKS,
    PAIN_STEP_BACK_LEVELS,
    RAMP_START_MINUTES,
    RAMP_STEP_MINUTES,
    RESISTANCE_DAYS_PER_WEEK,
    RESISTANCE_EFFORT,
    RESISTANCE_REPS,
    RESISTANCE_SETS,
)


def _ladder() -> tuple[tuple[int, int, int], ...]:
    """(sets, reps, effort) from the lowest start to the cap, all inside the cited ranges."""
    min_sets, max_sets = RESISTANCE_SETS.value
    min_reps, max_reps = RESISTANCE_REPS.value
    min_effort, max_effort = RESISTANCE_EFFORT.value
    reps_steps = (min_reps, (min_reps + max_reps) // 2, max_reps)
    levels = [(s, r) for s in range(min_sets, max_sets + 1) for r in reps_steps]
    span = len(levels) - 1
    return tuple(
        (s, r, min_effort + round(i * (max_effort - min_effort) / span))
        for i, (s, r) in enumerate(levels)
    )


LADDER: tuple[tuple[int, int, int], ...] = _ladder()
TOP_LEVEL = len(LADDER) - 1
# Where a woman who is active and not at high fracture risk starts (2 sets of 8).
REGULAR_START_LEVEL = 3
THREE_DAY_LEVEL = 5  # from this level on, resistance moves to 3 days a week when days allow


class ProgressionError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class WeekTargets:
    week: int
    aerobic_minutes: int
    resistance_days: int
    sets: int
    reps: int
    effort: int
    level: int
    easier_week: bool
    stepped_back_for_pain: bool
    ramp_start_minutes: int | None  # None: no ramp, she starts at the guideline
    ramp_reaches_target_in_week: int | None
    notes: tuple[str, ...]

    @property
    def below_guideline(self) -> bool:
        return self.aerobic_minutes < AEROBIC_MINUTES_PER_WEEK.value


def _round_up_to_5(minutes: float) -> int:
    return int(math.ceil(minutes / 5) * 5)


def ramp_start(current_minutes: int | None) -> int | None:
    """First-week aerobic minutes for a woman doing less than the guideline, else None."""
    target = AEROBIC_MINUTES_PER_WEEK.value
    if current_minutes is None or current_minutes >= target:
        return None
    return min(target, max(RAMP_START_MINUTES.value, _round_up_to_5(current_minutes)))


def _carried_load(
    week: int, start_minutes: int, start_low: bool, pain_weeks: Collection[int]
) -> tuple[int, int, bool]:
    """(ladder level, aerobic minutes, stepped back for pain) carried into `week`."""
    level = 0 if start_low else REGULAR_START_LEVEL
    minutes = start_minutes
    stepped_back = False
    for w in range(2, week + 1):
        stepped_back = (w - 1) in pain_weeks
        if stepped_back:
            level = max(0, level - PAIN_STEP_BACK_LEVELS.value)
            minutes = max(start_minutes, minutes - RAMP_STEP_MINUTES.value)
        elif w % DELOAD_EVERY_WEEKS.value != 0:  # an easier week holds the previous load
            level = min(TOP_LEVEL, level + 1)
            minutes = min(AEROBIC_MINUTES_PER_WEEK.value, minutes + RAMP_STEP_MINUTES.value)
    return level, minutes, stepped_back


def pain_step_back_note(week: int) -> str:
    """What a week that steps back after pain in the week before says."""
    return (
        f"You reported pain in week {week - 1}, so this week steps back. If the pain is "
        "sharp, is in your back, or does not settle, stop and ask your care team before "
        "you continue."
    )


def week_targets(
    week: int,
    *,
    current_minutes: int | None,
    start_low: bool,
    pain_weeks: Collection[int] = (),
) -> WeekTargets:
    """The targets of programme week `week` (1 = first week).

    `start_low`: sedentary or at high fracture risk, so resistance starts at the bottom of the
    ladder. `pain_weeks`: earlier weeks in which she reported pain; the week after each steps
    back.
    """
    if week < 1:
        raise ProgressionError(f"week {week} is not allowed: weeks count from 1")
    late = sorted(w for w in pain_weeks if not 1 <= w < week)
    if late:
        raise ProgressionError(
            f"pain week {late[0]} is not allowed for week {week}: give earlier weeks (1..{week - 1})"
        )
    target = AEROBIC_MINUTES_PER_WEEK.value
    step = RAMP_STEP_MINUTES.value
    deload = DELOAD_EVERY_WEEKS.value
    start_minutes = ramp_start(current_minutes)
    floor_minutes = start_minutes if start_minutes is not None else target
    level, minutes, stepped_back = _carried_load(week, floor_minutes, start_low, pain_weeks)
    notes: list[str] = []
    sets, reps, effort = LADDER[level]
    # An easier week stays easier after pain too: pain never makes a week harder.
    easier = week % deload == 0
    if easier:
        sets = max(RESISTANCE_SETS.value[0], sets - 1)
        effort = max(RESISTANCE_EFFORT.value[0], effort - 1)
        if minutes < target:
            minutes = max(floor_minutes, minutes - step)
        notes.append(
            f"Week {week} is an easier week: fewer sets and lighter effort so your body can "
            "adapt. Next week picks up where you left off."
        )
    if stepped_back:
        notes.append(pain_step_back_note(week))
    reaches = None
    if start_minutes is not None:
        reaches = next(
            w for w in range(1, 1000) if _carried_load(w, floor_minutes, start_low, ())[1] >= target
        )
        notes.append(
            f"This plan starts from your current exercise ({current_minutes} min a week) and "
            f"adds up to {step} minutes a week: this week's aerobic target is {minutes} minutes, "
            f"below the {target}-minute guideline by design."
            if minutes < target
            else f"You have ramped up from {start_minutes} minutes to the {target}-minute "
            "guideline."
        )
    lo_days, hi_days = RESISTANCE_DAYS_PER_WEEK.value
    return WeekTargets(
        week=week,
        aerobic_minutes=minutes,
        resistance_days=hi_days if level >= THREE_DAY_LEVEL else lo_days,
        sets=sets,
        reps=reps,
        effort=effort,
        level=level,
        easier_week=easier,
        stepped_back_for_pain=stepped_back,
        ramp_start_minutes=start_minutes,
        ramp_reaches_target_in_week=reaches,
        notes=tuple(notes),
    )
