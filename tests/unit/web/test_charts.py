"""Server-side SVG charts: ticks cover the data, unknown days are not drawn as zero, and the
accessible label carries the numbers."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bonewise.clinical.assessment import assess
from bonewise.clinical.bmd_series import SiteSeries
from bonewise.clinical.densitometry import least_significant_change_pct
from bonewise.clinical.models import PatientRecord
from bonewise.render import web_charts as charts

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "patients"
AS_OF = date(2026, 11, 27)


def _series(record: PatientRecord) -> list[SiteSeries]:
    return assess(record, as_of=AS_OF).bmd_series


@given(
    st.floats(min_value=-1e4, max_value=1e4, allow_nan=False),
    st.floats(min_value=1e-3, max_value=1e4, allow_nan=False),
)
def test_ticks_cover_the_range_evenly(low: float, span: float) -> None:
    ticks = charts.nice_ticks(low, low + span)
    assert ticks[0] <= low + 1e-9
    assert ticks[-1] >= low + span - 1e-9
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    assert 2 <= len(ticks) <= 12


def test_a_day_with_nothing_logged_has_no_bar() -> None:
    start = date(2026, 11, 1)
    days = [(start + timedelta(days=i), None if i % 2 else 500.0) for i in range(10)]
    svg = charts.daily_bar_chart(days, target=1200, unit="mg", title="Calcium")
    assert svg.count("<rect") == 5
    assert "2026-11-02: nothing logged" in svg
    assert "2026-11-01: 500 mg" in svg
    assert 'role="img"' in svg


def test_bmd_chart_states_each_value_and_the_lsc_band() -> None:
    data = json.loads((EXAMPLES / "osteopenia-with-risk-factors.json").read_text())
    record = PatientRecord.parse(data, today=date(2026, 11, 27))
    svg = charts.bmd_chart(_series(record))
    assert svg is not None
    assert "lumbar spine (L1-L4): 2025-06-01 0.905 g/cm²" in svg
    assert svg.count("<circle") == 3  # one scan, three sites with a BMD
    assert "band" in svg


def test_no_bmd_chart_without_a_bmd_value() -> None:
    data = json.loads((EXAMPLES / "no-dxa-yet.json").read_text())
    record = PatientRecord.parse(data, today=date(2026, 11, 27))
    assert charts.bmd_chart(_series(record)) is None


def _with_forearm() -> PatientRecord:
    """Two Hologic scans that also measured the 33% radius (no cited precision for it)."""
    data = json.loads((EXAMPLES / "lapsed-denosumab.json").read_text())
    for scan, bmd in zip(data["dxa_scans"], (0.700, 0.650), strict=True):
        scan["sites"]["radius_33"] = {"bmd_g_cm2": bmd, "t_score": -1.5}
    return PatientRecord.parse(data, today=date(2026, 11, 27))


def test_the_band_is_the_clinical_least_significant_change() -> None:
    svg = charts.bmd_chart(_series(_with_forearm()))
    assert svg is not None
    lsc_pct = least_significant_change_pct("hologic", "lumbar_spine")
    assert lsc_pct is not None
    lsc = lsc_pct / 100 * 0.840  # the first lumbar-spine BMD
    assert f"band {0.840 - lsc:.3f} to {0.840 + lsc:.3f}" in svg


def test_no_band_where_no_precision_is_known() -> None:
    assert least_significant_change_pct("hologic", "radius_33") is None
    svg = charts.bmd_chart(_series(_with_forearm()))
    assert svg is not None
    label = svg.split('aria-label="')[1].split('"')[0]
    radius_part = next(p for p in label.split(". ") if "radius" in p)
    assert "no least significant change known" in radius_part
    assert "band" not in radius_part
    assert svg.count("<rect") == 3  # spine, neck and hip bands; none for the forearm


def test_the_facilitys_own_precision_sets_the_band() -> None:
    data = json.loads((EXAMPLES / "lapsed-denosumab.json").read_text())
    for scan in data["dxa_scans"]:
        scan["sites"]["radius_33"] = {"bmd_g_cm2": 0.700, "t_score": -1.5}
        scan["facility_precision_pct"] = {"radius_33": 1.0}
    svg = charts.bmd_chart(_series(PatientRecord.parse(data, today=AS_OF)))
    assert svg is not None
    lsc = 2.77 * 1.0 / 100 * 0.700
    assert f"band {0.700 - lsc:.3f} to {0.700 + lsc:.3f}" in svg
