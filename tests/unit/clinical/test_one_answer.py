"""Issue 12 (clinical core): order and rounding never decide; rules that over-reach."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bonewise.clinical.assessment import assess
from bonewise.clinical.densitometry import WHO_ORDER
from bonewise.clinical.safety import shown

from .builders import AS_OF, record, scan

SITES = ("lumbar_spine", "femoral_neck", "total_hip")


def alert_ids(result) -> set[str]:
    return {a.id for a in result.alerts}


def test_two_dxa_scans_on_one_day_use_the_lowest_whatever_their_order():
    low = scan(femoral_neck=-2.1)
    high = scan(femoral_neck=-1.2)
    one = assess(record(dxa_scans=[low, high]), as_of=AS_OF)
    other = assess(record(dxa_scans=[high, low]), as_of=AS_OF)
    assert one.to_json() == other.to_json()
    assert one.lowest_t_score is not None and one.lowest_t_score.value == -2.1
    assert one.guidelines["hadji-2017"].bone_directed_therapy is True
    conflict = next(a for a in one.alerts if a.id == "same-day-conflict")
    assert "2025-05-20" in conflict.text and "lowest" in conflict.text


def test_two_vitamin_d_results_on_one_day_use_the_lowest_and_flag_it():
    labs = [
        {"kind": "25_oh_vitamin_d", "date": "2026-01-10", "value": 32, "unit": "ng/mL"},
        {"kind": "25_oh_vitamin_d", "date": "2026-01-10", "value": 15, "unit": "ng/mL"},
    ]
    for order in (labs, labs[::-1]):
        result = assess(record(labs=order), as_of=AS_OF)
        assert {"vitamin-d-low", "same-day-conflict"} <= alert_ids(result)


def test_identical_same_day_results_are_no_conflict():
    result = assess(
        record(dxa_scans=[scan(femoral_neck=-1.2), scan(femoral_neck=-1.2)]), as_of=AS_OF
    )
    assert "same-day-conflict" not in alert_ids(result)


def test_bmi_is_compared_as_displayed():
    result = assess(
        record(
            patient={
                "height": {"value": 160, "unit": "cm"},
                "weight": {"value": 51.2, "unit": "kg"},
            },
            dxa_scans=[scan(femoral_neck=-1.7)],
        ),
        as_of=AS_OF,
    )
    assert result.bmi == 20.0
    hadji = result.guidelines["hadji-2017"]
    assert hadji.bone_directed_therapy is False
    assert not any("BMI under 20" in r for r in hadji.reasons)


def test_the_radius_counts_only_when_spine_and_hip_cannot_be_used():
    with_central = assess(
        record(dxa_scans=[scan(lumbar_spine=-0.5, total_hip=-0.4, radius_33=-2.6)]), as_of=AS_OF
    )
    assert with_central.who_category == "normal"
    radius_only = assess(record(dxa_scans=[scan(radius_33=-2.6)]), as_of=AS_OF)
    assert radius_only.who_category == "osteoporosis"


def test_seed_tiers_alone_never_trigger_the_safety_checks():
    frax = {"date": "2025-07-01", "major_osteoporotic_pct": 8.0, "hip_pct": 1.0}
    result = assess(record(dxa_scans=[scan(femoral_neck=-1.3)], frax=frax), as_of=AS_OF)
    assert result.guidelines["seed-tiers"].bone_directed_therapy is True
    assert result.guidelines["hadji-2017"].bone_directed_therapy is False
    assert result.guidelines["asco-2019"].bone_directed_therapy is False
    assert result.safety_checks == []
    assert {r.evidence for r in result.recommendations if r.guideline == "seed-tiers"} == {
        "unconfirmed"
    }


def _bmd_scan(day: str, spine: float) -> dict:
    return {
        "date": day,
        "scanner_make": "hologic",
        "sites": {"lumbar_spine": {"bmd_g_cm2": spine, "t_score": -0.8}},
    }


def test_a_significant_first_year_loss_raises_an_alert_and_brings_the_dxa_to_12_months():
    scans = [_bmd_scan("2025-05-20", 1.000), _bmd_scan("2026-06-01", 0.950)]
    result = assess(record(dxa_scans=scans), as_of=AS_OF)
    assert "significant-bmd-loss" in alert_ids(result)
    assert result.monitoring.next_dxa_due is not None
    assert result.monitoring.next_dxa_due.isoformat() == "2027-06-01"
    stable = assess(
        record(dxa_scans=[_bmd_scan("2025-05-20", 1.0), _bmd_scan("2026-06-01", 0.99)]),
        as_of=AS_OF,
    )
    assert "significant-bmd-loss" not in alert_ids(stable)
    assert stable.monitoring.next_dxa_due.isoformat() == "2028-06-01"


def test_a_value_just_below_a_threshold_is_never_shown_as_the_threshold():
    assert shown(19.96, 20.0, below=True) == "19.96"
    assert shown(20.04, 20.0, below=False) == "20.0"
    labs = [{"kind": "25_oh_vitamin_d", "date": "2026-01-10", "value": 19.96, "unit": "ng/mL"}]
    low = next(a for a in assess(record(labs=labs), as_of=AS_OF).alerts if a.id == "vitamin-d-low")
    assert "19.96 ng/mL" in low.text


def test_premenopausal_without_z_scores_is_not_told_they_are_within_range():
    result = assess(
        record(
            patient={"menopausal_status": "premenopausal"},
            therapy={
                "agent": "exemestane",
                "start_date": "2025-06-01",
                "ovarian_suppression": True,
            },
        ),
        as_of=AS_OF,
    )
    note = next(r for r in result.recommendations if r.id == "densitometry.premenopausal")
    assert "within the expected range" not in note.text
    assert "No Z-scores reported" in note.text


def test_a_bmd_only_scan_is_not_called_no_bmd_measurement():
    other = {
        "date": "2025-05-20",
        "scanner_make": "other",
        "sites": {"femoral_neck": {"bmd_g_cm2": 0.7}},
    }
    hadji = assess(record(dxa_scans=[other]), as_of=AS_OF).guidelines["hadji-2017"]
    assert not any("no BMD measurement" in r for r in hadji.reasons)
    assert any("without a usable T-score" in r for r in hadji.reasons)


t_scores = st.floats(min_value=-5.0, max_value=3.0, allow_nan=False).map(lambda x: round(x, 1))


@settings(max_examples=100, deadline=None)
@given(
    scores=st.dictionaries(st.sampled_from(SITES), t_scores, min_size=1),
    site=st.sampled_from(SITES),
    drop=st.floats(min_value=0.1, max_value=2.0).map(lambda x: round(x, 1)),
    first=st.booleans(),
)
def test_adding_a_same_day_lower_value_never_raises_the_who_category(scores, site, drop, first):
    before = assess(record(dxa_scans=[scan(**scores)]), as_of=AS_OF)
    lower = {site: max(round(scores.get(site, min(scores.values())) - drop, 1), -7.0)}
    extra = [scan(**scores), scan(**lower)]
    after = assess(record(dxa_scans=extra if first else extra[::-1]), as_of=AS_OF)
    assert WHO_ORDER[after.who_category] >= WHO_ORDER[before.who_category]


def test_a_computed_t_score_near_a_threshold_says_so():
    # Lunar femoral neck 0.75 g/cm2 computes to about -2.1 on the Hologic scale.
    lunar = {
        "date": "2025-05-20",
        "scanner_make": "lunar",
        "sites": {"femoral_neck": {"bmd_g_cm2": 0.75}},
    }
    result = assess(record(dxa_scans=[lunar]), as_of=AS_OF)
    assert result.lowest_t_score is not None and result.lowest_t_score.computed
    hadji = result.guidelines["hadji-2017"]
    assert any(r.startswith("near threshold") and "lunar" in r for r in hadji.reasons)
    hologic = {
        "date": "2025-05-20",
        "scanner_make": "hologic",
        "sites": {"femoral_neck": {"bmd_g_cm2": 0.62}},
    }
    plain = assess(record(dxa_scans=[hologic]), as_of=AS_OF).guidelines["hadji-2017"]
    assert not any(r.startswith("near threshold") for r in plain.reasons)


def test_the_baseline_dxa_clock_says_due_by_then_turns_red_after_three_months():
    started = {"agent": "anastrozole", "start_date": "2026-10-01"}
    early = assess(record(therapy=started, dxa_scans=[]), as_of=AS_OF)
    due = next(a for a in early.alerts if a.id == "no-baseline-dxa")
    assert (due.severity, "due by 2027-01-01" in due.text) == ("info", True)
    late = assess(record(dxa_scans=[]), as_of=AS_OF)  # started 2025-06-01
    gap = next(a for a in late.alerts if a.id == "no-baseline-dxa")
    assert gap.severity == "critical"
    assert "was due by 2025-09-01" in gap.text


def test_the_next_denosumab_dose_has_one_answer_in_every_example() -> None:
    """Monitoring's next denosumab date is the therapy schedule's, never a second reckoning."""
    from pathlib import Path

    from bonewise.importers.patient_file import load_patient_file

    examples = sorted(
        (Path(__file__).resolve().parents[3] / "examples" / "patients").glob("*.json")
    )
    seen_denosumab = False
    for path in examples:
        a = assess(load_patient_file(path, today=AS_OF), as_of=AS_OF)
        therapy = a.bone_therapy
        if therapy.agent == "denosumab" and therapy.on_therapy:
            seen_denosumab = True
            assert a.monitoring.next_denosumab_dose_due == therapy.next_dose_due, path.name
        else:
            assert a.monitoring.next_denosumab_dose_due is None, path.name
    assert seen_denosumab
