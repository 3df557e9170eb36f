"""Each guideline rule at its thresholds."""

import pytest

from bonewise.clinical.facts import derive_facts
from bonewise.clinical.rules import asco_2019, hadji_2017, seed_tiers

from .builders import AS_OF, record, scan


def hadji(**changes):
    return hadji_2017.decide(derive_facts(record(**changes), as_of=AS_OF))


def asco(**changes):
    return asco_2019.decide(derive_facts(record(**changes), as_of=AS_OF))


@pytest.mark.parametrize(("t", "therapy"), [(-2.0, False), (-2.01, True), (-3.5, True)])
def test_hadji_t_below_minus_2_alone_starts_therapy(t, therapy):
    assert hadji(dxa_scans=[scan(femoral_neck=t)]).bone_directed_therapy is therapy


@pytest.mark.parametrize(("t", "therapy"), [(-1.5, False), (-1.51, True)])
def test_hadji_t_below_minus_1_5_needs_one_further_risk_factor(t, therapy):
    with_factor = hadji(dxa_scans=[scan(total_hip=t)], risk_factors={"smoking": "past"})
    assert with_factor.bone_directed_therapy is therapy
    without = hadji(dxa_scans=[scan(total_hip=t)])
    assert without.bone_directed_therapy is False


@pytest.mark.parametrize(
    ("birth_date", "age", "therapy"), [("1961-11-27", 65, False), ("1960-11-27", 66, True)]
)
def test_hadji_age_over_65_is_a_risk_factor(birth_date, age, therapy):
    decision = hadji(dxa_scans=[scan(femoral_neck=-1.8)], patient={"birth_date": birth_date})
    assert derive_facts(record(patient={"birth_date": birth_date}), as_of=AS_OF).age == age
    assert decision.bone_directed_therapy is therapy


@pytest.mark.parametrize(("weight_kg", "therapy"), [(54.45, False), (54.0, True)])
def test_hadji_bmi_under_20_is_a_risk_factor(weight_kg, therapy):
    # height 165 cm: 54.45 kg is BMI 20.0; 54.0 kg is BMI 19.8
    decision = hadji(
        dxa_scans=[scan(femoral_neck=-1.8)],
        patient={"weight": {"value": weight_kg, "unit": "kg"}},
    )
    assert decision.bone_directed_therapy is therapy


@pytest.mark.parametrize(
    "factor",
    [
        {"parental_hip_fracture": True},
        {"prior_fragility_fracture_after_50": True},
        {"oral_glucocorticoids_over_6_months": True},
        {"smoking": "current"},
        {"smoking": "past"},
    ],
)
def test_hadji_each_declared_risk_factor_counts(factor):
    assert (
        hadji(dxa_scans=[scan(femoral_neck=-1.6)], risk_factors=factor).bone_directed_therapy
        is True
    )


def test_hadji_a_recorded_fragility_fracture_at_50_or_over_counts():
    fracture = [
        {"date": "2017-06-01", "site": "wrist", "fragility": True}
    ]  # born 1966-06-01: age 51
    assert (
        hadji(dxa_scans=[scan(femoral_neck=-1.6)], fractures=fracture).bone_directed_therapy is True
    )
    before_50 = [{"date": "2016-05-31", "site": "wrist", "fragility": True}]
    assert (
        hadji(dxa_scans=[scan(femoral_neck=-1.6)], fractures=before_50).bone_directed_therapy
        is False
    )
    traumatic = [{"date": "2020-06-01", "site": "wrist", "fragility": False}]
    assert (
        hadji(dxa_scans=[scan(femoral_neck=-1.6)], fractures=traumatic).bone_directed_therapy
        is False
    )


def test_hadji_without_bmd_two_risk_factors_start_therapy_one_is_undetermined():
    two = hadji(dxa_scans=[], risk_factors={"smoking": "current", "parental_hip_fracture": True})
    assert two.bone_directed_therapy is True
    assert "DXA" in two.missing
    one = hadji(dxa_scans=[], risk_factors={"smoking": "current"})
    assert one.bone_directed_therapy is None
    assert "DXA" in one.missing


def test_hadji_unrecorded_risk_factors_are_named_as_missing():
    decision = hadji(risk_factors={"smoking": None, "parental_hip_fracture": None})
    assert "smoking (current or past)" in decision.missing
    assert "family history of hip fracture" in decision.missing


