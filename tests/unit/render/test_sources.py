"""A nutrition period summary as the report's intake summary: averages, unknowns, daily values."""

from __future__ import annotations

from datetime import timedelta

from bonewise.nutrition.targets import targets_for
from bonewise.nutrition.totals import Intake, summarise
from bonewise.services.reports import intake_summary

from .helpers import AS_OF


def food(day, calcium, vitamin_k=None, grams=100.0):
    return Intake(
        day=day,
        kind="food",
        description="test food",
        nutrients={"calcium_mg": calcium, "vitamin_d_iu": None, "vitamin_k_ug": vitamin_k},
        grams=grams,
    )


def test_averages_are_per_logged_day_and_unknown_stays_unknown():
    yesterday = AS_OF - timedelta(days=1)
    intakes = [food(yesterday, 300.0), food(yesterday, 500.0), food(AS_OF, None, grams=100.0)]
    summary = summarise(intakes, end=AS_OF, days=30, targets=targets_for(age=65))
    result = intake_summary(summary)
    assert result is not None
    assert result.days_logged == 2
    assert (result.start, result.end) == (yesterday, AS_OF)
    calcium = result.nutrient("calcium_mg")
    assert calcium is not None
    assert calcium.average_per_day == 400.0  # 800 mg over two logged days
    assert calcium.target == summary.progress_for("calcium_mg").target.goal
    assert calcium.unknown_share == 1 / 3
    assert calcium.citation and calcium.evidence == "confirmed"
    vitamin_d = result.nutrient("vitamin_d_iu")
    assert vitamin_d is not None and vitamin_d.average_per_day is None  # unknown, not zero
    assert [(d.day, d.calcium_mg) for d in result.days] == [(yesterday, 800.0), (AS_OF, None)]


def test_nothing_logged_is_no_summary():
    summary = summarise([], end=AS_OF, days=30, targets=targets_for(age=65))
    assert intake_summary(summary) is None
