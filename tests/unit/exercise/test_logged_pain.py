"""Pain she logs drives the step back: dates to programme weeks, weeks with pain, the plan."""

import json
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bonewise.exercise.adherence import (
    LoggedSession,
    logged_pain_weeks,
    new_session,
    programme_start,
    programme_week,
)
from bonewise.exercise.planner import Preferences, plan_week
from bonewise.exercise.progression import week_targets
from bonewise.exercise.safety import SafetyProfile

from .table import table_violations

START = date(2026, 11, 2)  # a Monday
TODAY = date(2026, 12, 31)
NORMAL = SafetyProfile(who_category="normal", low_for_age=False, vertebral_fracture=False)
DRUG_WORDS = ("anastrozole", "letrozole", "exemestane", "ibuprofen", "paracetamol", " mg", "dose")


def log(exercise_id, day, pain=None, minutes=20):
    return new_session(
        exercise_id=exercise_id, minutes=minutes, performed_on=day, today=TODAY, pain=pain
    )


def test_programme_starts_on_the_monday_of_her_first_logged_week():
    sessions = [log("walking", date(2026, 11, 12)), log("walking", date(2026, 11, 5))]
    assert programme_start(sessions) == START  # Thursday 5 November -> Monday 2 November
    assert programme_start([]) is None
    # An explicit start wins, and also counts from the Monday of its week.
    assert programme_start(sessions, start=date(2026, 11, 18)) == date(2026, 11, 16)


def test_logged_dates_map_to_programme_weeks():
    assert programme_week(START, start=START) == 1
    assert programme_week(START + timedelta(days=6), start=START) == 1  # Sunday
    assert programme_week(START + timedelta(days=7), start=START) == 2
    assert programme_week(START + timedelta(days=20), start=START) == 3
    assert programme_week(START - timedelta(days=1), start=START) == 0  # before the start
    # A mid-week start date counts from its Monday.
    assert programme_week(START + timedelta(days=7), start=START + timedelta(days=3)) == 2


def test_pain_weeks_are_the_weeks_with_pain_of_4_or_more_on_or_after_the_start():
    sessions = [
        log("brisk-walking", date(2026, 10, 30), pain=9),  # before the start: not counted
        log("brisk-walking", date(2026, 11, 3), pain=3),  # week 1, below the threshold
        log("walking", date(2026, 11, 4)),  # week 1, no pain given: not pain
        log("sit-to-stand", date(2026, 11, 11), pain=4),  # week 2
        log("brisk-walking", date(2026, 11, 10), pain=6),  # week 2, earlier day
        log("brisk-walking", date(2026, 11, 29), pain=7),  # week 4 (Sunday)
    ]
    weeks = logged_pain_weeks(sessions, start=START)
    assert list(weeks) == [2, 4]
    assert [(s.performed_on, s.exercise_id, s.pain) for s in weeks[2]] == [
        (date(2026, 11, 10), "brisk-walking", 6),
        (date(2026, 11, 11), "sit-to-stand", 4),
    ]
    assert [s.pain for s in weeks[4]] == [7]
    assert logged_pain_weeks([], start=START) == {}


def plan(week, sessions=(), pain_weeks=(), start=START, prefs=None):
    return plan_week(
        patient_id="p",
        profile=NORMAL,
        preferences=prefs or Preferences(current_aerobic_minutes=60),
        as_of=date(2026, 11, 27),
        week=week,
        pain_weeks=pain_weeks,
        start=start,
        logged_pain=logged_pain_weeks(sessions, start=start),
    )


def test_logged_pain_steps_back_the_next_week_and_says_which_session_in_plain_words():
    painful = [log("brisk-walking", date(2026, 11, 17), pain=6)]  # Tuesday of week 3
    without, stepped = plan(4), plan(4, painful)
    assert stepped.targets.stepped_back_for_pain and not without.targets.stepped_back_for_pain
    assert stepped.targets.level < without.targets.level
    assert stepped.targets.aerobic_minutes < without.targets.aerobic_minutes
    assert "pain-step-back" in stepped.rule_ids
    text = " ".join(stepped.notes)
    assert (
        "You logged pain in week 3, so this week steps back: pain 6/10 on Tuesday 17 November "
        "2026 (brisk walking)" in text
    )
    assert "You reported pain in week 3" not in text  # the named note replaces the plain one
    assert "Tell your care team about pain that does not settle, and stop" in text
    assert not any(word in text.lower() for word in DRUG_WORDS)
    data = json.loads(json.dumps(stepped.as_dict()))
    assert data["logged_pain"] == [
        {"week": 3, "date": "2026-11-17", "exercise_id": "brisk-walking", "pain": 6}
    ]
    assert table_violations(data, aerobic_minutes=30) == []


