"""The one BMD series per site: baseline, comparable points, LSC band and change verdict."""

from __future__ import annotations

from datetime import date

import pytest

from bonewise.clinical.bmd_series import bmd_series, site_series
from bonewise.clinical.models import DxaScan


def _scan(day: str, make: str, bmd: float, site: str = "total_hip") -> DxaScan:
    return DxaScan.model_validate(
        {"date": day, "scanner_make": make, "sites": {site: {"bmd_g_cm2": bmd}}}
    )


def test_the_latest_scan_is_compared_with_the_baseline_on_its_make():
    # Hologic total hip LSC 3.6%: the middle scan is a real loss, the latest is back in the band.
    series = site_series(
        [
            _scan("2024-01-01", "hologic", 0.900),
            _scan("2025-01-01", "hologic", 0.860),
            _scan("2026-01-01", "hologic", 0.880),
        ],
        "total_hip",
    )
    assert series is not None
    assert series.baseline.day == date(2024, 1, 1)
    assert [p.beyond_lsc for p in series.points] == [False, True, False]
    assert series.change is not None and series.change.from_date == date(2024, 1, 1)
    assert series.verdict == "no-change"
    low, high = series.band or (0.0, 0.0)
    assert (low + high) / 2 == pytest.approx(0.900)


def test_a_loss_beyond_the_lsc_is_the_verdict_and_the_latest_points_flag():
    series = site_series(
        [_scan("2024-01-01", "hologic", 0.900), _scan("2025-01-01", "hologic", 0.865)],
        "total_hip",
    )
    assert series is not None
    assert series.verdict == "loss" and series.points[-1].beyond_lsc
    assert series.change is not None and series.change.significant


def test_a_new_scanner_make_starts_a_new_baseline_and_the_old_make_is_not_comparable():
    series = site_series(
        [
            _scan("2024-01-01", "hologic", 0.900),
            _scan("2025-01-01", "lunar", 0.950),
            _scan("2026-01-01", "lunar", 0.900),
        ],
        "total_hip",
    )
    assert series is not None
    assert series.baseline.make == "lunar" and series.baseline.day == date(2025, 1, 1)
    assert [p.comparable for p in series.points] == [False, True, True]
    assert not series.points[0].beyond_lsc  # another make is never a change
    assert series.verdict == "loss"  # lunar to lunar: -5.3%, beyond the lunar LSC


def test_the_first_scan_on_a_new_make_is_converted_for_information_only():
    series = site_series(
        [_scan("2024-01-01", "hologic", 0.900), _scan("2025-01-01", "lunar", 0.800)],
        "total_hip",
    )
    assert series is not None
    assert series.change is not None and series.change.converted
    assert series.verdict == "not-comparable"


def test_a_site_without_a_conversion_across_makes_makes_no_claim():
    series = site_series(
        [
            _scan("2024-01-01", "hologic", 0.900, "lumbar_spine"),
            _scan("2025-01-01", "lunar", 0.700, "lumbar_spine"),
        ],
        "lumbar_spine",
    )
    assert series is not None
    assert series.change is None and series.verdict == "not-comparable"


def test_no_precision_no_band_and_no_call():
    series = site_series(
        [
            _scan("2024-01-01", "hologic", 0.700, "radius_33"),
            _scan("2025-01-01", "hologic", 0.600, "radius_33"),
        ],
        "radius_33",
    )
    assert series is not None
    assert series.band is None and series.verdict == "no-precision"
    assert not any(p.beyond_lsc for p in series.points)


def test_sites_without_bmd_have_no_series():
    assert [s.site for s in bmd_series([_scan("2024-01-01", "hologic", 0.9)])] == ["total_hip"]
    assert bmd_series([]) == ()
