"""One BMD series: the assessment, the web chart and both PDF reports answer "has her bone
density changed?" the same way for every example patient (issue 12, "One BMD series").

Each drawing is read back from what it renders (the data attributes on every drawn point and
panel), not from the model it was given, so a chart that decides again fails here.
"""

from __future__ import annotations

import base64
import re

import pytest

from bonewise.clinical.assessment import Assessment, assess
from bonewise.clinical.densitometry import BmdChange
from bonewise.render import web_charts
from bonewise.render.render import build_report, render_html

from .helpers import AS_OF, EXAMPLES, example

Drawn = dict[str, tuple[str, list[tuple[str, str, str, str]]]]  # site: (verdict, points)

PANEL = re.compile(r'<g data-site="([a-z_0-9]+)" data-baseline="[0-9-]+" data-verdict="([a-z-]*)">')
POINT = re.compile(
    r'<g data-day="([0-9-]+)" data-bmd="([0-9.]+)" data-comparable="(true|false)" '
    r'data-beyond-lsc="(true|false)">'
)


def _drawn(svg: str) -> Drawn:
    """Site -> (verdict, [(day, bmd, comparable, beyond LSC)]) as the chart draws them."""
    panels = PANEL.split(svg)[1:]
    return {
        site: (verdict, sorted(POINT.findall(body)))  # by day, whatever the drawing order
        for site, verdict, body in zip(panels[::3], panels[1::3], panels[2::3], strict=True)
    }


def _pdf_chart(name: str, audience: str) -> str:
    html = render_html(build_report(record=example(name), audience=audience, as_of=AS_OF))
    found = re.search(r'id="bmd-chart">\s*<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    return "" if found is None else base64.b64decode(found.group(1)).decode()


def _assessment_verdict(change: BmdChange) -> str:
    """The assessment's own words for a change, as its tables show them."""
    if change.converted:
        return "not-comparable"
    if change.lsc_percent is None:
        return "no-precision"
    if not change.significant:
        return "no-change"
    return "loss" if change.percent < 0 else "gain"


def _expected(a: Assessment) -> Drawn:
    changes = {c.site: c for c in a.bmd_changes}
    expected: Drawn = {}
    for series in a.bmd_series:
        change = changes.get(series.site)
        expected[series.site] = (
            series.verdict or "" if change is None else _assessment_verdict(change),
            [
                (
                    p.day.isoformat(),
                    f"{p.bmd_g_cm2:.3f}",
                    str(p.comparable).lower(),
                    str(p.beyond_lsc).lower(),
                )
                for p in series.points
            ],
        )
    return expected


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_assessment_the_web_chart_and_both_pdfs_draw_one_series(name: str) -> None:
    a = assess(example(name), as_of=AS_OF)
    expected = _expected(a)
    web = web_charts.bmd_chart(a.bmd_series) or ""
    drawn = {
        "web": _drawn(web),
        "patient pdf": _drawn(_pdf_chart(name, "patient")),
        "clinician pdf": _drawn(_pdf_chart(name, "clinician")),
    }
    for where, chart in drawn.items():
        assert chart == expected, where
    for site, (verdict, points) in expected.items():
        if verdict == "not-comparable":  # another make: shown, never joined, never a call
            assert any(comparable == "false" for _, _, comparable, _ in points), site
        if site not in {c.site for c in a.bmd_changes}:
            assert verdict in {"", "not-comparable"}, site  # nothing compared, nothing claimed


def test_lunar_conversion_is_one_answer_converted_for_information() -> None:
    """The shipped case of the issue: Hologic 0.690 then Lunar 0.790 at the femoral neck."""
    a = assess(example("lunar-conversion"), as_of=AS_OF)
    neck = next(s for s in a.bmd_series if s.site == "femoral_neck")
    assert neck.baseline.make == "lunar"
    assert [(p.make, p.comparable) for p in neck.points] == [("hologic", False), ("lunar", True)]
    change = next(c for c in a.bmd_changes if c.site == "femoral_neck")
    assert change.converted and not change.significant
    assert neck.verdict == "not-comparable"
    web = _drawn(web_charts.bmd_chart(a.bmd_series) or "")
    assert web["femoral_neck"] == (
        "not-comparable",
        [("2024-01-25", "0.690", "false", "false"), ("2026-02-10", "0.790", "true", "false")],
    )
    svg = web_charts.bmd_chart(a.bmd_series) or ""
    neck_panel = svg.split('data-site="femoral_neck"')[1].split('data-site="total_hip"')[0]
    joined = re.findall(r'<polyline points="([^"]+)"', neck_panel)
    assert all(len(line.split()) > 1 for line in joined)  # no line from the Hologic scan
    assert not joined  # one comparable scan: nothing to join