def test_hadji_does_not_apply_t_score_thresholds_to_premenopausal_women():
    decision = hadji(
        dxa_scans=[scan(femoral_neck=-2.8)], patient={"menopausal_status": "premenopausal"}
    )
    assert decision.bone_directed_therapy is None


@pytest.mark.parametrize(
    ("t", "therapy", "determinacy"), [(-2.5, True, "complete"), (-2.4, False, "provisional")]
)
def test_asco_t_at_or_below_minus_2_5(t, therapy, determinacy):
    decision = asco(dxa_scans=[scan(lumbar_spine=t)])
    assert decision.bone_directed_therapy is therapy
    assert decision.determinacy == determinacy


def test_asco_radius_alone_does_not_meet_the_bmd_criterion():
    decision = asco(dxa_scans=[scan(lumbar_spine=-1.0, radius_33=-3.0)])
    assert decision.bone_directed_therapy is False
    assert decision.determinacy == "provisional"


@pytest.mark.parametrize(
    ("mof", "hip", "therapy"),
    [(20.0, 1.0, True), (19.9, 2.9, False), (5.0, 3.0, True)],
)
def test_asco_frax_thresholds(mof, hip, therapy):
    frax = {"date": "2026-01-01", "major_osteoporotic_pct": mof, "hip_pct": hip}
    assert asco(dxa_scans=[scan(femoral_neck=-1.8)], frax=frax).bone_directed_therapy is therapy


def test_asco_with_dxa_without_frax_is_provisionally_false_and_lists_the_frax_inputs():
    decision = asco(dxa_scans=[scan(femoral_neck=-1.8)])
    assert decision.bone_directed_therapy is False
    assert decision.determinacy == "provisional"
    assert "FRAX not entered" in decision.reasons
    assert any("FRAX" in m for m in decision.missing)
    assert any("FRAX" in w for w in decision.would_change_if)
    assert decision.frax_inputs["femoral_neck_t_score"] == -1.8
    assert decision.frax_inputs["parent_fractured_hip"] == "no"
    assert decision.frax_inputs["age"] == 60


@pytest.mark.parametrize(
    ("t", "therapy"), [(-0.9, False), (-1.0, False), (-1.1, True), (-2.5, True)]
)
def test_seed_tiers_follow_the_who_category(t, therapy):
    facts = derive_facts(record(dxa_scans=[scan(femoral_neck=t)]), as_of=AS_OF)
    assert seed_tiers.decide(facts).bone_directed_therapy is therapy


def test_guidelines_that_disagree_are_both_shown():
    from bonewise.clinical.assessment import assess

    result = assess(
        record(
            dxa_scans=[scan(femoral_neck=-2.2)],
            frax={"date": "2026-01-01", "major_osteoporotic_pct": 9, "hip_pct": 1.2},
        ),
        as_of=AS_OF,
    )
    assert result.guidelines["hadji-2017"].bone_directed_therapy is True
    assert result.guidelines["asco-2019"].bone_directed_therapy is False
    assert {r.guideline for r in result.recommendations} >= {
        "hadji-2017",
        "asco-2019",
        "seed-tiers",
    }


def test_hadji_unrecorded_factors_make_the_minus_2_to_minus_1_5_band_provisional():
    open_band = hadji(dxa_scans=[scan(femoral_neck=-1.6)], risk_factors={"smoking": None})
    assert open_band.bone_directed_therapy is False
    assert open_band.determinacy == "provisional"
    assert open_band.would_change_if == ["smoking (current or past)"]
    assert "smoking (current or past)" in open_band.missing
    recorded = hadji(
        dxa_scans=[scan(femoral_neck=-1.6)],
        risk_factors={"smoking": None, "parental_hip_fracture": True},
    )
    assert recorded.bone_directed_therapy is True
    # Outside the band an unrecorded factor cannot change the answer.
    assert (
        hadji(
            dxa_scans=[scan(femoral_neck=-1.4)], risk_factors={"smoking": None}
        ).bone_directed_therapy
        is False
    )
    assert (
        hadji(
            dxa_scans=[scan(femoral_neck=-2.1)], risk_factors={"smoking": None}
        ).bone_directed_therapy
        is True
    )
