"""Report charts drawn directly (no plotting library) as a `Drawing`: SVG or JPEG bytes.

- `bmd_drawing`: areal BMD per site over time, with the least-significant-change band around
  the baseline scan (points from another scanner make are drawn hollow and never joined).
- `intake_drawing`: daily calcium and vitamin D against their targets, when a diary exists.
- `exercise_drawing`: weekly aerobic minutes against the plan's target, when a log exists.
- `bmd_chart`, `intake_chart`, `exercise_chart`: the same as SVG documents.

Each returns None when there is nothing to draw, so a report never shows an empty chart. The
layout is fixed (no text measuring). The HTML report embeds the SVG; the PDF embeds a JPEG of
the same drawing (`Drawing.jpeg`), because WeasyPrint lays out every letter of an SVG's text
(a quarter of a report's time) and re-encodes a PNG for every document, while it embeds a JPEG
as it is. The chart's words (`Drawing.summary`) are printed under the picture, so the PDF's
text still has them. Labels on an axis are thinned so that they never overlap, whatever the
number of days.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Any

from bonewise.clinical.bmd_series import SiteSeries
from bonewise.render.fonts import DEJAVU_BOLD, DEJAVU_REGULAR, dejavu_file
from bonewise.render.model import AdherenceSummary, IntakeSummary
from bonewise.render.web_charts import nice_ticks, point_attributes, series_attributes

INK = "#1f2937"
LINE = "#1d4ed8"
BAND = "#bfdbfe"
LOSS = "#b91c1c"
OTHER = "#6b7280"
TARGET = "#047857"
GRID = "#e5e7eb"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

WIDTH = 720  # viewBox units; the report shows the chart at the text width (about 690 px on A4)
CHAR_WIDTH = 0.6  # DejaVu Sans: average advance per em, to keep labels apart without measuring
JPEG_QUALITY = 92
RASTER_SCALE = 2.0  # JPEG pixels per viewBox unit: about 200 dpi at the report's text width
# Pillow anchors: horizontal (left, middle, right) then vertical (s: the baseline, as in SVG).
ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}


@dataclass(frozen=True, slots=True)
class _Style:
    size: float  # body text, viewBox units
    title: float
    panel_height: float

    @property
    def line_height(self) -> float:
        return self.size * 1.3


CLINICIAN = _Style(size=11, title=12, panel_height=175)
PATIENT = _Style(size=16, title=17, panel_height=250)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


Op = tuple[Any, ...]


@dataclass
class Drawing:
    """A chart as a list of drawing operations, written out as one small SVG document."""

    height: float
    style: _Style
    ops: list[Op] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # titles, axis names, legend: its text

    @property
    def summary(self) -> str:
        """The chart's words (not its numbers) as one line: the text alternative printed under
        the raster chart, so the PDF's text (pdftotext, a screen reader) still has them."""
        return "; ".join(dict.fromkeys(self.words))

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        anchor: str = "start",
        size: float | None = None,
        bold: bool = False,
        color: str = INK,
        rotate: bool = False,
    ) -> None:
        self.ops.append(("text", x, y, text, anchor, size or self.style.size, bold, color, rotate))

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        color: str,
        width: float = 1.0,
        dash: tuple[float, float] | None = None,
    ) -> None:
        self.ops.append(("line", x1, y1, x2, y2, color, width, dash))

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: str,
        stroke: str | None = None,
        stroke_width: float = 0.0,
    ) -> None:
        self.ops.append(("rect", x, y, max(w, 0.0), max(h, 0.0), fill, stroke, stroke_width))

    def circle(
        self,
        cx: float,
        cy: float,
        r: float,
        *,
        fill: str | None,
        stroke: str | None = None,
        stroke_width: float = 0.0,
    ) -> None:
        self.ops.append(("circle", cx, cy, r, fill, stroke, stroke_width))

    def polyline(self, points: list[tuple[float, float]], *, color: str, width: float) -> None:
        self.ops.append(("polyline", tuple(points), color, width))

    def group(self, attributes: str) -> None:
        """Open a <g> carrying what it draws as data attributes (closed by `end_group`)."""
        self.ops.append(("group", attributes))

    def end_group(self) -> None:
        self.ops.append(("end_group",))

    def svg(self) -> bytes:
        parts = []
        for op in self.ops:
            kind = op[0]
            if kind == "text":
                _, x, y, text, anchor, size, bold, color, rotate = op
                extra = f' transform="rotate(-90 {_num(x)} {_num(y)})"' if rotate else ""
                weight = ' font-weight="bold"' if bold else ""
                parts.append(
                    f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" fill="{color}" '
                    f'text-anchor="{anchor}"{weight}{extra}>{escape(text)}</text>'
                )
            elif kind == "line":
                _, x1, y1, x2, y2, color, width, dash = op
                dashed = f' stroke-dasharray="{_num(dash[0])} {_num(dash[1])}"' if dash else ""
                parts.append(
                    f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
                    f'stroke="{color}" stroke-width="{_num(width)}"{dashed}/>'
                )
            elif kind == "rect":
                _, x, y, w, h, fill, stroke, sw = op
                outline = f' stroke="{stroke}" stroke-width="{_num(sw)}"' if stroke else ""
                parts.append(
                    f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" '
                    f'fill="{fill}"{outline}/>'
                )
            elif kind == "circle":
                _, cx, cy, r, fill, stroke, sw = op
                outline = f' stroke="{stroke}" stroke-width="{_num(sw)}"' if stroke else ""
                parts.append(
                    f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(r)}" '
                    f'fill="{fill or "none"}"{outline}/>'
                )
            elif kind == "group":
                parts.append(f"<g {op[1]}>")
            elif kind == "end_group":
                parts.append("</g>")
            else:
                _, points, color, width = op
                path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{color}" '
                    f'stroke-width="{_num(width)}"/>'
                )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_num(self.height)}" '
            f'width="{WIDTH}" height="{_num(self.height)}" font-family="DejaVu Sans, sans-serif">'
            + "".join(parts)
            + "</svg>"
        ).encode("utf-8")

    def jpeg(self, scale: float = RASTER_SCALE) -> bytes:
        """The same drawing as a JPEG `scale` times the viewBox size, for the PDF.

        WeasyPrint lays out every letter of an SVG's text and re-encodes a PNG for each
        document; a JPEG it embeds as it is. Quality 92 without chroma subsampling keeps the
        lines and letters clean. The same drawing (a report of the same data) is drawn once."""
        return _jpeg(self.height, tuple(self.ops), scale)


