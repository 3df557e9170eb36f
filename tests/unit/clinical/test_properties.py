"""Properties the rules must keep for any patient: worse bone never means less care."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bonewise.clinical.assessment import assess
from bonewise.clinical.densitometry import WHO_ORDER

from .builders import AS_OF, record, scan

SITES = ("lumbar_spine", "femoral_neck", "total_hip", "radius_33")
t_scores = st.floats(min_value=-6.0, max_value=4.0, allow_nan=False).map(lambda x: round(x, 2))
risk_factor_sets = st.fixed_dictionaries(
    {},
    optional={
        "parental_hip_fracture": st.booleans(),
        "prior_fragility_fracture_after_50": st.booleans(),
        "oral_glucocorticoids_over_6_months": st.booleans(),
        "smoking": st.sampled_from(["never", "past", "current"]),
    },
)
birth_dates = st.sampled_from(["1950-03-01", "1960-11-27", "1961-11-28", "1970-01-01"])
frax = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "date": st.just("2026-01-01"),
            "major_osteoporotic_pct": st.floats(0, 40).map(lambda x: round(x, 1)),
            "hip_pct": st.floats(0, 8).map(lambda x: round(x, 1)),
        }
    ),
)


def _therapy(result):
    return {name: d.bone_directed_therapy for name, d in result.guidelines.items()}


def _never_turned_off(before, after):
    return all(not (before[name] is True and after[name] is not True) for name in before)


@settings(max_examples=150, deadline=None)
@given(
    scores=st.dictionaries(st.sampled_from(SITES), t_scores, min_size=1),
    site=st.sampled_from(SITES),
    drop=st.floats(min_value=0.01, max_value=3.0).map(lambda x: round(x, 2)),
    factors=risk_factor_sets,
    born=birth_dates,
    frax_result=frax,
)
def test_lowering_a_t_score_never_lowers_the_category_nor_turns_therapy_off(
    scores, site, drop, factors, born, frax_result
):
    lowered = dict(scores)
    lowered[site] = max(round(lowered.get(site, scores[next(iter(scores))]) - drop, 2), -7.0)
    common = {"risk_factors": factors, "patient": {"birth_date": born}, "frax": frax_result}
    before = assess(record(dxa_scans=[scan(**scores)], **common), as_of=AS_OF)
    after = assess(record(dxa_scans=[scan(**lowered)], **common), as_of=AS_OF)
    assert WHO_ORDER[after.who_category] >= WHO_ORDER[before.who_category]
    assert _never_turned_off(_therapy(before), _therapy(after))


@settings(max_examples=150, deadline=None)
@given(
    scores=st.one_of(st.none(), st.dictionaries(st.sampled_from(SITES), t_scores, min_size=1)),
    factors=risk_factor_sets,
    added=st.sampled_from(
        [
            {"parental_hip_fracture": True},
            {"prior_fragility_fracture_after_50": True},
            {"oral_glucocorticoids_over_6_months": True},
            {"smoking": "current"},
        ]
    ),
    born=birth_dates,
)
def test_adding_a_risk_factor_never_turns_therapy_off(scores, factors, added, born):
    scans = [] if scores is None else [scan(**scores)]
    before = assess(
        record(dxa_scans=scans, risk_factors=factors, patient={"birth_date": born}), as_of=AS_OF
    )
    after = assess(
        record(dxa_scans=scans, risk_factors={**factors, **added}, patient={"birth_date": born}),
        as_of=AS_OF,
    )
    assert _never_turned_off(_therapy(before), _therapy(after))


@settings(max_examples=60, deadline=None)
@given(scores=st.dictionaries(st.sampled_from(SITES), t_scores, min_size=1))
def test_every_recommendation_explains_itself(scores):
    result = assess(record(dxa_scans=[scan(**scores)]), as_of=AS_OF)
    for rec in result.recommendations + result.safety_checks:
        assert rec.rule_id and rec.guideline and rec.citation
        assert rec.evidence in ("confirmed", "secondary", "unconfirmed", "policy")
