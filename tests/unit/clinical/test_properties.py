"""Properties the rules must keep for any patient: worse bone never means less care."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bonewise.clinical.assessment import STARTING_RECOMMENDATIONS, assess
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


# --- Issue 11 ----------------------------------------------------------------------------------
FACTOR_CHOICES = {
    "parental_hip_fracture": st.booleans(),
    "prior_fragility_fracture_after_50": st.booleans(),
    "vertebral_fracture": st.booleans(),
    "oral_glucocorticoids_over_6_months": st.booleans(),
    "smoking": st.sampled_from(["never", "past", "current"]),
}
unrecorded = {name: None for name in FACTOR_CHOICES}


@settings(max_examples=150, deadline=None)
@given(
    scores=st.one_of(st.none(), st.dictionaries(st.sampled_from(SITES), t_scores, min_size=1)),
    recorded=st.fixed_dictionaries({}, optional=FACTOR_CHOICES),
    newly=st.sampled_from(sorted(FACTOR_CHOICES)).flatmap(
        lambda name: FACTOR_CHOICES[name].map(lambda value: {name: value})
    ),
    born=birth_dates,
    frax_result=frax,
)
def test_a_newly_recorded_risk_factor_never_turns_true_into_false(
    scores, recorded, newly, born, frax_result
):
    """Recording any answer (yes or no) for a factor that was not recorded."""
    scans = [] if scores is None else [scan(**scores)]
    before_factors = {**unrecorded, **recorded}
    name = next(iter(newly))
    before_factors[name] = None
    common = {"dxa_scans": scans, "patient": {"birth_date": born}, "frax": frax_result}
    before = assess(record(risk_factors=before_factors, **common), as_of=AS_OF)
    after = assess(record(risk_factors={**before_factors, **newly}, **common), as_of=AS_OF)
    assert _never_turned_off(_therapy(before), _therapy(after))


courses = st.sampled_from(
    [
        [{"agent": "denosumab", "doses": ["2026-03-02", "2026-09-01"]}],
        [{"agent": "zoledronic_acid", "dose_mg": 4, "doses": ["2026-07-01"]}],
        [{"agent": "zoledronic_acid", "dose_mg": 5, "doses": ["2025-06-01"]}],  # overdue
        [{"agent": "alendronate", "start_date": "2026-10-01"}],
        [{"agent": "risedronate", "doses": ["2026-10-15"], "start_date": "2024-01-01"}],
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    scores=st.one_of(st.none(), st.dictionaries(st.sampled_from(SITES), t_scores, min_size=1)),
    factors=risk_factor_sets,
    born=birth_dates,
    frax_result=frax,
    course=courses,
)
def test_active_therapy_never_yields_consider_starting(scores, factors, born, frax_result, course):
    scans = [] if scores is None else [scan(**scores)]
    result = assess(
        record(
            dxa_scans=scans,
            risk_factors=factors,
            patient={"birth_date": born},
            frax=frax_result,
            bone_therapy=course,
        ),
        as_of=AS_OF,
    )
    assert result.bone_therapy.status in ("active", "overdue")
    assert not {r.id for r in result.recommendations} & STARTING_RECOMMENDATIONS
    for rec in result.recommendations + result.safety_checks:
        text = rec.text.lower()
        assert "consider" not in text and "before starting" not in text, rec.text


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 11, 27)).map(date.isoformat)


@st.composite
def shuffled_records(draw):
    """A record with several scans (same-day ones too), labs, fractures and courses, and the
    same record with every list in another order."""
    scan_days = draw(st.lists(days, min_size=1, max_size=4))
    scans = [
        scan(d, **draw(st.dictionaries(st.sampled_from(SITES), t_scores, min_size=1)))
        for d in scan_days
    ]
    labs = [
        {"kind": kind, "date": draw(days), "value": draw(st.sampled_from(values)), "unit": unit}
        for kind, unit, values in (
            ("25_oh_vitamin_d", "ng/mL", (12, 18, 25, 40)),
            ("25_oh_vitamin_d", "ng/mL", (12, 18, 25, 40)),
            ("serum_calcium", "mg/dL", (8.1, 9.4)),
            ("creatinine_clearance", "mL/min", (32, 80)),
        )
    ]
    fractures = [
        {"date": draw(days), "site": site, "fragility": draw(st.sampled_from([True, False, None]))}
        for site in draw(st.lists(st.sampled_from(["hip", "wrist", "vertebra L2"]), max_size=3))
    ]
    therapy = draw(
        st.lists(
            st.sampled_from(
                [
                    {"agent": "denosumab", "doses": ["2025-03-01", "2025-09-01", "2026-03-02"]},
                    {"agent": "zoledronic_acid", "doses": ["2026-01-10"]},
                    {"agent": "alendronate", "start_date": "2024-06-01", "end_date": "2025-06-01"},
                ]
            ),
            max_size=3,
            unique_by=lambda c: c["agent"],
        )
    )
    data = {"dxa_scans": scans, "labs": labs, "fractures": fractures, "bone_therapy": therapy}
    shuffled = {key: draw(st.permutations(value)) for key, value in data.items()}
    shuffled["bone_therapy"] = [
        {**c, "doses": draw(st.permutations(c["doses"]))} if "doses" in c else c
        for c in shuffled["bone_therapy"]
    ]
    return data, shuffled


@settings(max_examples=120, deadline=None)
@given(pair=shuffled_records())
def test_the_order_of_records_never_changes_the_assessment(pair):
    data, shuffled = pair
    one = assess(record(**data), as_of=AS_OF).to_json()
    other = assess(record(**shuffled), as_of=AS_OF).to_json()
    assert one == other