@functools.lru_cache(maxsize=48)
def _jpeg(height: float, ops: tuple[Op, ...], scale: float) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (round(WIDTH * scale), round(height * scale)), "white")
    draw = ImageDraw.Draw(image)
    for op in ops:
        kind = op[0]
        if kind == "text":
            _, x, y, text, anchor, size, bold, color, rotate = op
            font = _raster_font(size * scale, bold)
            where = ANCHORS[anchor]
            if rotate:
                _rotated_text(image, x * scale, y * scale, text, font, color, where)
            else:
                draw.text((x * scale, y * scale), text, fill=color, font=font, anchor=where)
        elif kind == "line":
            _, x1, y1, x2, y2, color, line_width, dash = op
            for start, end in _dashes((x1, y1), (x2, y2), dash):
                draw.line(
                    [_scaled(start, scale), _scaled(end, scale)],
                    fill=color,
                    width=max(1, round(line_width * scale)),
                )
        elif kind == "rect":
            _, x, y, w, h, fill, stroke, stroke_width = op
            draw.rectangle(
                [x * scale, y * scale, (x + w) * scale, (y + h) * scale],
                fill=fill,
                outline=stroke,
                width=round(stroke_width * scale) if stroke else 0,
            )
        elif kind == "circle":
            _, cx, cy, r, fill, stroke, stroke_width = op
            draw.ellipse(
                [(cx - r) * scale, (cy - r) * scale, (cx + r) * scale, (cy + r) * scale],
                fill=fill,
                outline=stroke,
                width=round(stroke_width * scale) if stroke else 0,
            )
        elif kind == "polyline":
            _, points, color, line_width = op
            if len(points) > 1:
                draw.line(
                    [_scaled(p, scale) for p in points],
                    fill=color,
                    width=max(1, round(line_width * scale)),
                    joint="curve",
                )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
    return out.getvalue()


def _scaled(point: tuple[float, float], scale: float) -> tuple[float, float]:
    return point[0] * scale, point[1] * scale


