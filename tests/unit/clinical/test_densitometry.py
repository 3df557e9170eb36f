from datetime import date

import pytest

from bonewise.clinical import densitometry as d
from bonewise.clinical.models import DxaScan

from .builders import scan


@pytest.mark.parametrize(
    ("t", "category"),
    [
        (0.5, "normal"),
        (-1.0, "normal"),
        (-1.01, "osteopenia"),
        (-2.49, "osteopenia"),
        (-2.5, "osteoporosis"),
        (-4.0, "osteoporosis"),
    ],
)
def test_who_category_at_its_thresholds(t, category):
    assert d.who_category(t) == category


def test_lowest_t_score_is_taken_across_sites():
    s = DxaScan.model_validate(scan(lumbar_spine=-1.2, femoral_neck=-2.1, total_hip=-1.7))
    lowest = d.lowest_t_score(s)
    assert (lowest.site, lowest.value, lowest.computed) == ("femoral_neck", -2.1, False)


def test_radius_counts_for_the_lowest_t_score_when_measured():
    s = DxaScan.model_validate(scan(lumbar_spine=-1.2, radius_33=-2.6))
    assert d.lowest_t_score(s).site == "radius_33"


def test_t_score_is_computed_from_hologic_femoral_neck_bmd_and_labelled():
    s = DxaScan.model_validate(
        {
            "date": "2025-01-01",
            "scanner_make": "hologic",
            "sites": {"femoral_neck": {"bmd_g_cm2": 0.738}},
        }
    )
    (score,) = d.site_scores(s)
    # (0.738 - 0.858) / 0.120 = -1.0 against NHANES III white women 20-29
    assert score.value == -1.0
    assert score.computed is True
    assert "NHANES III" in score.basis


def test_lunar_bmd_is_converted_to_the_hologic_scale_before_computing():
    lunar = d.computed_t_score(0.880, "lunar", "total_hip")
    hologic_same_number = d.computed_t_score(0.880, "hologic", "total_hip")
    # Lunar reads higher than Hologic at the hip, so the same number means a lower T-score.
    assert lunar < hologic_same_number
    expected_hologic_bmd = (-0.031 + 0.979 * 0.880 - 0.006) / 1.008
    assert lunar == round((expected_hologic_bmd - 0.942) / 0.122, 1)


def test_reported_t_score_wins_over_bmd():
    s = DxaScan.model_validate(
        {
            "date": "2025-01-01",
            "scanner_make": "hologic",
            "sites": {"femoral_neck": {"bmd_g_cm2": 0.6, "t_score": -1.1}},
        }
    )
    assert d.lowest_t_score(s).value == -1.1


def test_no_t_score_is_computed_for_the_spine():
    s = DxaScan.model_validate(
        {
            "date": "2025-01-01",
            "scanner_make": "hologic",
            "sites": {"lumbar_spine": {"bmd_g_cm2": 0.9}},
        }
    )
    assert d.lowest_t_score(s) is None


@pytest.mark.parametrize(
    ("z", "reading"),
    [(-2.0, "below the expected range for age"), (-1.9, "within the expected range for age")],
)
def test_z_score_reading(z, reading):
    assert d.z_score_interpretation(z) == reading


def _bmd_scan(day, make, bmd, site="total_hip"):
    return DxaScan.model_validate(
        {"date": day, "scanner_make": make, "sites": {site: {"bmd_g_cm2": bmd}}}
    )


def test_change_beyond_the_least_significant_change_is_significant():
    # Hologic total hip precision 1.3% -> LSC 3.6%
    change = d.bmd_change(
        _bmd_scan("2024-01-01", "hologic", 0.900),
        _bmd_scan("2025-01-01", "hologic", 0.865),
        "total_hip",
    )
    assert change.lsc_percent == pytest.approx(2.77 * 1.3, abs=0.01)
    assert change.percent == pytest.approx(-3.89, abs=0.01)
    assert change.significant is True


def test_change_within_the_lsc_is_not_significant():
    change = d.bmd_change(
        _bmd_scan("2024-01-01", "hologic", 0.900),
        _bmd_scan("2025-01-01", "hologic", 0.880),
        "total_hip",
    )
    assert change.significant is False


def test_facility_precision_overrides_the_default():
    change = d.bmd_change(
        _bmd_scan("2024-01-01", "hologic", 0.900),
        _bmd_scan("2025-01-01", "hologic", 0.880),
        "total_hip",
        facility_precision_pct={"total_hip": 0.7},
    )
    assert change.lsc_percent == pytest.approx(1.94, abs=0.01)
    assert change.significant is True


def test_changes_across_scanner_makes_are_converted_labelled_and_never_called_significant():
    change = d.bmd_change(
        _bmd_scan("2024-01-01", "hologic", 0.900),
        _bmd_scan("2025-01-01", "lunar", 0.800),
        "total_hip",
    )
    assert change.converted is True
    assert "sBMD" in change.note
    assert change.significant is False


def test_no_change_across_makes_for_a_site_without_a_conversion():
    earlier = _bmd_scan("2024-01-01", "hologic", 0.9, site="radius_33")
    later = _bmd_scan("2025-01-01", "lunar", 0.8, site="radius_33")
    assert d.bmd_change(earlier, later, "radius_33") is None


def test_dates_are_kept_on_the_change():
    change = d.bmd_change(
        _bmd_scan("2024-01-01", "hologic", 0.9),
        _bmd_scan("2025-01-01", "hologic", 0.9),
        "total_hip",
    )
    assert (change.from_date, change.to_date) == (date(2024, 1, 1), date(2025, 1, 1))


def test_no_significance_call_without_a_known_precision():
    earlier = _bmd_scan("2024-01-01", "hologic", 0.70, site="radius_33")
    later = _bmd_scan("2025-01-01", "hologic", 0.60, site="radius_33")
    change = d.bmd_change(earlier, later, "radius_33")
    assert change.lsc_percent is None
    assert change.significant is False
    assert "facility" in change.note
    configured = d.bmd_change(
        earlier, later, "radius_33", facility_precision_pct={"radius_33": 1.0}
    )
    assert configured.significant is True


def test_the_scans_facility_precision_sets_the_lsc():
    earlier = _bmd_scan("2024-01-01", "hologic", 0.900)
    later = DxaScan.model_validate(
        {
            "date": "2025-01-01",
            "scanner_make": "hologic",
            "sites": {"total_hip": {"bmd_g_cm2": 0.880}},
            "facility_precision_pct": {"total_hip": 0.7},
        }
    )
    change = d.bmd_change(earlier, later, "total_hip")
    assert change.lsc_percent == pytest.approx(1.94, abs=0.01)
    assert change.significant is True  # -2.2% is beyond 1.94%, within the default 3.6%


def test_facility_precision_must_be_plausible():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        DxaScan.model_validate(
            {
                "date": "2025-01-01",
                "scanner_make": "hologic",
                "sites": {"total_hip": {"bmd_g_cm2": 0.88}},
                "facility_precision_pct": {"total_hip": 25},
            }
        )


def test_facility_precision_only_for_measured_sites():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="radius_33, not measured"):
        DxaScan.model_validate(
            {
                "date": "2025-01-01",
                "scanner_make": "hologic",
                "sites": {"total_hip": {"bmd_g_cm2": 0.88}},
                "facility_precision_pct": {"radius_33": 1.0},
            }
        )
