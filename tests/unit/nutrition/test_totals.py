"""Daily and period totals: unknown is not zero, warnings above the UL and for big doses."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonewise.nutrition.models import unknown_nutrients
from bonewise.nutrition.supplements import calcium
from bonewise.nutrition.targets import targets_for
from bonewise.nutrition.totals import Intake, summarise, summary_json, total

DAY = date(2026, 11, 26)


def food(description, grams, day=DAY, **values):
    nutrients = unknown_nutrients()
    nutrients.update(values)
    return Intake(day=day, kind="food", description=description, nutrients=nutrients, grams=grams)


def supplement(dose, day=DAY):
    return Intake(
        day=day,
        kind="supplement",
        description=dose.name,
        nutrients=dose.nutrients,
        calcium_dose_mg=dose.calcium_per_dose_mg,
    )


def test_an_unknown_value_adds_nothing_but_is_reported_as_a_share_of_the_food():
    items = [food("Milk", 300, calcium_mg=360.0), food("Cheese, caraway", 100, calcium_mg=None)]
    t = total("calcium_mg", items)
    assert t.known == 360.0
    assert t.unknown_share == pytest.approx(0.25)
    assert t.unknown_foods == ("Cheese, caraway",)


def test_zero_is_known():
    t = total("vitamin_d_iu", [food("Kale, raw", 100, vitamin_d_iu=0.0)])
    assert (t.known, t.unknown_share) == (0.0, 0.0)


def test_supplements_count_as_known_and_are_kept_apart_from_food():
    items = [food("Milk", 244, calcium_mg=293.0), supplement(calcium("citrate", elemental_mg=315))]
    t = total("calcium_mg", items)
    assert (t.from_food, t.from_supplements, t.known) == (293.0, 315.0, 608.0)
    assert t.unknown_share == 0.0


def test_a_day_below_goal_with_unknowns_says_it_may_be_higher():
    s = summarise(
        [food("Cheese, caraway", 100, calcium_mg=None), food("Milk", 100, calcium_mg=120)],
        end=DAY,
        days=1,
        targets=targets_for(age=60),
    )
    p = s.progress_for("calcium_mg")
    assert p.status == "cannot tell"  # never "below goal" while part of it is unknown
    assert p.gap == 1080
    assert p.note.startswith("at least 120 of 1,200 mg")
    assert "may be higher" in p.note


def test_a_nutrient_no_logged_food_has_a_value_for_is_unknown_not_zero():
    s = summarise(
        [food("Cheese, caraway", 100, vitamin_d_iu=None), food("Cheese, tilsit", 50)],
        end=DAY,
        days=1,
        targets=targets_for(age=60),
    )
    p = s.progress_for("vitamin_d_iu")
    assert (p.known, p.status) == (False, "unknown")
    assert p.note.startswith("unknown") and "0 of" not in p.note
    assert s.totals["vitamin_d_iu"].any_known is False
    progress = summary_json(s)["progress"]
    assert isinstance(progress, list)
    vitamin_d = next(x for x in progress if x["nutrient"] == "vitamin_d_iu")
    assert (vitamin_d["amount"], vitamin_d["status"]) == (None, "unknown")


def test_a_known_zero_is_still_below_goal():
    s = summarise(
        [food("Kale, raw", 100, vitamin_d_iu=0.0)], end=DAY, days=1, targets=targets_for(age=60)
    )
    p = s.progress_for("vitamin_d_iu")
    assert (p.known, p.status, p.amount) == (True, "below goal", 0.0)


def test_calcium_above_the_upper_limit_warns_from_age_51_not_at_50():
    items = [supplement(calcium("carbonate", elemental_mg=500)) for _ in range(3)]
    items.append(food("Milk", 500, calcium_mg=600.0))  # 2,100 mg in all
    at_51 = summarise(items, end=DAY, days=1, targets=targets_for(age=51))
    at_50 = summarise(items, end=DAY, days=1, targets=targets_for(age=50))
    assert at_51.progress_for("calcium_mg").status == "above upper limit"
    assert [w.code for w in at_51.warnings] == ["above_upper_limit"]
    assert "2,100 mg" in at_51.warnings[0].message and "2,000 mg" in at_51.warnings[0].message
    assert at_50.warnings == ()


def test_vitamin_d_above_4000_iu_warns():
    items = [
        Intake(
            day=DAY, kind="supplement", description="D3 5000", nutrients={"vitamin_d_iu": 5000.0}
        )
    ]
    s = summarise(items, end=DAY, days=1, targets=targets_for(age=60))
    assert [w.code for w in s.warnings] == ["above_upper_limit"]
    assert "vitamin d" in s.warnings[0].message


def test_a_single_calcium_dose_above_500_mg_warns_and_500_does_not():
    big = summarise(
        [supplement(calcium("carbonate", compound_mg=1500))],
        end=DAY,
        days=1,
        targets=targets_for(age=60),
    )
    ok = summarise(
        [supplement(calcium("carbonate", compound_mg=1250))],
        end=DAY,
        days=1,
        targets=targets_for(age=60),
    )
    assert [w.code for w in big.warnings] == ["single_calcium_dose"]
    assert "600 mg" in big.warnings[0].message and "ask your care team" in big.warnings[0].message
    assert ok.warnings == ()


def test_a_period_is_judged_on_the_average_logged_day():
    items = [food("Milk", 500, day=DAY - timedelta(days=d), calcium_mg=600.0) for d in (0, 2, 4)]
    items.append(food("Milk", 500, day=DAY - timedelta(days=10), calcium_mg=600.0))  # outside
    s = summarise(items, end=DAY, days=7, targets=targets_for(age=60))
    assert (s.days_logged, s.totals["calcium_mg"].known) == (3, 1800.0)
    assert s.progress_for("calcium_mg").amount == 600.0
    assert s.start == DAY - timedelta(days=6)


def test_nothing_logged_is_not_a_day_of_zero():
    s = summarise([], end=DAY, days=30, targets=targets_for(age=60))
    assert {p.status for p in s.progress} == {"nothing logged"}


def test_only_1_7_or_30_days():
    with pytest.raises(ValueError, match="days=14: use one of 1, 7, 30"):
        summarise([], end=DAY, days=14, targets=targets_for(age=60))


@given(
    st.lists(
        st.tuples(st.floats(1, 5000), st.one_of(st.none(), st.floats(0, 2000))),
        min_size=1,
        max_size=20,
    )
)
def test_unknown_share_is_a_share_and_known_sums_only_known_values(rows):
    items = [food(f"f{i}", g, calcium_mg=v) for i, (g, v) in enumerate(rows)]
    t = total("calcium_mg", items)
    assert 0.0 <= t.unknown_share <= 1.0
    assert t.known == pytest.approx(sum(v for _, v in rows if v is not None))
    assert (t.unknown_share > 0) == any(v is None for _, v in rows)