def _dashes(
    start: tuple[float, float], end: tuple[float, float], dash: tuple[float, float] | None
) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The drawn pieces of a line: the whole line, or its dashes for an SVG dash pattern."""
    if dash is None:
        return [(start, end)]
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1)
    if length == 0:
        return []
    on, off = dash
    pieces = []
    at = 0.0
    while at < length:
        stop = min(at + on, length)
        pieces.append(
            (
                (x1 + (x2 - x1) * at / length, y1 + (y2 - y1) * at / length),
                (x1 + (x2 - x1) * stop / length, y1 + (y2 - y1) * stop / length),
            )
        )
        at += on + off
    return pieces


@functools.lru_cache(maxsize=32)
def _raster_font(size: float, bold: bool) -> Any:
    from PIL import ImageFont

    path = dejavu_file(DEJAVU_BOLD if bold else DEJAVU_REGULAR)
    if path is None:  # no DejaVu here: Pillow's own scalable font keeps the chart readable
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


def _rotated_text(
    image: Any, x: float, y: float, text: str, font: Any, color: str, anchor: str
) -> None:
    """Text turned a quarter anticlockwise about its anchor (x, y), as SVG's rotate(-90)."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    label = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (255, 255, 255, 0))
    ImageDraw.Draw(label).text((-left, -top), text, fill=color, font=font, anchor=anchor)
    turned = label.rotate(90, expand=True)
    # (px, py) in the label lands at (py, width - px) once turned; the anchor is (-left, -top).
    image.paste(turned, (round(x + top), round(y - (label.width + left))), turned)


@dataclass(frozen=True, slots=True)
class _Plot:
    """One panel's plotting area and value-to-position mappings."""

    left: float
    top: float
    right: float
    bottom: float
    x: Callable[[float], float]
    y: Callable[[float], float]


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def _thinned(positions: Sequence[float], labels: Sequence[str], size: float) -> list[int]:
    """Indexes of the labels to print so that no two overlap (first and last kept first)."""
    if not labels:
        return []
    gap = size * 0.8
    widest = max(_text_width(line, size) for label in labels for line in label.split("\n"))
    chosen: list[int] = []
    for i in range(len(labels)):
        if not chosen or positions[i] - positions[chosen[-1]] >= widest + gap:
            chosen.append(i)
    last = len(labels) - 1
    if chosen[-1] != last and positions[last] - positions[chosen[-1]] < widest + gap:
        if len(chosen) > 1:
            chosen[-1] = last  # the latest day matters more than the one before it
    elif chosen[-1] != last:
        chosen.append(last)
    return chosen


def _y_axis(svg: Drawing, plot: _Plot, ticks: list[float], unit: str) -> None:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = 0 if step >= 1 else (1 if step >= 0.1 else (2 if step >= 0.01 else 3))
    for tick in ticks:
        py = plot.y(tick)
        svg.line(plot.left, py, plot.right, py, color=GRID)
        svg.text(plot.left - 4, py + svg.style.size * 0.35, f"{tick:,.{decimals}f}", anchor="end")
    svg.line(plot.left, plot.top, plot.left, plot.bottom, color=INK)
    svg.line(plot.left, plot.bottom, plot.right, plot.bottom, color=INK)
    mid = (plot.top + plot.bottom) / 2
    svg.text(plot.left - svg.style.size * 4.2, mid, unit, anchor="middle", rotate=True)
    svg.words.append(unit)


def _x_labels(svg: Drawing, plot: _Plot, positions: list[float], labels: list[str]) -> None:
    size = svg.style.size
    edge = plot.right + size  # the panel's right edge: a label centred past it is cut off
    positions = [
        min(x, edge - max(_text_width(line, size) for line in label.split("\n")) / 2)
        for x, label in zip(positions, labels, strict=True)
    ]
    for i in _thinned(positions, labels, size):
        for n, line in enumerate(labels[i].split("\n")):
            svg.text(
                positions[i],
                plot.bottom + size * 1.2 + n * svg.style.line_height,
                line,
                anchor="middle",
            )


BOLD_CHAR_WIDTH = 0.68  # DejaVu Sans Bold: average advance per em


def _title(
    svg: Drawing, x: float, y: float, lines: list[str], *, left: float, right: float
) -> None:
    """Title lines from `x`, moved left (never past the panel's `left`) when the longest
    would run past `right`, the panel's edge, and be cut off."""
    size = svg.style.title
    widest = max(
        len(line) * size * (BOLD_CHAR_WIDTH if n == 0 else CHAR_WIDTH)
        for n, line in enumerate(lines)
    )
    x = max(min(x, right - widest), left + 2)
    for n, line in enumerate(lines):
        svg.text(x, y + n * svg.style.line_height, line, size=size, bold=n == 0)
    svg.words.extend(lines)


