"""The weekly plan: the seed's exercise table, adapted to her bones and her week.

Every week (unless blocked) holds:
  - weight-bearing, moderate aerobic activity on 3-5 days, in bouts of >= 10 minutes, adding up
    to the week's target (150 minutes, or less by design while a sedentary woman ramps up);
  - resistance on 2-3 non-consecutive days (Sunday and Monday count as consecutive), each day
    covering legs, arms, chest, shoulders and back at 8-12 reps, 1-3 sets, effort 5-8/10;
  - balance and flexibility every day;
  - for osteoporosis, a vertebral fracture, or an unknown bone density: no high-impact and no
    loaded flexion or twisting exercise, and posture/back-extensor work every day.
Bone metastases or a fracture in the last 12 months block the plan: no sessions, and a message
to get clearance from her care team.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations
from typing import Any

from bonewise.exercise.adherence import LoggedSession
from bonewise.exercise.catalogue import (
    EQUIPMENT,
    HOUSEHOLD_EQUIPMENT,
    Catalogue,
    Exercise,
    Kind,
    default_catalogue,
)
from bonewise.exercise.guidance import (
    AEROBIC_DAYS_PER_WEEK,
    AEROBIC_MIN_BOUT_MINUTES,
    AEROBIC_MINUTES_PER_WEEK,
    BALANCE_DAYS_PER_WEEK,
    BALANCE_SESSION_MINUTES,
    BONE_METASTASES_BLOCK,
    DELOAD_EVERY_WEEKS,
    FLEXIBILITY_DAYS_PER_WEEK,
    FLEXIBILITY_SESSION_MINUTES,
    MULTICOMPONENT,
    NO_HIGH_IMPACT_WHEN_FRAGILE,
    PAIN_STEP_BACK_LEVELS,
    PHYSIOTHERAPIST_BEFORE_WEIGHTS,
    POSTURE_DAYS_PER_WEEK,
    POSTURE_SESSION_MINUTES,
    RAMP_STEP_MINUTES,
    RECENT_FRACTURE_BLOCK_MONTHS,
    RESISTANCE_DAYS_PER_WEEK,
    RESISTANCE_EFFORT,
    RESISTANCE_MUSCLE_GROUPS,
    RESISTANCE_REPS,
    RESISTANCE_SETS,
    SESSION_MINUTES_RANGE,
    SPINE_SPARING,
    Rule,
)
from bonewise.exercise.progression import WeekTargets, pain_step_back_note, week_targets
from bonewise.exercise.safety import SafetyProfile

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LEVELS_PER_VARIANT_STEP = 3  # one step harder in the variant chain per 3 ladder levels
LOADED_EQUIPMENT = frozenset({"dumbbells", "resistance_band", "weight_machine"})

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "aerobic-weekly-minutes",
            "at least 150 minutes of moderate aerobic activity a week",
            AEROBIC_MINUTES_PER_WEEK,
        ),
        Rule(
            "aerobic-bout",
            "aerobic activity in bouts of at least 10 minutes",
            AEROBIC_MIN_BOUT_MINUTES,
        ),
        Rule("aerobic-days", "aerobic activity on 3-5 days a week", AEROBIC_DAYS_PER_WEEK),
        Rule(
            "resistance-days",
            "resistance training on 2-3 non-consecutive days a week",
            RESISTANCE_DAYS_PER_WEEK,
        ),
        Rule("resistance-reps", "8-12 repetitions", RESISTANCE_REPS),
        Rule("resistance-sets", "1-3 sets", RESISTANCE_SETS),
        Rule("resistance-effort", "effort 5-8 on a 0-10 scale", RESISTANCE_EFFORT),
        Rule(
            "resistance-muscle-groups",
            "legs, arms, chest, shoulders and back each session",
            RESISTANCE_MUSCLE_GROUPS,
        ),
        Rule("balance-daily", "balance training every day", BALANCE_DAYS_PER_WEEK),
        Rule("flexibility-daily", "stretching every day", FLEXIBILITY_DAYS_PER_WEEK),
        Rule("multicomponent", "resistance plus balance, not aerobic alone", MULTICOMPONENT),
        Rule(
            "posture-daily", "posture and back-extensor exercises every day", POSTURE_DAYS_PER_WEEK
        ),
        Rule(
            "spine-sparing",
            "no loaded forward bending, twisting, or lifting while bent forward",
            SPINE_SPARING,
        ),
        Rule("no-high-impact", "no high-impact exercise", NO_HIGH_IMPACT_WHEN_FRAGILE),
        Rule(
            "physiotherapist-before-weights",
            "see a physiotherapist before using weights after a vertebral fracture",
            PHYSIOTHERAPIST_BEFORE_WEIGHTS,
        ),
        Rule(
            "bone-metastases-block",
            "bone metastases: clearance before any plan",
            BONE_METASTASES_BLOCK,
        ),
        Rule(
            "recent-fracture-block",
            "a fracture in the last 12 months: clearance first",
            RECENT_FRACTURE_BLOCK_MONTHS,
        ),
        Rule(
            "ramp", "start from her current minutes and add a little each week", RAMP_STEP_MINUTES
        ),
        Rule("easier-week", "an easier week every 4 weeks", DELOAD_EVERY_WEEKS),
        Rule("pain-step-back", "step back after a week with pain", PAIN_STEP_BACK_LEVELS),
    )
}


class PreferenceError(ValueError):
    """A preference outside what the planner accepts; the message names field, value, allowed."""


@dataclass(frozen=True, slots=True)
class Preferences:
    """Her week: which days suit longer sessions (0 = Monday), what she has, what she does now."""

    days_available: frozenset[int] = frozenset(range(7))
    equipment: frozenset[str] = HOUSEHOLD_EQUIPMENT
    current_aerobic_minutes: int | None = None
    session_minutes: int = 30
    physiotherapist_cleared_weights: bool = False

    def __post_init__(self) -> None:
        bad_days = sorted(d for d in self.days_available if d not in range(7))
        if bad_days:
            raise PreferenceError(f"days_available {bad_days} not allowed: use 0 (Monday)..6")
        lo_days = AEROBIC_DAYS_PER_WEEK.value[0]
        if len(self.days_available) < lo_days:
            given = ", ".join(WEEKDAYS[d] for d in sorted(self.days_available)) or "none"
            raise PreferenceError(
                f"days_available {given}: at least {lo_days} days are needed for aerobic "
                f"activity on {lo_days}-{AEROBIC_DAYS_PER_WEEK.value[1]} days a week"
            )
        unknown = sorted(self.equipment - set(EQUIPMENT))
        if unknown:
            raise PreferenceError(
                f"equipment {', '.join(unknown)} not known: use any of {', '.join(EQUIPMENT)}"
            )
        if self.current_aerobic_minutes is not None and not 0 <= self.current_aerobic_minutes <= (
            7 * 24 * 60
        ):
            raise PreferenceError(
                f"current_aerobic_minutes {self.current_aerobic_minutes} not allowed: give the "
                "minutes of activity in a usual week, 0 or more"
            )
        lo, hi = SESSION_MINUTES_RANGE.value
        if not lo <= self.session_minutes <= hi:
            raise PreferenceError(
                f"session_minutes {self.session_minutes} not allowed: give {lo} to {hi} minutes"
            )


@dataclass(frozen=True, slots=True)
class PlannedSession:
    kind: Kind
    minutes: int
    exercise: Exercise
    rules: tuple[str, ...]
    sets: int | None = None
    reps: int | None = None
    effort: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "minutes": self.minutes,
            "exercise": {
                "id": self.exercise.id,
                "name": self.exercise.name,
                "impact": self.exercise.impact,
                "loaded_spinal_flexion_or_twist": self.exercise.loaded_spinal_flexion_or_twist,
                "weight_bearing": self.exercise.weight_bearing,
                "intensity": self.exercise.intensity,
                "equipment": sorted(self.exercise.equipment),
                "muscle_groups": sorted(self.exercise.muscle_groups),
                "instructions": self.exercise.instructions,
                "easier": self.exercise.easier,
                "harder": self.exercise.harder,
            },
            "rules": list(self.rules),
        }
        if self.kind == "resistance":
            data.update(sets=self.sets, reps=self.reps, effort=self.effort)
        return data


@dataclass(frozen=True, slots=True)
class PlanDay:
    day: str
    date: date
    sessions: tuple[PlannedSession, ...]

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.sessions)


@dataclass(frozen=True, slots=True)
class Plan:
    patient_id: str
    as_of: date
    week: int
    blocked: bool
    reason: str | None
    message: str
    profile: SafetyProfile
    days: tuple[PlanDay, ...]
    targets: WeekTargets | None = None
    notes: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = field(default=())
    logged_pain: tuple[tuple[int, LoggedSession], ...] = ()  # (programme week, session) used

    def as_dict(self) -> dict[str, Any]:
        targets = None
        if self.targets is not None:
            t = self.targets
            targets = {
                "aerobic_minutes": t.aerobic_minutes,
                "aerobic_guideline_minutes": AEROBIC_MINUTES_PER_WEEK.value,
                "below_guideline": t.below_guideline,
                "ramp_start_minutes": t.ramp_start_minutes,
                "ramp_reaches_guideline_in_week": t.ramp_reaches_target_in_week,
                "resistance_days": t.resistance_days,
                "sets": t.sets,
                "reps": t.reps,
                "effort": t.effort,
                "easier_week": t.easier_week,
                "stepped_back_for_pain": t.stepped_back_for_pain,
            }
        return {
            "patient_id": self.patient_id,
            "as_of": self.as_of.isoformat(),
            "week": self.week,
            "blocked": self.blocked,
            "reason": self.reason,
            "message": self.message,
            "profile": {
                "who_category": self.profile.who_category,
                "osteoporosis": self.profile.osteoporosis,
                "vertebral_fracture": self.profile.vertebral_fracture,
                "spine_sparing": self.profile.spine_sparing,
                "basis": list(self.profile.basis),
            },
            "targets": targets,
            "notes": list(self.notes),
            "days": [
                {
                    "day": d.day,
                    "date": d.date.isoformat(),
                    "minutes": d.minutes,
                    "sessions": [s.as_dict() for s in d.sessions],
                }
                for d in self.days
            ],
            "rules": [RULES[r].as_dict() for r in self.rule_ids],
            "logged_pain": [
                {
                    "week": week,
                    "date": s.performed_on.isoformat(),
                    "exercise_id": s.exercise_id,
                    "pain": s.pain,
                }
                for week, s in self.logged_pain
            ],
            "disclaimer": "Decision support for review with her care team, not a prescription.",
        }


def week_start(as_of: date, week: int, start: date | None = None) -> date:
    """The Monday of programme week `week`: week 1 starts on the Monday of `start`'s week when
    the programme start is known, else on the Monday on or after `as_of`."""
    if start is not None:
        return start - timedelta(days=start.weekday(), weeks=1 - week)
    return as_of + timedelta(days=(7 - as_of.weekday()) % 7, weeks=week - 1)


def _said(session: LoggedSession, catalogue: Catalogue) -> str:
    name = (
        catalogue.get_or_raise(session.exercise_id).name.lower()
        if session.exercise_id in catalogue
        else session.exercise_id
    )
    day = session.performed_on
    return f"pain {session.pain}/10 on {day.strftime('%A')} {day.day} {day:%B %Y} ({name})"


def _with_logged_pain_notes(
    notes: Sequence[str],
    week: int,
    stepped_back: bool,
    logged_pain: Mapping[int, Sequence[LoggedSession]],
    catalogue: Catalogue,
) -> list[str]:
    """`notes` with the step-back note naming the logged session(s) that caused it, and notes
    on earlier logged pain and on pain logged in this week."""
    result = list(notes)
    before = logged_pain.get(week - 1, ())
    if stepped_back and before:
        named = (
            f"You logged pain in week {week - 1}, so this week steps back: "
            + "; ".join(_said(s, catalogue) for s in before)
            + ". Tell your care team about pain that does not settle, and stop and ask them "
            "before you continue if it is sharp or in your back."
        )
        result[result.index(pain_step_back_note(week))] = named
    earlier = [w for w in sorted(logged_pain) if w < week - 1]
    if earlier:
        result.append(
            "Earlier pain you logged also stepped the plan back the week after: "
            + "; ".join(
                f"week {w}: " + ", ".join(_said(s, catalogue) for s in logged_pain[w])
                for w in earlier
            )
            + "."
        )
    now = logged_pain.get(week, ())
    if now:
        result.append(
            f"You logged {'; '.join(_said(s, catalogue) for s in now)} in week {week}: the "
            f"plan for week {week + 1} will step back. Tell your care team about pain that "
            "does not settle."
        )
    return result


def _empty_days(monday: date) -> tuple[PlanDay, ...]:
    return tuple(PlanDay(WEEKDAYS[i], monday + timedelta(days=i), ()) for i in range(7))


def _blocked_plan(
    patient_id: str, profile: SafetyProfile, as_of: date, week: int, start: date | None
) -> Plan:
    reason = "; ".join(profile.blocked_reasons)
    rule_ids = []
    if any("metastases" in r for r in profile.blocked_reasons):
        rule_ids.append("bone-metastases-block")
    if any("fracture" in r for r in profile.blocked_reasons):
        rule_ids.append("recent-fracture-block")
    message = (
        f"No exercise plan has been made because {reason}. Please ask your care team to clear "
        "you for exercise and to say which movements are safe for you; they may refer you to a "
        "physiotherapist or an exercise professional who works with them. Keep up your usual "
        "daily activities unless they tell you otherwise."
    )
    return Plan(
        patient_id=patient_id,
        as_of=as_of,
        week=week,
        blocked=True,
        reason=reason,
        message=message,
        profile=profile,
        days=_empty_days(week_start(as_of, week, start)),
        rule_ids=tuple(rule_ids),
    )


def _allowed(exercise: Exercise, profile: SafetyProfile, prefs: Preferences) -> bool:
    if not exercise.usable_with(prefs.equipment):
        return False
    if profile.spine_sparing and (
        exercise.impact == "high" or exercise.loaded_spinal_flexion_or_twist
    ):
        return False
    return not (
        profile.vertebral_fracture
        and not prefs.physiotherapist_cleared_weights
        and exercise.equipment & LOADED_EQUIPMENT
    )


def _spread(days: Sequence[int], count: int) -> list[int]:
    """`count` of the sorted `days`, as evenly spaced as the list allows."""
    step = len(days) / count
    return [days[math.floor(i * step)] for i in range(count)]


def _circular_gap(a: int, b: int) -> int:
    d = abs(a - b)
    return min(d, 7 - d)


def resistance_days(days_available: Iterable[int], wanted: int) -> list[int]:
    """Up to `wanted` (at least 2) pairwise non-consecutive days, Sunday-Monday counted as
    consecutive, spread as widely as possible."""
    days = sorted(days_available)
    lo = RESISTANCE_DAYS_PER_WEEK.value[0]
    for count in range(wanted, lo - 1, -1):
        best: tuple[int, ...] | None = None
        best_gap = 0
        for combo in combinations(days, count):
            gap = min(_circular_gap(a, b) for a, b in combinations(combo, 2))
            if gap >= 2 and gap > best_gap:
                best, best_gap = combo, gap
        if best is not None:
            return list(best)
    raise PreferenceError(
        f"days_available {days}: no two non-consecutive days for resistance training"
    )


def _split_bouts(day_minutes: int, session_minutes: int) -> list[int]:
    bout_min = AEROBIC_MIN_BOUT_MINUTES.value
    count = math.ceil(day_minutes / session_minutes)
    total = max(day_minutes, bout_min * count)
    base, extra = divmod(total, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def _pick(pool: Sequence[Exercise], index: int) -> Exercise:
    return pool[index % len(pool)]


def _resistance_routine(
    pool: Sequence[Exercise], everything: Sequence[Exercise], offset: int
) -> list[Exercise]:
    """Exercises that together cover every required muscle group, plus a second legs exercise.

    Picks from `pool` (the variants within reach); a group it cannot cover comes from
    `everything` she may safely do."""
    chosen: list[Exercise] = []
    covered: set[str] = set()
    for group in RESISTANCE_MUSCLE_GROUPS.value:
        if group in covered:
            continue
        candidates = [e for e in pool if group in e.muscle_groups and e not in chosen] or [
            e for e in everything if group in e.muscle_groups and e not in chosen
        ]
        if not candidates:
            raise PreferenceError(
                f"no usable resistance exercise for {group} with this equipment: add "
                "'chair' or 'wall' to the equipment"
            )
        most = max(
            len((e.muscle_groups & set(RESISTANCE_MUSCLE_GROUPS.value)) - covered)
            for e in candidates
        )
        best = [
            e
            for e in candidates
            if len((e.muscle_groups & set(RESISTANCE_MUSCLE_GROUPS.value)) - covered) == most
        ]
        pick = _pick(best, offset)
        chosen.append(pick)
        covered |= pick.muscle_groups
    more_legs = [e for e in pool if "legs" in e.muscle_groups and e not in chosen]
    if more_legs:
        chosen.append(_pick(more_legs, offset))
    return chosen


def _within_reach(
    exercises: Sequence[Exercise], catalogue: Catalogue, max_difficulty: int
) -> list[Exercise]:
    """The exercises no harder than `max_difficulty` (all of them if that leaves none)."""
    found = [e for e in exercises if catalogue.difficulty(e.id) <= max_difficulty]
    return found or list(exercises)


def _resistance_minutes(sets: int) -> int:
    return 1 + 2 * sets


def plan_week(
    *,
    patient_id: str,
    profile: SafetyProfile,
    preferences: Preferences,
    as_of: date,
    week: int = 1,
    pain_weeks: Iterable[int] = (),
    start: date | None = None,
    logged_pain: Mapping[int, Sequence[LoggedSession]] | None = None,
    catalogue: Catalogue | None = None,
) -> Plan:
    """The plan for programme week `week`.

    Week 1 starts on the Monday of `start`'s week (the programme start, see
    `adherence.programme_start`), or without one on the Monday on or after `as_of`.
    `pain_weeks`: earlier weeks she said had pain. `logged_pain`: programme week -> her logged
    sessions with pain (`adherence.logged_pain_weeks`); its weeks before `week` step the plan
    back as `pain_weeks` do, and the notes name the sessions. Later weeks are left out.
    """
    if profile.blocked:
        return _blocked_plan(patient_id, profile, as_of, week, start)
    logged = {w: tuple(ss) for w, ss in (logged_pain or {}).items() if 1 <= w <= week and ss}
    catalogue = catalogue or default_catalogue()
    prefs = preferences
    start_low = (
        profile.spine_sparing
        or prefs.current_aerobic_minutes is None
        or prefs.current_aerobic_minutes < AEROBIC_MINUTES_PER_WEEK.value
    )
    targets = week_targets(
        week,
        current_minutes=prefs.current_aerobic_minutes,
        start_low=start_low,
        pain_weeks=frozenset(pain_weeks) | {w for w in logged if w < week},
    )
    allowed = [e for e in catalogue if _allowed(e, profile, prefs)]

    def pool(kind: Kind) -> list[Exercise]:
        found = [e for e in allowed if e.kind == kind]
        if not found:
            raise PreferenceError(
                f"no usable {kind} exercise with equipment {sorted(prefs.equipment)}"
            )
        return found

    aerobic_pool = [
        e
        for e in pool("aerobic")
        if e.weight_bearing and e.intensity == "moderate" and e.continuous
    ]
    # Harder variants unlock as she climbs the progression ladder (balance work progresses
    # too, as the 2023 Osteoporosis Canada update asks).
    max_difficulty = 1 + targets.level // LEVELS_PER_VARIANT_STEP
    resistance_pool = _within_reach(pool("resistance"), catalogue, max_difficulty)
    balance_pool = _within_reach(pool("balance"), catalogue, max_difficulty)
    flexibility_pool = pool("flexibility")
    posture_pool = pool("posture") if profile.spine_sparing else []

    available = sorted(prefs.days_available)
    lo_days, hi_days = AEROBIC_DAYS_PER_WEEK.value
    bout_min = AEROBIC_MIN_BOUT_MINUTES.value
    aerobic_day_count = max(
        lo_days, min(hi_days, len(available), targets.aerobic_minutes // bout_min)
    )
    aerobic_days = _spread(available, aerobic_day_count)
    base, extra = divmod(targets.aerobic_minutes, aerobic_day_count)
    day_minutes = {d: base + (1 if i < extra else 0) for i, d in enumerate(aerobic_days)}
    strength_days = resistance_days(available, targets.resistance_days)

    aerobic_rules = ("aerobic-weekly-minutes", "aerobic-bout", "aerobic-days")
    resistance_rules = (
        "resistance-days",
        "resistance-reps",
        "resistance-sets",
        "resistance-effort",
        "resistance-muscle-groups",
    )
    routines = {
        day: _resistance_routine(
            resistance_pool, pool("resistance"), strength_days.index(day) + week
        )
        for day in strength_days
    }
    monday = week_start(as_of, week, start)
    days: list[PlanDay] = []
    aerobic_index = 0
    for weekday in range(7):
        sessions: list[PlannedSession] = []
        if weekday in aerobic_days:
            for minutes in _split_bouts(day_minutes[weekday], prefs.session_minutes):
                exercise = _pick(aerobic_pool, aerobic_index + week)
                aerobic_index += 1
                sessions.append(PlannedSession("aerobic", minutes, exercise, aerobic_rules))
        if weekday in strength_days:
            for exercise in routines[weekday]:
                sessions.append(
                    PlannedSession(
                        "resistance",
                        _resistance_minutes(targets.sets),
                        exercise,
                        resistance_rules,
                        sets=targets.sets,
                        reps=targets.reps,
                        effort=targets.effort,
                    )
                )
        sessions.append(
            PlannedSession(
                "balance",
                BALANCE_SESSION_MINUTES.value,
                _pick(balance_pool, weekday + week),
                ("balance-daily", "multicomponent"),
            )
        )
        half = FLEXIBILITY_SESSION_MINUTES.value // 2
        for k in range(2):
            sessions.append(
                PlannedSession(
                    "flexibility",
                    half,
                    _pick(flexibility_pool, 2 * (weekday + week) + k),
                    ("flexibility-daily",),
                )
            )
        if posture_pool:
            back = [e for e in posture_pool if "back" in e.muscle_groups]
            half = POSTURE_SESSION_MINUTES.value // 2
            for k in range(2):
                sessions.append(
                    PlannedSession(
                        "posture",
                        half,
                        _pick(back, 2 * (weekday + week) + k),
                        ("posture-daily", "spine-sparing"),
                    )
                )
        days.append(PlanDay(WEEKDAYS[weekday], monday + timedelta(days=weekday), tuple(sessions)))

    rule_ids = list(aerobic_rules + resistance_rules + ("balance-daily", "flexibility-daily"))
    rule_ids.append("multicomponent")
    notes = _with_logged_pain_notes(
        targets.notes, week, targets.stepped_back_for_pain, logged, catalogue
    )
    if profile.spine_sparing:
        rule_ids += ["posture-daily", "spine-sparing", "no-high-impact"]
        notes.append(
            f"Because of {profile.spine_sparing_because}, this plan leaves out jumping and "
            "running, forward bending, twisting and lifting while bent forward, and adds posture "
            "and back-strengthening exercises every day."
        )
        if not profile.bone_density_known:
            notes.append(
                "Ask your care team whether a bone density (DXA) scan is due: with a result, "
                "the plan can include more bone-loading exercise if your bones allow it."
            )
    if profile.vertebral_fracture:
        rule_ids.append("physiotherapist-before-weights")
        notes.append(
            "After a spine (vertebral) fracture, see a physiotherapist before you use weights "
            "or bands."
            + (
                " You said a physiotherapist has cleared you for weights."
                if prefs.physiotherapist_cleared_weights
                else " Until then the strength exercises here use only your body weight."
            )
            + " Choose moderate rather than vigorous exercise."
        )
    if prefs.current_aerobic_minutes is None:
        notes.append(
            "Your current weekly exercise was not given, so the aerobic target starts at the "
            f"{AEROBIC_MINUTES_PER_WEEK.value}-minute guideline. If you do less than that now, "
            "give your usual weekly minutes and the plan will build up from there."
        )
    if targets.ramp_start_minutes is not None:
        rule_ids.append("ramp")
    if targets.easier_week:
        rule_ids.append("easier-week")
    if targets.stepped_back_for_pain:
        rule_ids.append("pain-step-back")
    unavailable = [WEEKDAYS[d].capitalize() for d in range(7) if d not in prefs.days_available]
    if unavailable:
        notes.append(
            "Short balance and stretching sessions are planned every day, including "
            + ", ".join(unavailable)
            + "."
        )
    message = (
        f"Week {week}: {targets.aerobic_minutes} minutes of weight-bearing aerobic exercise on "
        f"{len(aerobic_days)} days, strength training on {len(strength_days)} days, balance "
        "and stretching every day"
        + (", posture work every day" if profile.spine_sparing else "")
        + ". Stop and ask your care team if an exercise causes pain."
    )
    return Plan(
        patient_id=patient_id,
        as_of=as_of,
        week=week,
        blocked=False,
        reason=None,
        message=message,
        profile=profile,
        days=tuple(days),
        targets=targets,
        notes=tuple(notes),
        rule_ids=tuple(rule_ids),
        logged_pain=tuple((w, s) for w in sorted(logged) for s in logged[w]),
    )
