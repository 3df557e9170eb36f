"""Suggestions, food-group coverage and cautions through the service API on a real store."""

from __future__ import annotations

from datetime import date

import pytest

from bonewise.nutrition import supplements
from bonewise.services import nutrition as service
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.store.uow import UnitOfWork

from .conftest import add_patient

DAY = date(2026, 11, 26)


@pytest.fixture
def store(food_store):
    add_patient(food_store)
    return food_store


def test_suggestions_close_todays_calcium_gap_with_exclusions(store):
    service.log_food(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id="local",
        day=DAY,
        meal="breakfast",
        ndb_no="01079",
        measure="cup",
        quantity=2,
    )  # 585.6 mg
    result = service.suggest_foods(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id="local",
        day=DAY,
        nutrient="calcium_mg",
        exclusions=["vegan"],
        limit=10,
    )
    assert result.gap == pytest.approx(1200 - 585.6)
    assert len(result.suggestions) == 10
    shares = [s.share_of_gap for s in result.suggestions]
    assert shares == sorted(shares, reverse=True)
    for s in result.suggestions:
        assert s.food.food_group_code not in {"0100", "1500"}
        assert (
            "milk" not in s.food.description.lower()
            or "almond" in s.food.description.lower()
            or "soy" in s.food.description.lower()
            or "coconut" in s.food.description.lower()
        )


def test_vitamin_d_suggestions_without_fish(store):
    result = service.suggest_foods(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id="local",
        day=DAY,
        nutrient="vitamin_d_iu",
        exclusions=["fish_free"],
        limit=5,
    )
    assert result.gap == 800
    assert result.suggestions
    assert all(s.food.food_group_code != "1500" for s in result.suggestions)


def test_a_day_of_kale_and_salmon_covers_three_groups(store):
    for ndb, grams in (("11233", 67), ("15086", 100)):  # kale raw; salmon, sockeye, raw
        service.log_food(
            uow=UnitOfWork(store),
            actor=LOCAL_OPERATOR,
            patient_id="local",
            day=DAY,
            meal="lunch",
            ndb_no=ndb,
            grams=grams,
        )
    found = {
        c.group.id: c.covered
        for c in service.food_group_coverage(
            uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id="local", day=DAY
        )
    }
    assert found == {
        "calcium_rich": True,
        "vitamin_d_rich": True,
        "anti_inflammatory": False,
        "vitamin_k_sources": True,
    }
    kale_group = service.foods_in_group(uow=UnitOfWork(store), group_id="vitamin_k_sources")
    assert "Kale, raw" in {f.description for f in kale_group}


def test_alcohol_units_caffeine_and_supplement_cautions_from_the_diary(store):
    service.log_food(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id="local",
        day=DAY,
        meal="dinner",
        ndb_no="14096",
        grams=450,
    )  # red wine, 10.6 g alcohol per 100 g
    service.log_food(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id="local",
        day=DAY,
        meal="breakfast",
        ndb_no="14209",
        grams=480,
    )  # coffee, brewed
    service.log_supplement(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id="local",
        day=DAY,
        meal="other",
        dose=supplements.multivitamin(name="Red clover isoflavones"),
    )
    found = service.intake_cautions(
        uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id="local", day=DAY
    )
    assert found.alcohol.grams == pytest.approx(450 * 0.106, rel=0.05)
    assert found.alcohol.uk_units == pytest.approx(found.alcohol.grams / 8)
    assert found.alcohol.at_or_above_risk_threshold
    assert found.caffeine.mg == pytest.approx(480 * 0.4, rel=0.05)
    assert [c.id for _, c in found.supplements] == ["red_clover"]


def test_unknown_group_is_a_clear_error(store):
    with pytest.raises(ValueError, match="group='dairy'"):
        service.foods_in_group(uow=UnitOfWork(store), group_id="dairy")