def _legend(svg: Drawing, y: float, entries: list[tuple[str, str]]) -> None:
    """Legend entries (kind, label) in two columns below the panels."""
    size = svg.style.size
    for n, (kind, label) in enumerate(entries):
        x = 20 + (n % 2) * WIDTH / 2
        row_y = y + (n // 2) * svg.style.line_height * 1.2
        mark_y = row_y - size * 0.35
        if kind == "band":
            svg.rect(x, row_y - size * 0.8, 24, size * 0.9, fill=BAND)
        elif kind == "line":
            svg.line(x, mark_y, x + 24, mark_y, color=LINE, width=2)
            svg.circle(x + 12, mark_y, 3.5, fill=LINE)
        elif kind == "loss":
            svg.circle(x + 12, mark_y, 6, fill=None, stroke=LOSS, stroke_width=2)
        else:
            svg.rect(x + 8, mark_y - 4, 8, 8, fill="white", stroke=OTHER, stroke_width=1.5)
        svg.text(x + 32, row_y, label)
        svg.words.append(label)


# --- BMD ---------------------------------------------------------------------------------------
PLAIN_SITE_TITLES = {
    "lumbar_spine": "lower spine",
    "femoral_neck": "top of thigh bone",
    "total_hip": "hip",
    "radius_33": "forearm",
}
LEGEND = {
    "band": ("least significant change around the baseline", "too small a change to be sure"),
    "line": ("BMD, same scanner make", "your bone density"),
    "loss": ("loss beyond LSC", "a real drop"),
    "other": ("other scanner make (not comparable)", "another scanner (cannot compare)"),
}


def bmd_drawing(history: tuple[SiteSeries, ...], *, large: bool = False) -> Drawing | None:
    """BMD (g/cm2) per site over time with the LSC band; None if no BMD was ever measured.

    `large` is the patient's version: large type and plain words in titles and legend."""
    if not history:
        return None
    style = PATIENT if large else CLINICIAN
    columns = min(len(history), 2 if large else 3)
    rows = (len(history) + columns - 1) // columns
    used: dict[str, None] = {}
    for series in history:
        if series.lsc_g_cm2 is not None:
            used["band"] = None
        used["line"] = None
        if any(p.beyond_lsc and p.bmd_g_cm2 < series.baseline.bmd_g_cm2 for p in series.points):
            used["loss"] = None
        if series.other_make:
            used["other"] = None
    legend_rows = (len(used) + 1) // 2
    height = rows * style.panel_height + legend_rows * style.line_height * 1.2 + style.size
    svg = Drawing(height, style)
    panel_width = WIDTH / columns
    for index, series in enumerate(history):
        left = (index % columns) * panel_width
        top = (index // columns) * style.panel_height
        _bmd_panel(svg, series, left, top, panel_width, plain=large)
    words = {key: pair[1] if large else pair[0] for key, pair in LEGEND.items()}
    _legend(svg, rows * style.panel_height + style.size * 1.2, [(k, words[k]) for k in used])
    return svg


def _bmd_panel(
    svg: Drawing, series: SiteSeries, left: float, top: float, width: float, *, plain: bool
) -> None:
    style = svg.style
    base = series.baseline
    band = series.band
    low, high = (base.bmd_g_cm2, base.bmd_g_cm2) if band is None else band
    if plain:
        title = [PLAIN_SITE_TITLES.get(series.site, series.label)]
    else:
        lsc_text = "unknown" if series.lsc_percent is None else f"±{series.lsc_percent:.1f}%"
        title = [series.label, f"LSC {lsc_text} ({base.make})"]
    every = [p.bmd_g_cm2 for p in series.points] + [low, high]
    ticks = nice_ticks(min(every), max(every), 3)
    days = sorted({p.day.toordinal() for p in series.points})
    first, last = days[0] - 120, days[-1] + 120
    plot_left = left + style.size * 5.5
    plot_right = left + width - style.size
    plot_top = top + style.line_height * len(title) + style.size * 0.6
    plot_bottom = top + style.panel_height - style.line_height * 2 - style.size * 0.6

    def x(day: float) -> float:
        return plot_left + (day - first) / (last - first) * (plot_right - plot_left)

    def y(value: float) -> float:
        return plot_bottom - (value - ticks[0]) / (ticks[-1] - ticks[0]) * (plot_bottom - plot_top)

    plot = _Plot(plot_left, plot_top, plot_right, plot_bottom, x, y)
    _title(svg, plot_left, top + style.title, title, left=left, right=left + width)
    svg.group(series_attributes(series))
    if band is not None:  # no precision known for the site: no band, no call
        svg.rect(plot_left, y(high), plot_right - plot_left, y(low) - y(high), fill=BAND)
    _y_axis(svg, plot, ticks, "bone density g/cm²" if plain else "BMD g/cm²")
    svg.line(
        plot_left,
        y(base.bmd_g_cm2),
        plot_right,
        y(base.bmd_g_cm2),
        color=LINE,
        width=0.8,
        dash=(2, 2),
    )
    comparable = series.comparable
    points = [(x(p.day.toordinal()), y(p.bmd_g_cm2)) for p in comparable]
    svg.polyline(points, color=LINE, width=2)
    for p in comparable:
        svg.group(point_attributes(p))
        svg.circle(x(p.day.toordinal()), y(p.bmd_g_cm2), 3.5, fill=LINE)
        if p.beyond_lsc and p.bmd_g_cm2 < base.bmd_g_cm2:
            svg.circle(
                x(p.day.toordinal()), y(p.bmd_g_cm2), 7, fill=None, stroke=LOSS, stroke_width=2
            )
        svg.end_group()
    for p in series.other_make:
        svg.group(point_attributes(p))
        svg.rect(
            x(p.day.toordinal()) - 4,
            y(p.bmd_g_cm2) - 4,
            8,
            8,
            fill="white",
            stroke=OTHER,
            stroke_width=1.5,
        )
        svg.end_group()
    svg.end_group()
    positions = [x(d) for d in days]
    labels = [f"{MONTHS[date.fromordinal(d).month - 1]}\n{date.fromordinal(d).year}" for d in days]
    _x_labels(svg, plot, positions, labels)


# --- intake and exercise ----------------------------------------------------------------------
def _day_label(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def _bar_panel(
    svg: Drawing,
    *,
    left: float,
    width: float,
    title: list[str],
    labels: list[str],
    values: list[float | None],
    colours: list[str],
    targets: list[float],
    target_colour: str,
    unit: str,
    title_lines: int,
) -> None:
    """Bars for known values (an unknown day has no bar, never a zero bar), dashed targets."""
    style = svg.style
    top = 0.0
    plot_left = left + style.size * 5.5
    plot_right = left + width - style.size
    plot_top = top + style.line_height * title_lines + style.size * 0.6
    plot_bottom = top + style.panel_height - style.line_height * 2
    known = [v for v in values if v is not None]
    ticks = nice_ticks(0, max([*known, *(t * 1.1 for t in targets), 1.0]), 4)
    slot = (plot_right - plot_left) / max(len(values), 1)

    def x(i: float) -> float:
        return plot_left + slot * (i + 0.5)

    def y(value: float) -> float:
        return plot_bottom - value / ticks[-1] * (plot_bottom - plot_top)

    plot = _Plot(plot_left, plot_top, plot_right, plot_bottom, x, y)
    _title(svg, plot_left, top + style.title, title, left=left, right=left + width)
    _y_axis(svg, plot, ticks, unit)
    bar = min(slot * 0.75, 60)
    for i, (value, colour) in enumerate(zip(values, colours, strict=True)):
        if value is not None and value > 0:
            svg.rect(x(i) - bar / 2, y(value), bar, plot_bottom - y(value), fill=colour)
    for target in targets:
        svg.line(
            plot_left, y(target), plot_right, y(target), color=target_colour, width=1.6, dash=(6, 4)
        )
    _x_labels(svg, plot, [x(i) for i in range(len(labels))], labels)


def intake_drawing(intake: IntakeSummary | None, *, large: bool = False) -> Drawing | None:
    """Daily calcium (mg) and vitamin D (IU) with target lines; None without logged days."""
    if intake is None or not intake.days:
        return None
    style = PATIENT if large else CLINICIAN
    panels = [("calcium_mg", "Calcium", "mg/day"), ("vitamin_d_iu", "Vitamin D", "IU/day")]
    titles: list[list[str]] = []
    for key, label, _ in panels:
        known = [d for d in intake.days if getattr(d, key) is not None]
        target = intake.nutrient(key)  # type: ignore[arg-type]
        lines = [label]
        if target is not None and target.target is not None:
            lines[0] += f": target {target.target:,.0f} (dashed)"
        unknown = len(intake.days) - len(known)
        if unknown:
            lines.append(f"{unknown} day(s) unknown")
        if known and target is not None and target.unknown_share > 0:
            lines.append("known foods only: may be higher")  # unknown is not zero
        titles.append(lines)
    title_lines = max(len(t) for t in titles)
    svg = Drawing(style.panel_height + style.line_height * (title_lines - 1), style)
    svg.style = _Style(style.size, style.title, svg.height)
    labels = [_day_label(d.day) for d in intake.days]
    for n, ((key, _, unit), title) in enumerate(zip(panels, titles, strict=True)):
        target = intake.nutrient(key)  # type: ignore[arg-type]
        _bar_panel(
            svg,
            left=n * WIDTH / 2,
            width=WIDTH / 2,
            title=title,
            labels=labels,
            values=[getattr(d, key) for d in intake.days],
            colours=[LINE] * len(intake.days),
            targets=[] if target is None or target.target is None else [target.target],
            target_colour=TARGET,
            unit=unit,
            title_lines=title_lines,
        )
    return svg


def exercise_drawing(adherence: AdherenceSummary | None, *, large: bool = False) -> Drawing | None:
    """Aerobic minutes per ISO week against the weekly target; None without logged weeks."""
    if adherence is None or not adherence.weeks:
        return None
    style = PATIENT if large else CLINICIAN
    targets = sorted({w.aerobic_target for w in adherence.weeks})
    title = [
        "Aerobic minutes per week",
        f"target {', '.join(map(str, targets))} min (dashed); green: all goals met",
    ]
    svg = Drawing(style.panel_height + style.line_height, style)
    svg.style = _Style(style.size, style.title, svg.height)
    _bar_panel(
        svg,
        left=0,
        width=WIDTH,
        title=title,
        labels=[f"{_day_label(w.week_start)}\n{w.week[-3:]}" for w in adherence.weeks],
        values=[float(w.aerobic_minutes) for w in adherence.weeks],
        colours=[TARGET if w.met else LINE for w in adherence.weeks],
        targets=[float(t) for t in targets],
        target_colour=INK,
        unit="aerobic minutes",
        title_lines=2,
    )
    return svg


def bmd_chart(history: tuple[SiteSeries, ...], *, large: bool = False) -> bytes | None:
    """`bmd_drawing` as an SVG document."""
    drawing = bmd_drawing(history, large=large)
    return None if drawing is None else drawing.svg()


def intake_chart(intake: IntakeSummary | None, *, large: bool = False) -> bytes | None:
    """`intake_drawing` as an SVG document."""
    drawing = intake_drawing(intake, large=large)
    return None if drawing is None else drawing.svg()


def exercise_chart(adherence: AdherenceSummary | None, *, large: bool = False) -> bytes | None:
    """`exercise_drawing` as an SVG document."""
    drawing = exercise_drawing(adherence, large=large)
    return None if drawing is None else drawing.svg()


def forget_drawn_charts() -> None:
    """Empty the cache of drawn JPEGs (a benchmark measures a report whose charts are new)."""
    _jpeg.cache_clear()


# --- population summary (the care-gap run's summary.html) -------------------------------------
# Horizontal bars, one row a measure, in the clinician style: the HTML summary embeds the SVG.
NUMERATOR_FILL = LINE
GAP_FILL = LOSS
RATE_FILL = TARGET
MEASURE_ROW = 24.0  # viewBox units per measure
MEASURE_BAR = 15.0


@dataclass(frozen=True, slots=True)
class MeasureBar:
    """One measure's counts as the summary shows them. `rate_percent` is None when no woman
    was eligible (denominator minus excluded is 0): no bar, never a zero bar."""

    measure_id: str
    numerator: int
    gaps: int
    rate_percent: float | None


def _measure_rows(
    svg: Drawing,
    bars: Sequence[MeasureBar],
    *,
    title: str,
    ticks: list[float],
    unit: str,
    segments: Callable[[MeasureBar], list[tuple[float, str]]],
    value_label: Callable[[MeasureBar], str],
) -> float:
    """Title, one labelled row per measure with its bar segments (value, fill) laid end to
    end, a value after each bar, and the value axis below. Returns the axis' bottom."""
    style = svg.style
    widest_id = max(_text_width(b.measure_id, style.size) for b in bars)
    plot_left = 8 + widest_id + style.size
    widest_value = max(_text_width(value_label(b), style.size) for b in bars)
    plot_right = WIDTH - widest_value - style.size  # room for the value after the longest bar
    plot_top = style.title + style.line_height * 0.8
    plot_bottom = plot_top + MEASURE_ROW * len(bars)

    def x(value: float) -> float:
        return plot_left + value / ticks[-1] * (plot_right - plot_left)

    _title(svg, plot_left, style.title, [title], left=0, right=WIDTH)
    for tick in ticks:
        svg.line(x(tick), plot_top, x(tick), plot_bottom, color=GRID)
        svg.text(x(tick), plot_bottom + style.size * 1.2, f"{tick:,.0f}", anchor="middle")
    for row, bar in enumerate(bars):
        middle = plot_top + MEASURE_ROW * (row + 0.5)
        svg.text(
            plot_left - style.size * 0.5, middle + style.size * 0.35, bar.measure_id, anchor="end"
        )
        start = 0.0
        for value, fill in segments(bar):
            if value > 0:
                svg.rect(
                    x(start),
                    middle - MEASURE_BAR / 2,
                    x(start + value) - x(start),
                    MEASURE_BAR,
                    fill=fill,
                )
                start += value
        svg.text(x(start) + 4, middle + style.size * 0.35, value_label(bar))
    svg.line(plot_left, plot_top, plot_left, plot_bottom, color=INK)
    svg.line(plot_left, plot_bottom, plot_right, plot_bottom, color=INK)
    axis_y = plot_bottom + style.size * 1.2 + style.line_height
    svg.text((plot_left + plot_right) / 2, axis_y, unit, anchor="middle")
    svg.words.append(unit)
    return axis_y


def _swatches(svg: Drawing, y: float, entries: list[tuple[str, str]]) -> None:
    """Legend entries (fill, label) side by side."""
    size = svg.style.size
    x = 20.0
    for fill, label in entries:
        svg.rect(x, y - size * 0.8, 16, size * 0.9, fill=fill)
        svg.text(x + 22, y, label)
        svg.words.append(label)
        x += 22 + _text_width(label, size) + 2 * size


def measure_counts_drawing(bars: Sequence[MeasureBar]) -> Drawing | None:
    """Numerator and gaps per measure, end to end; None without measures."""
    if not bars:
        return None
    style = CLINICIAN
    height = style.title + style.line_height * 4.8 + MEASURE_ROW * len(bars) + style.size
    svg = Drawing(height, style)
    most = max(b.numerator + b.gaps for b in bars)
    axis_y = _measure_rows(
        svg,
        bars,
        title="Numerator and gaps per measure",
        ticks=nice_ticks(0, max(most, 1), 4),
        unit="women",
        segments=lambda b: [(b.numerator, NUMERATOR_FILL), (b.gaps, GAP_FILL)],
        value_label=lambda b: f"{b.numerator:,} + {b.gaps:,}",
    )
    _swatches(
        svg, axis_y + style.line_height * 1.4, [(NUMERATOR_FILL, "numerator"), (GAP_FILL, "gaps")]
    )
    return svg


def measure_rates_drawing(bars: Sequence[MeasureBar]) -> Drawing | None:
    """Performance rate per measure on 0-100%; a measure with no eligible woman has no bar
    and reads "n/a". None without measures."""
    if not bars:
        return None
    style = CLINICIAN
    height = style.title + style.line_height * 2.8 + MEASURE_ROW * len(bars) + style.size
    svg = Drawing(height, style)
    _measure_rows(
        svg,
        bars,
        title="Performance rate per measure",
        ticks=[0.0, 20.0, 40.0, 60.0, 80.0, 100.0],
        unit="performance rate (%)",
        segments=lambda b: [] if b.rate_percent is None else [(b.rate_percent, RATE_FILL)],
        value_label=lambda b: "n/a" if b.rate_percent is None else f"{b.rate_percent:.1f}%",
    )
    return svg


def measure_counts_chart(bars: Sequence[MeasureBar]) -> bytes | None:
    """`measure_counts_drawing` as an SVG document."""
    drawing = measure_counts_drawing(bars)
    return None if drawing is None else drawing.svg()


def measure_rates_chart(bars: Sequence[MeasureBar]) -> bytes | None:
    """`measure_rates_drawing` as an SVG document."""
    drawing = measure_rates_drawing(bars)
    return None if drawing is None else drawing.svg()
