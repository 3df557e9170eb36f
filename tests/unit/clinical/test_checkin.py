"""The weekly check-in core: bounds, the trend (a missing week is not "no pain"), the two
clinician flags at their cited thresholds, what she is told, and the pain that steps her
exercise plan back (one definition shared with logged sessions)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonewise.clinical.checkin import (
    LOW_ADHERENCE_RULE,
    PERSISTENT_PAIN_RULE,
    CheckIn,
    CheckInError,
    FlagPolicy,
    checkin_pain_weeks,
    checkin_trend,
    new_checkin,
    trend_reads_from,
)
from bonewise.evidence import AI_ADHERENCE_MIN_SHARE, PERSISTENT_PAIN_LEVEL, PERSISTENT_PAIN_WEEKS
from bonewise.exercise.adherence import LoggedSession, counts_as_pain, pain_steps_back
from bonewise.exercise.guidance import PAIN_REPORT_THRESHOLD

TODAY = date(2026, 12, 1)  # a Tuesday
MONDAY = date(2026, 11, 30)


def weekly(*pains: int, missed: int | None = 0, last: date = TODAY) -> list[CheckIn]:
    """One check-in a week, the last on `last`, oldest first."""
    n = len(pains)
    return [
        CheckIn(last - timedelta(weeks=n - 1 - i), p, "under_30", missed)
        for i, p in enumerate(pains)
    ]


def test_defaults_are_the_cited_values() -> None:
    policy = FlagPolicy()
    assert policy.pain_level == PERSISTENT_PAIN_LEVEL.value == 5
    assert policy.pain_weeks == PERSISTENT_PAIN_WEEKS.value == 2
    assert policy.adherence_min_share == AI_ADHERENCE_MIN_SHARE.value == 0.8
    assert (
        PERSISTENT_PAIN_LEVEL.evidence == "policy" and AI_ADHERENCE_MIN_SHARE.evidence == "policy"
    )


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("worst_pain", {"worst_pain": 11}),
        ("worst_pain", {"worst_pain": -1}),
        ("stiffness", {"stiffness": "all day"}),
        ("missed_ai_days", {"missed_ai_days": 8}),
        ("answered_on", {"answered_on": TODAY + timedelta(days=1)}),
        ("answered_on", {"answered_on": TODAY - timedelta(days=400)}),
    ],
)
def test_out_of_bounds_answers_name_the_field(field: str, kwargs: dict[str, object]) -> None:
    answers: dict[str, object] = {
        "answered_on": TODAY,
        "worst_pain": 3,
        "stiffness": "none",
        "missed_ai_days": 0,
    } | kwargs
    with pytest.raises(CheckInError) as err:
        new_checkin(today=TODAY, **answers)  # type: ignore[arg-type]
    assert err.value.field == field


def test_two_consecutive_weeks_at_the_level_flag_persistent_pain() -> None:
    trend = checkin_trend(weekly(2, 5, 6), today=TODAY)
    (flag,) = trend.flags
    assert flag.rule_id == PERSISTENT_PAIN_RULE
    assert flag.inputs["worst_pain"] == [5, 6]
    assert "hope-2015" not in flag.citations  # the citation text, not the key
    assert any("Serlin" in c for c in flag.citations)
    assert "5/10 or more on 2 consecutive" in flag.text


@pytest.mark.parametrize(
    "pains",
    [(6, 2, 6), (4, 4), (7,)],
    ids=["gap-breaks-the-run", "below-level", "one-week-only"],
)
def test_no_pain_flag_without_a_run(pains: tuple[int, ...]) -> None:
    assert checkin_trend(weekly(*pains), today=TODAY).flags == ()


def test_a_missing_week_breaks_the_run_and_is_not_no_pain() -> None:
    found = [
        CheckIn(TODAY - timedelta(weeks=2), 8, "over_60", 0),
        CheckIn(TODAY, 8, "over_60", 0),
    ]
    trend = checkin_trend(found, today=TODAY)
    assert trend.flags == ()
    assert [w.checkin is None for w in trend.weeks[-3:]] == [False, True, False]


def test_old_pain_outside_the_window_does_not_flag() -> None:
    old = weekly(8, 8, last=TODAY - timedelta(weeks=6))
    assert checkin_trend(old, today=TODAY).flags == ()


def test_the_level_is_configurable() -> None:
    assert checkin_trend(weekly(4, 4), today=TODAY, policy=FlagPolicy(pain_level=4)).flags


def test_a_later_answer_in_the_same_week_replaces_the_earlier() -> None:
    found = [CheckIn(MONDAY, 9, "none", 0), CheckIn(TODAY, 2, "none", 0)]
    trend = checkin_trend(found, today=TODAY)
    latest = trend.latest
    assert latest is not None and latest.worst_pain == 2


def test_adherence_below_the_share_flags_and_she_is_told_to_talk_to_her_team() -> None:
    # 2 missed of 14 days: 85.7% taken, no flag and nothing said; 4 of 14: 71.4%, flagged.
    calm = checkin_trend(weekly(1, 1, missed=1), today=TODAY)
    assert calm.flags == () and calm.messages == ()
    trend = checkin_trend(weekly(1, 1, missed=2), today=TODAY)
    (flag,) = trend.flags
    assert flag.rule_id == LOW_ADHERENCE_RULE
    assert flag.inputs["days_missed"] == 4 and flag.inputs["days_reported"] == 14
    (message,) = trend.messages
    assert "talk to your care team" in message.lower()


@given(
    pains=st.lists(st.integers(0, 10), min_size=1, max_size=8),
    missed=st.lists(st.one_of(st.none(), st.integers(0, 7)), min_size=8, max_size=8),
)
@settings(max_examples=60, deadline=None)
def test_she_is_never_told_to_take_start_stop_or_change_a_medicine(
    pains: list[int], missed: list[int | None]
) -> None:
    found = [
        CheckIn(TODAY - timedelta(weeks=len(pains) - 1 - i), p, "none", missed[i])
        for i, p in enumerate(pains)
    ]
    trend = checkin_trend(found, today=TODAY)
    for message in trend.messages:
        words = message.lower()
        for forbidden in ("take your", "take it", "start ", "stop ", "change your dose", "switch"):
            assert forbidden not in words, message
    in_window = missed[max(0, len(pains) - 4) : len(pains)]
    if all(m is None for m in in_window):  # unknown is not zero: nothing to flag
        assert all(f.rule_id != LOW_ADHERENCE_RULE for f in trend.flags)
        assert trend.adherence is None


def test_unanswered_missed_days_are_unknown_not_zero() -> None:
    trend = checkin_trend(weekly(1, 1, missed=None), today=TODAY)
    assert trend.adherence is None and trend.flags == () and trend.messages == ()


def test_check_in_pain_uses_the_one_step_back_definition() -> None:
    level = PAIN_REPORT_THRESHOLD.value
    session = LoggedSession(TODAY, "brisk-walking", "aerobic", 30, pain=level)
    assert counts_as_pain(session) and pain_steps_back(level) and not pain_steps_back(level - 1)
    found = [
        CheckIn(MONDAY - timedelta(weeks=2), level, "none", 0),
        CheckIn(MONDAY - timedelta(weeks=1), level - 1, "none", 0),
        CheckIn(MONDAY - timedelta(weeks=9), 10, "none", 0),  # before the programme
    ]
    assert checkin_pain_weeks(found, start=MONDAY - timedelta(weeks=3)) == {2}


def test_the_trend_covers_eight_weeks_ending_this_week() -> None:
    trend = checkin_trend([], today=TODAY)
    assert len(trend.weeks) == 8 and trend.weeks[-1].week_start == MONDAY
    assert trend.due_this_week and trend.as_dict()["weeks"][0]["checkin"] is None


@settings(max_examples=40, deadline=None)
@given(
    pains=st.lists(st.integers(0, 10), min_size=1, max_size=30),
    gap_days=st.integers(1, 9),
    window_weeks=st.integers(2, 16),
)
def test_the_trend_reads_nothing_before_the_day_it_says(
    pains: list[int], gap_days: int, window_weeks: int
) -> None:
    """The store loads check-ins from `trend_reads_from` (services.checkins): the trend and the
    flags from those alone are the trend from all of them (one answer to "which check-ins")."""
    policy = FlagPolicy(pain_weeks=2, window_weeks=window_weeks)
    checkins = [
        CheckIn(TODAY - timedelta(days=gap_days * i), p, "under_30", i % 3)
        for i, p in enumerate(pains)
    ]
    first = trend_reads_from(TODAY, policy=policy)
    loaded = [c for c in checkins if c.answered_on >= first]
    assert checkin_trend(loaded, today=TODAY, policy=policy) == checkin_trend(
        checkins, today=TODAY, policy=policy
    )


@pytest.mark.parametrize("window_weeks", [4, 12])
def test_a_check_in_on_the_first_day_read_counts(window_weeks: int) -> None:
    policy = FlagPolicy(window_weeks=window_weeks)
    first = trend_reads_from(TODAY, policy=policy)
    assert first.weekday() == 0
    on_the_day = [CheckIn(first, 3, "under_30", 2)]
    assert checkin_trend(on_the_day, today=TODAY, policy=policy) != checkin_trend(
        [], today=TODAY, policy=policy
    )