def test_plan_dates_follow_the_programme_start():
    p = plan(3)
    assert p.days[0].date == START + timedelta(weeks=2)
    assert p.days[0].day == "monday"


def test_logged_pain_is_a_union_with_pain_weeks_given_by_hand():
    painful = [log("sit-to-stand", date(2026, 11, 3), pain=5)]  # week 1
    by_hand = plan(5, pain_weeks={4})
    both = plan(5, painful, pain_weeks={4})
    assert both.targets == plan(5, pain_weeks={1, 4}).targets
    assert both.targets.aerobic_minutes < by_hand.targets.aerobic_minutes
    # Week 1 pain is named as having kept the plan lighter; week 4 came by hand, so no session.
    text = " ".join(both.notes)
    assert "also stepped the plan back the week after: week 1: pain 5/10" in text
    assert "You reported pain in week 4, so this week steps back" in text
    assert "You logged pain in week" not in text


def test_pain_this_week_warns_and_later_pain_is_left_out():
    this_week = [log("brisk-walking", date(2026, 11, 18), pain=8)]  # week 3
    p = plan(3, this_week)
    assert not p.targets.stepped_back_for_pain
    assert p.targets == plan(3).targets
    assert "in week 3: the plan for week 4 will step back" in " ".join(p.notes)
    assert p.logged_pain and p.logged_pain[0][0] == 3
    later = plan(2, this_week)  # planning an earlier week: week 3 pain does not count
    assert later.targets == plan(2).targets and later.logged_pain == ()


def test_a_blocked_plan_stays_blocked_whatever_the_pain():
    blocked = SafetyProfile(
        who_category="normal",
        low_for_age=False,
        vertebral_fracture=False,
        blocked_reasons=("bone metastases are recorded",),
    )
    p = plan_week(
        patient_id="p",
        profile=blocked,
        preferences=Preferences(),
        as_of=date(2026, 11, 27),
        week=3,
        start=START,
        logged_pain=logged_pain_weeks([log("walking", date(2026, 11, 10), pain=9)], start=START),
    )
    assert p.blocked and all(not d.sessions for d in p.days)
    assert p.days[0].date == START + timedelta(weeks=2)


def hardness(targets):
    """What makes a week harder: ladder level, aerobic minutes, strength days, sets, effort."""
    return (
        targets.level,
        targets.aerobic_minutes,
        targets.resistance_days,
        targets.sets,
        targets.effort,
    )


def no_harder(more, less):
    return all(a <= b for a, b in zip(hardness(more), hardness(less), strict=True))


@settings(max_examples=200, deadline=None)
@given(
    week=st.integers(1, 30),
    current=st.one_of(st.none(), st.integers(0, 300)),
    start_low=st.booleans(),
    pain=st.frozensets(st.integers(1, 29)),
    extra=st.frozensets(st.integers(1, 29), min_size=1),
)
def test_more_pain_weeks_never_make_a_week_harder(week, current, start_low, pain, extra):
    def targets(weeks):
        return week_targets(
            week,
            current_minutes=current,
            start_low=start_low,
            pain_weeks={w for w in weeks if w < week},
        )

    assert no_harder(targets(pain | extra), targets(pain))


sessions_st = st.lists(
    st.builds(
        LoggedSession,
        performed_on=st.integers(0, 69).map(lambda d: START + timedelta(days=d)),
        exercise_id=st.sampled_from(["brisk-walking", "sit-to-stand", "tandem-stand"]),
        kind=st.just("aerobic"),
        minutes=st.integers(10, 60),
        pain=st.one_of(st.none(), st.integers(0, 10)),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(
    week=st.integers(1, 10),
    logged=sessions_st,
    worse=st.lists(st.integers(0, 10), max_size=12),
    new=sessions_st,
)
def test_more_logged_pain_never_makes_the_plan_harder(week, logged, worse, new):
    # More pain: some sessions hurt more, and more painful sessions are logged.
    hurting = [
        replace(s, pain=max(s.pain or 0, w))
        for s, w in zip(logged, worse + [0] * len(logged), strict=False)
    ] + new
    prefs = Preferences(current_aerobic_minutes=45)
    less = plan(week, logged, prefs=prefs)
    more = plan(week, hurting, prefs=prefs)
    assert no_harder(more.targets, less.targets)
    assert more.days[0].date == less.days[0].date
