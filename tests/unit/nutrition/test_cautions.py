"""Supplement cautions, alcohol in units, caffeine without an invented threshold."""

import re

import pytest

from bonewise import evidence
from bonewise.nutrition import cautions


def test_the_catalogue_covers_the_seed_supplements_with_sources():
    ids = {c.id for c in cautions.catalogue()}
    assert {"black_cohosh", "dong_quai", "red_clover", "soy_isoflavone_supplements"} <= ids
    for caution in cautions.catalogue():
        assert caution.evidence and all(p.citation for p in caution.evidence)
        assert "oncology team" in caution.text
        assert not re.search(r"\b(cause[sd]? recurrence|dangerous)\b", caution.text, re.I)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Remifemin Black Cohosh 20 mg", {"black_cohosh"}),
        ("Menopause blend: dong quai, red clover", {"dong_quai", "red_clover"}),
        ("Soy isoflavones 100 mg", {"soy_isoflavone_supplements"}),
        ("Calcium citrate + D3", set()),
    ],
)
def test_a_supplement_name_finds_its_cautions(label, expected):
    assert {c.id for c in cautions.supplement_cautions(label)} == expected


def test_soy_caution_keeps_the_100_mg_isoflavone_threshold():
    soy = next(c for c in cautions.catalogue() if c.id == "soy_isoflavone_supplements")
    assert soy.threshold_mg_isoflavones == 100


def test_alcohol_is_reported_in_grams_and_named_units_against_3_units_a_day():
    assert evidence.ALCOHOL_RISK_UNITS_PER_DAY.value == 3
    at = cautions.alcohol_report(24.0)
    below = cautions.alcohol_report(23.9)
    assert at.uk_units == pytest.approx(3.0) and at.at_or_above_risk_threshold
    assert not below.at_or_above_risk_threshold
    assert "24 g" in at.text and "UK units (8 g each)" in at.text and "14 g each" in at.text
    assert cautions.FRAX_UNIT_SIZE_G.evidence == "unconfirmed"


def test_caffeine_is_reported_without_a_threshold():
    report = cautions.caffeine_report(400)
    assert "400 mg" in report.text
    assert "no caffeine limit" in report.text
    assert not hasattr(report, "at_or_above_risk_threshold")
