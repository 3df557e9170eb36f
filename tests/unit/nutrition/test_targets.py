"""Targets by age (IOM 2011) and for women on an aromatase inhibitor (Hadji 2017, ASCO 2019)."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonewise import evidence
from bonewise.nutrition.targets import targets_for


@pytest.mark.parametrize(
    ("age", "calcium_rda", "calcium_ul", "vitamin_d_rda"),
    [
        (19, 1000, 2500, 600),
        (50, 1000, 2500, 600),
        (51, 1200, 2000, 600),
        (70, 1200, 2000, 600),
        (71, 1200, 2000, 800),
        (95, 1200, 2000, 800),
    ],
)
def test_iom_2011_values_by_age(age, calcium_rda, calcium_ul, vitamin_d_rda):
    t = targets_for(age=age, on_aromatase_inhibitor=False)
    assert (t.calcium.goal, t.calcium.upper_limit) == (calcium_rda, calcium_ul)
    assert (t.vitamin_d.goal, t.vitamin_d.upper_limit) == (vitamin_d_rda, 4000)
    assert (t.vitamin_k.goal, t.vitamin_k.upper_limit) == (90, None)


def test_on_an_aromatase_inhibitor_the_aibl_goals_apply():
    t = targets_for(age=45, on_aromatase_inhibitor=True)
    assert t.calcium.goal == evidence.HADJI_CALCIUM_MG.value == 1200
    assert (t.calcium.low, t.calcium.high) == evidence.ASCO_CALCIUM_MG.value
    assert t.calcium.upper_limit == 2500  # the UL still follows her age
    assert (t.vitamin_d.low, t.vitamin_d.high) == evidence.HADJI_VITAMIN_D_IU.value
    assert t.vitamin_d.goal == 800
    assert evidence.HADJI_CALCIUM_MG in t.calcium.basis
    assert evidence.ASCO_VITAMIN_D_IU in t.vitamin_d.basis


@given(st.integers(min_value=19, max_value=120), st.booleans())
def test_every_goal_is_cited_and_below_its_upper_limit(age, on_ai):
    t = targets_for(age=age, on_aromatase_inhibitor=on_ai)
    for target in t.all:
        assert target.basis and all(c.citation for c in target.basis)
        assert target.upper_limit is None or target.goal < target.upper_limit
    if on_ai:
        assert t.calcium.goal >= 1200 and t.vitamin_d.goal >= 800


@pytest.mark.parametrize("age", [0, 18, 121, -5])
def test_ages_outside_the_adult_tables_are_refused_by_name(age):
    with pytest.raises(ValueError, match=f"age={age}: targets are given for adults aged 19 to 120"):
        targets_for(age=age)


def test_target_citations_name_the_reports_not_the_pages_they_were_read_on() -> None:
    """Issue 14: "IOM ... (via kcchampionperformance, NJ ICO fact sheet, ramseypediatric ODS
    table)" read like scraped page names in the clinician PDF's source list."""
    from bonewise.nutrition import targets as module

    citations = [evidence.IOM_2011.citation, module.IOM_VITAMIN_K.citation]
    for citation in citations:
        assert citation.startswith("Institute of Medicine. Dietary Reference Intakes for")
        assert not re.search(r"\bvia\b|skyscape|nutri-facts|kcchampion|ramsey|NJ ICO", citation)
