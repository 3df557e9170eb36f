"""Elemental calcium, vitamin D units and supplement doses."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonewise.nutrition import supplements as s


def test_carbonate_is_40_percent_and_citrate_21_percent_elemental_calcium():
    assert s.elemental_calcium_mg(1250, "carbonate") == pytest.approx(500)
    assert s.elemental_calcium_mg(1000, "citrate") == pytest.approx(210)


def test_a_dose_from_the_compound_or_from_the_labelled_elemental_amount_agree():
    by_compound = s.calcium("carbonate", compound_mg=1250)
    by_label = s.calcium("carbonate", elemental_mg=500)
    assert by_compound.nutrients["calcium_mg"] == pytest.approx(by_label.nutrients["calcium_mg"])


def test_vitamin_d_in_ug_is_converted_at_40_iu_per_ug():
    dose = s.vitamin_d3(25, "ug")
    assert dose.nutrients["vitamin_d_iu"] == pytest.approx(1000)
    assert dose.nutrients["vitamin_d_ug"] == pytest.approx(25)
    assert s.vitamin_d3(1000, "IU").nutrients == dose.nutrients


def test_units_taken_multiply_the_label():
    dose = s.calcium("citrate", elemental_mg=315, units=2, vitamin_d=400)
    assert dose.nutrients["calcium_mg"] == pytest.approx(630)
    assert dose.nutrients["vitamin_d_iu"] == pytest.approx(800)
    assert dose.over_single_dose_limit


def test_a_multivitamin_adds_what_its_label_lists():
    dose = s.multivitamin(
        name="Centrum Silver",
        calcium_mg=220,
        vitamin_d=25,
        vitamin_d_unit="ug",
        vitamin_k_ug=30,
        magnesium_mg=50,
    )
    n = dose.nutrients
    assert (n["calcium_mg"], n["vitamin_d_iu"], n["vitamin_k_ug"], n["magnesium_mg"]) == (
        220,
        1000,
        30,
        50,
    )


def test_the_single_dose_limit_is_500_mg_elemental():
    assert not s.calcium("carbonate", elemental_mg=500).over_single_dose_limit
    assert s.calcium("carbonate", elemental_mg=501).over_single_dose_limit


@given(st.floats(min_value=0, max_value=5000), st.sampled_from(["carbonate", "citrate"]))
def test_elemental_calcium_is_never_more_than_the_compound(compound, form):
    assert 0 <= s.elemental_calcium_mg(compound, form) <= compound * 0.40 + 1e-9


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: s.calcium("carbonate"), "either compound_mg"),
        (lambda: s.calcium("carbonate", compound_mg=1250, elemental_mg=500), "either compound_mg"),
        (lambda: s.elemental_calcium_mg(1000, "gluconate"), "form='gluconate'"),  # type: ignore[arg-type]
        (lambda: s.calcium("carbonate", compound_mg=-1), "compound_mg=-1: must be 0 or more"),
        (lambda: s.calcium("carbonate", compound_mg=50000), "compound_mg=50000 is more than"),
        (lambda: s.vitamin_d3(0), "must be more than 0"),
        (lambda: s.vitamin_d3(1000, "mg"), "unit 'mg': use IU or ug"),  # type: ignore[arg-type]
        (lambda: s.vitamin_d3(1000, units=0), "units=0"),
        (lambda: s.multivitamin(name=" "), "name"),
    ],
)
def test_bad_doses_are_refused_with_the_field_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_the_calcium_salt_fractions_cite_a_reference_not_a_web_summary() -> None:
    from bonewise.nutrition.supplements import ELEMENTAL_FRACTION

    for form, cited in ELEMENTAL_FRACTION.items():
        citation = cited.source.citation
        assert "droracle" not in citation and "summary" not in citation, form
        assert "Institute of Medicine" in citation and "doi:10.17226/13050" in citation, form
        assert cited.evidence == "confirmed", form
    assert ELEMENTAL_FRACTION["carbonate"].value == 0.40
    assert ELEMENTAL_FRACTION["citrate"].value == 0.21
