"""Charts drawn server-side as small inline SVG: no script, no CDN, a few milliseconds each.

Each chart is an `<svg role="img">` with an aria-label that states every value it shows (a
screen reader hears the numbers, not the picture); the pages also say in words what the
shading means. Unknown values (a day with nothing logged) are left out, never drawn as zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from html import escape

from bonewise.clinical.bmd_series import BmdPoint, SiteSeries
from bonewise.clinical.models import SITE_LABELS

# A phone-sized canvas: shown at about its own width on a 360-390 px screen, so 13-unit text
# stays at least 12 px there (the page caps the width on a desktop).
WIDTH = 340
LEFT, RIGHT, TOP, BOTTOM = 50, 10, 48, 36
TEXT = 13  # smallest text, viewBox units
LABEL_WIDTH = 66  # room for one axis label such as 'Sep 2025' at TEXT size
INK, ACCENT, BAND, MUTED, GRID = "#1d3557", "#2a6f97", "#cfe3ef", "#4a4f55", "#e3e6ea"
LOSS = "#b91c1c"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering low..high (1, 2, 2.5 or 5 times a power of ten apart)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _fmt(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{value:,.{decimals}f}"


def _month(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def _short(day: date) -> str:
    return f"{day.day:02d} {MONTHS[day.month - 1]}"


class _Canvas:
    def __init__(self, height: int, label: str) -> None:
        self.height = height
        self.label = label
        self.parts: list[str] = []

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        anchor: str = "start",
        size: int = TEXT,
        color: str = MUTED,
        weight: str = "normal",
    ) -> None:
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{color}" '
            f'text-anchor="{anchor}" font-weight="{weight}">{escape(text)}</text>'
        )

    def svg(self) -> str:
        return (
            f'<svg class="chart" role="img" aria-label="{escape(self.label)}" '
            f'viewBox="0 0 {WIDTH} {self.height}" xmlns="http://www.w3.org/2000/svg" '
            f'font-family="system-ui, sans-serif"><title>{escape(self.label)}</title>'
            + "".join(self.parts)
            + "</svg>"
        )


def _y_axis(
    canvas: _Canvas, top: float, bottom: float, ticks: list[float], unit: str, y: object
) -> None:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    for tick in ticks:
        py = y(tick)  # type: ignore[operator]
        canvas.add(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py:.1f}" y2="{py:.1f}" stroke="{GRID}"/>'
        )
        canvas.text(LEFT - 5, py + 4, _fmt(tick, step), anchor="end")
    mid = (top + bottom) / 2
    canvas.add(
        f'<text x="12" y="{mid:.1f}" font-size="{TEXT}" fill="{MUTED}" text-anchor="middle" '
        f'transform="rotate(-90 12 {mid:.1f})">{escape(unit)}</text>'
    )
    canvas.add(f'<line x1="{LEFT}" x2="{LEFT}" y1="{top:.1f}" y2="{bottom:.1f}" stroke="{MUTED}"/>')


def series_attributes(series: SiteSeries) -> str:
    """What a drawn BMD panel shows, as data attributes (the site, its baseline and verdict),
    so that every drawing of the one series can be checked against it."""
    return (
        f'data-site="{series.site}" data-baseline="{series.baseline.day.isoformat()}" '
        f'data-verdict="{series.verdict or ""}"'
    )


def point_attributes(point: BmdPoint) -> str:
    return (
        f'data-day="{point.day.isoformat()}" data-bmd="{point.bmd_g_cm2:.3f}" '
        f'data-comparable="{str(point.comparable).lower()}" '
        f'data-beyond-lsc="{str(point.beyond_lsc).lower()}"'
    )


def bmd_chart(series: Sequence[SiteSeries]) -> str | None:
    """The assessment's BMD series drawn per site: the shaded band is the baseline +/- the least
    significant change, the line joins the scans comparable with the baseline, and a scan from
    another scanner make is a hollow square, never joined. A site with no known precision (e.g.
    the 33% radius) gets no band. Nothing is decided here (clinical/bmd_series.py)."""
    if not series:
        return None
    panel = 180
    canvas = _Canvas(panel * len(series) + 10, "")
    summary = []
    all_days = [p.day for s in series for p in s.points]
    first, last = min(all_days), max(all_days)
    span = max((last - first).days, 1)
    pad = max(span * 0.08, 30)
    x0, x1 = first.toordinal() - pad, last.toordinal() + pad

    def x(day: date) -> float:
        return LEFT + (day.toordinal() - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT)

    for index, site_series in enumerate(series):
        base = site_series.baseline.bmd_g_cm2
        band = site_series.band
        values = [p.bmd_g_cm2 for p in site_series.points]
        spread = [] if band is None else list(band)
        ticks = nice_ticks(min([*values, *spread]), max([*values, *spread]), 3)
        top = index * panel + TOP
        bottom = (index + 1) * panel - BOTTOM + 10

        def y(
            value: float, top: float = top, bottom: float = bottom, ticks: list[float] = ticks
        ) -> float:
            return bottom - (value - ticks[0]) / (ticks[-1] - ticks[0]) * (bottom - top)

        canvas.add(f"<g {series_attributes(site_series)}>")
        canvas.text(4, top - 26, SITE_LABELS[site_series.site], size=14, color=INK, weight="bold")
        if band is not None:
            band_top, band_bottom = y(band[1]), y(band[0])
            canvas.add(
                f'<rect x="{LEFT}" y="{band_top:.1f}" width="{WIDTH - LEFT - RIGHT}" '
                f'height="{band_bottom - band_top:.1f}" fill="{BAND}"/>'
            )
            band_text = f"band: baseline ± {band[1] - base:.3f} g/cm²"
            band_summary = f"; band {band[0]:.3f} to {band[1]:.3f}"
        else:
            band_text = "no known precision: no LSC band"
            band_summary = "; no least significant change known"
        _y_axis(canvas, top, bottom, ticks, "g/cm²", y)
        canvas.text(4, top - 8, band_text)
        comparable = site_series.comparable
        if len(comparable) > 1:
            path = " ".join(f"{x(p.day):.1f},{y(p.bmd_g_cm2):.1f}" for p in comparable)
            canvas.add(
                f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2.5"/>'
            )
        last_label = -1e9
        for p in site_series.points:
            cx, cy = x(p.day), y(p.bmd_g_cm2)
            if p.comparable:
                mark = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{ACCENT}"/>'
                if p.beyond_lsc and p.bmd_g_cm2 < base:
                    mark += (
                        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="8" fill="none" '
                        f'stroke="{LOSS}" stroke-width="2"/>'
                    )
            else:
                mark = (
                    f'<rect x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" '
                    f'fill="white" stroke="{MUTED}" stroke-width="2"/>'
                )
            canvas.add(f"<g {point_attributes(p)}>{mark}</g>")
            if cx - last_label >= LABEL_WIDTH:  # scans close in time: label only the first
                canvas.text(cx, bottom + 18, _month(p.day), anchor="middle")
                last_label = cx
        canvas.add("</g>")
        summary.append(
            f"{SITE_LABELS[site_series.site]}: "
            + ", ".join(
                f"{p.day.isoformat()} {p.bmd_g_cm2:.3f} g/cm²"
                + ("" if p.comparable else f" ({p.label})")
                for p in site_series.points
            )
            + band_summary
            + (f"; {site_series.verdict_words}" if site_series.verdict else "")
        )
    canvas.label = "Bone density over time. " + ". ".join(summary)
    return canvas.svg()


def _bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    target: float,
    unit: str,
    title: str,
    target_label: str,
    label_every: int,
    aria: str,
) -> str:
    height = 240
    canvas = _Canvas(height, aria)
    top, bottom = TOP + 10, height - BOTTOM
    known = [v for v in values if v is not None]
    ticks = nice_ticks(0, max([*known, target * 1.1]), 4)

    def y(value: float) -> float:
        return bottom - value / ticks[-1] * (bottom - top)

    canvas.text(4, 18, title, size=14, color=INK, weight="bold")
    _y_axis(canvas, top, bottom, ticks, unit, y)
    band = (WIDTH - LEFT - RIGHT) / max(len(values), 1)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        cx = LEFT + band * (i + 0.5)
        if value is not None and value > 0:
            canvas.add(
                f'<rect x="{cx - band * 0.38:.1f}" y="{y(value):.1f}" '
                f'width="{band * 0.76:.1f}" height="{bottom - y(value):.1f}" '
                f'fill="{ACCENT}"/>'
            )
        if i % label_every == 0:
            canvas.text(cx, bottom + 18, label, anchor="middle")
    ty = y(target)
    canvas.add(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" '
        f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="6 4"/>'
    )
    canvas.add(
        f'<line x1="4" x2="28" y1="33" y2="33" '
        f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="6 4"/>'
    )
    canvas.text(34, 37, target_label, color=INK)
    return canvas.svg()


def daily_bar_chart(
    days: Sequence[tuple[date, float | None]], *, target: float, unit: str, title: str
) -> str:
    """Daily totals against a target line; a day with nothing logged has no bar (not zero)."""
    aria = f"{title}, target {target:,.0f} {unit}. " + ", ".join(
        f"{d.isoformat()}: {'nothing logged' if v is None else f'{v:,.0f} {unit}'}" for d, v in days
    )
    return _bars(
        [_short(d) for d, _ in days],
        [v for _, v in days],
        target=target,
        unit=unit,
        title=title,
        target_label=f"target {target:,.0f} {unit}",
        label_every=max(1, math.ceil(len(days) / ((WIDTH - LEFT - RIGHT) // LABEL_WIDTH))),
        aria=aria,
    )


def weekly_minutes_chart(weeks: Sequence[tuple[date, float]], *, target: float) -> str:
    aria = f"Weight-bearing aerobic minutes per week against {target:.0f}. " + ", ".join(
        f"week of {w.isoformat()}: {m:.0f} minutes" for w, m in weeks
    )
    return _bars(
        [_short(w) for w, _ in weeks],
        [m for _, m in weeks],
        target=target,
        unit="minutes",
        title="Aerobic minutes per week (week starting)",
        target_label=f"{target:.0f} minutes a week",
        label_every=max(1, math.ceil(len(weeks) / ((WIDTH - LEFT - RIGHT) // LABEL_WIDTH))),
        aria=aria,
    )
