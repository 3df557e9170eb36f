"""Logging rules and the weekly summary: aerobic minutes against 150, resistance, balance, streaks."""

from datetime import date, timedelta

import pytest

from bonewise.exercise.adherence import (
    SessionError,
    iso_week_bounds,
    new_session,
    parse_iso_week,
    week_summary,
)
from bonewise.exercise.catalogue import UnknownExercise

TODAY = date(2026, 11, 29)  # a Sunday: ISO week 2026-W48 runs 23-29 November
MONDAY = date(2026, 11, 23)


def log(exercise_id, minutes, day, **extra):
    return new_session(
        exercise_id=exercise_id, minutes=minutes, performed_on=day, today=TODAY, **extra
    )


def summary(sessions, week=48):
    return week_summary(sessions, iso_year=2026, iso_week=week, today=TODAY)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"minutes": -5}, "minutes -5 is not allowed: give whole minutes from 1 to 600"),
        ({"minutes": 0}, "minutes 0 is not allowed"),
        ({"performed_on": TODAY + timedelta(days=1)}, "2026-11-30 is in the future"),
        ({"effort": 11}, "effort 11 is not allowed"),
        ({"pain": -1}, "pain -1 is not allowed"),
        ({"sets": 3, "reps": 10}, "sets/reps/load are for resistance exercises"),
    ],
)
def test_bad_sessions_are_refused_naming_field_and_value(kwargs, message):
    args = {
        "exercise_id": "brisk-walking",
        "minutes": 30,
        "performed_on": TODAY,
        "today": TODAY,
    } | kwargs
    with pytest.raises(SessionError, match=message):
        new_session(**args)


def test_an_unknown_exercise_is_refused():
    with pytest.raises(UnknownExercise, match="'zumba-extreme'"):
        log("zumba-extreme", 30, TODAY)


def test_kind_comes_from_the_catalogue():
    assert log("sit-to-stand", 10, TODAY, sets=2, reps=10, effort=6).kind == "resistance"
    assert log("tandem-stand", 10, TODAY).kind == "balance"


def test_only_weight_bearing_bouts_of_ten_minutes_count_toward_150():
    sessions = [
        log("brisk-walking", 30, MONDAY),
        log("brisk-walking", 9, MONDAY),  # too short to count
        log("swimming", 40, MONDAY + timedelta(1)),  # not weight-bearing
        log("dancing", 45, MONDAY + timedelta(2)),
        log("hiking", 60, MONDAY + timedelta(4)),
        log("stair-climbing", 10, MONDAY + timedelta(5)),
    ]
    s = summary(sessions)
    assert s.aerobic_minutes == 145
    assert s.aerobic_minutes_not_counted == 49
    assert not s.aerobic_met
    assert s.aerobic_days == 5  # swimming day counts as a day of 10+ min aerobic activity
    s = summary([*sessions, log("walking", 10, MONDAY + timedelta(6))])
    assert s.aerobic_minutes == 155 and s.aerobic_met


def test_resistance_days_must_not_be_consecutive():
    consecutive = summary(
        [log("sit-to-stand", 10, MONDAY), log("wall-push-up", 10, MONDAY + timedelta(1))]
    )
    assert consecutive.resistance_non_consecutive is False
    assert not consecutive.resistance_met
    spaced = summary(
        [
            log("sit-to-stand", 10, MONDAY),
            log("wall-push-up", 10, MONDAY + timedelta(2)),
            log("wall-push-up", 10, MONDAY + timedelta(2)),
        ]
    )
    assert spaced.resistance_days == (MONDAY, MONDAY + timedelta(2))
    assert spaced.resistance_non_consecutive is True and spaced.resistance_met
    assert summary([log("sit-to-stand", 10, MONDAY)]).resistance_non_consecutive is None


def test_balance_days_and_sessions_outside_the_week_are_ignored():
    sessions = [log("tandem-stand", 10, MONDAY + timedelta(i)) for i in range(7)]
    sessions.append(log("tandem-stand", 10, MONDAY - timedelta(1)))
    s = summary(sessions)
    assert s.balance_days == 7 and s.balance_met
    assert s.sessions == 7


def test_day_streak_runs_back_across_weeks_and_today_unlogged_does_not_break_it():
    days = [TODAY - timedelta(days=i) for i in range(1, 10)]  # nine days up to yesterday
    s = summary([log("walking", 15, d) for d in days])
    assert s.day_streak == 9
    s = summary([log("walking", 15, d) for d in days if d != TODAY - timedelta(days=4)])
    assert s.day_streak == 3


def test_aerobic_weeks_in_a_row():
    def full_week(monday):
        return [log("brisk-walking", 30, monday + timedelta(i)) for i in range(5)]

    sessions = full_week(MONDAY) + full_week(MONDAY - timedelta(weeks=1))
    sessions += full_week(MONDAY - timedelta(weeks=3))  # a gap at W45
    assert summary(sessions).aerobic_weeks_in_a_row == 2
    assert summary(sessions, week=45).aerobic_weeks_in_a_row == 1


def test_pain_reports_are_listed():
    s = summary([log("sit-to-stand", 10, MONDAY, pain=5), log("walking", 20, MONDAY, pain=0)])
    assert s.pain_reports == ((MONDAY, "sit-to-stand", 5),)


def test_iso_weeks_parse_and_bad_weeks_are_refused():
    assert parse_iso_week("2026-W48") == (2026, 48)
    assert iso_week_bounds(2026, 53) == (date(2026, 12, 28), date(2027, 1, 3))
    for bad in ("2026-48", "W48", "2025-W53", "2026-W00"):
        with pytest.raises(SessionError, match=r"ISO week|does not exist"):
            parse_iso_week(bad)
