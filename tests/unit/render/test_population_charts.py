"""The care-gap summary's charts come from the one chart module (render/charts.py), in its
style, and show what the summary's table says: a measure nobody is eligible for has no bar."""

from __future__ import annotations

import ast
from pathlib import Path

import pyarrow as pa

from bonewise.population.report import _charts, performance_rate
from bonewise.population.runner import MeasureOutcome
from bonewise.render.charts import (
    WIDTH,
    MeasureBar,
    measure_counts_drawing,
    measure_rates_chart,
    measure_rates_drawing,
)

PACKAGE = Path(__file__).parents[3] / "src" / "bonewise"
CHART_MODULES = {"render/charts.py", "render/web_charts.py"}
PLOTTING = ("matplotlib", "plotly", "seaborn", "altair", "bokeh", "pygal")
NO_GAPS = pa.table({"patient_id": [], "index_date": [], "clinician_review": []})


def _outcome(mid: str, *, denominator: int, excluded: int, numerator: int) -> MeasureOutcome:
    gaps = denominator - excluded - numerator
    return MeasureOutcome(mid, denominator, numerator, excluded, gaps, NO_GAPS)


def test_no_module_outside_the_chart_modules_imports_a_plotting_library() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        text = path.read_text()
        if not any(name in text for name in PLOTTING):
            continue  # parse only the modules that name one
        for node in ast.walk(ast.parse(text, filename=str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if relative not in CHART_MODULES and any(n.split(".")[0] in PLOTTING for n in names):
                offenders.append(f"{relative}:{node.lineno}")  # type: ignore[attr-defined]
    assert offenders == []


def test_the_summary_charts_are_the_chart_modules_drawings_of_each_measure() -> None:
    measures = {
        "baseline-dxa": _outcome("baseline-dxa", denominator=10, excluded=2, numerator=6),
        "vitamin-d-recheck": _outcome("vitamin-d-recheck", denominator=3, excluded=3, numerator=0),
    }
    counts, rates = _charts(type("Run", (), {"measures": measures})())  # type: ignore[arg-type]
    for chart in (counts, rates):
        assert chart.startswith("<svg") and 'font-family="DejaVu Sans' in chart
        assert "baseline-dxa" in chart and "vitamin-d-recheck" in chart
    assert ">6 + 2<" in counts and ">75.0%<" in rates and ">n/a<" in rates
    bars = [MeasureBar(i, o.numerator, o.gaps, performance_rate(o)) for i, o in measures.items()]
    drawn = measure_rates_chart(bars)
    assert drawn is not None and drawn.decode().endswith(str(rates))


def test_a_measure_with_no_eligible_woman_has_no_bar_not_a_zero_bar() -> None:
    bars = [MeasureBar("a", 1, 1, 50.0), MeasureBar("b", 0, 0, None)]
    drawing = measure_rates_drawing(bars)
    assert drawing is not None
    filled = [op for op in drawing.ops if op[0] == "rect"]
    assert len(filled) == 1  # one bar: measure a's
    assert "n/a" in [op[3] for op in drawing.ops if op[0] == "text"]


def test_bars_are_to_scale_and_every_label_stays_on_the_canvas() -> None:
    bars = [MeasureBar("baseline-dxa", 640_000, 245_000, 72.3), MeasureBar("t", 1, 999_999, 0.1)]
    drawing = measure_counts_drawing(bars)
    assert drawing is not None
    rects = [op for op in drawing.ops if op[0] == "rect" and op[3] > 20]  # bars, not swatches
    numerator, gaps = rects[0][3], rects[1][3]
    assert abs(numerator / gaps - 640_000 / 245_000) < 0.01
    for op in drawing.ops:
        if op[0] == "text":
            _, x, _y, text, anchor, size, *_ = op
            width = len(text) * size * 0.6
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            assert left >= 0 and left + width <= WIDTH, text
    assert "numerator; gaps" in drawing.summary


def test_nothing_to_draw_draws_nothing() -> None:
    assert measure_counts_drawing([]) is None and measure_rates_drawing([]) is None
