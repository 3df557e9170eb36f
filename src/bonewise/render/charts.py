"""Report charts drawn with matplotlib (Agg, no pyplot state): SVG or PNG bytes.

- `bmd_chart`: areal BMD per site over time, with the least-significant-change band around the
  baseline scan (points from another scanner make are drawn hollow and never joined).
- `intake_chart`: daily calcium and vitamin D against their targets, when a diary exists.
- `exercise_chart`: weekly aerobic minutes against the plan's target, when a log exists.

Each returns None when there is nothing to draw, so a report never shows an empty chart.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Literal

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bonewise.render.model import AdherenceSummary, IntakeSummary, SiteSeries

ChartFormat = Literal["svg", "png"]

INK = "#1f2937"
LINE = "#1d4ed8"
BAND = "#bfdbfe"
LOSS = "#b91c1c"
OTHER = "#6b7280"
TARGET = "#047857"


# rcParams are process-global: charts drawn from several threads (the web app's threadpool) take
# turns, so one chart's style never leaks into another's.
_STYLE_LOCK = threading.Lock()


@contextmanager
def _style(large: bool) -> Iterator[None]:
    size = 13 if large else 8
    with (
        _STYLE_LOCK,
        matplotlib.rc_context(
            {
                "font.family": "DejaVu Sans",
                "font.size": size,
                "axes.titlesize": size + 1,
                "axes.labelsize": size,
                "legend.fontsize": size - 1,
                "axes.edgecolor": INK,
                "text.color": INK,
                "axes.labelcolor": INK,
                "xtick.color": INK,
                "ytick.color": INK,
                "axes.spines.top": False,
                "axes.spines.right": False,
                "svg.fonttype": "none",
                "svg.hashsalt": "bonewise",  # same chart, same bytes
            }
        ),
    ):
        yield


def _save(fig: Figure, fmt: ChartFormat) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return buffer.getvalue()


def _x(days: list[date]) -> list[float]:
    return [float(mdates.date2num(day)) for day in days]


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def bmd_chart(
    history: tuple[SiteSeries, ...], *, fmt: ChartFormat = "svg", large: bool = False
) -> bytes | None:
    """BMD (g/cm2) per site over time with the LSC band; None if no BMD was ever measured.

    `large` is the patient's version: large type and plain words in titles and legend."""
    if not history:
        return None
    with _style(large):
        columns = min(len(history), 3)
        rows = (len(history) + columns - 1) // columns
        fig = Figure(figsize=(9.0 if large else 7.5, (3.4 if large else 2.3) * rows))
        axes = fig.subplots(rows, columns, squeeze=False)
        for ax, series in zip(axes.flat, history, strict=False):
            _bmd_panel(ax, series, plain=large)
        for ax in list(axes.flat)[len(history) :]:
            ax.set_visible(False)
        labelled: dict[str, Artist] = {}
        for ax in axes.flat:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                labelled.setdefault(label, handle)
        fig.legend(
            list(labelled.values()),
            list(labelled),
            loc="lower center",
            ncol=min(len(labelled), 2),
            frameon=False,
        )
        legend_rows = (len(labelled) + 1) // 2
        fig.tight_layout(rect=(0, (0.075 if large else 0.09) * legend_rows / rows, 1, 1))
        return _save(fig, fmt)


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


def _bmd_panel(ax: Axes, series: SiteSeries, *, plain: bool = False) -> None:
    words = {key: pair[1] if plain else pair[0] for key, pair in LEGEND.items()}
    base = series.baseline
    comparable = series.comparable
    lsc = series.lsc_g_cm2
    low, high = (
        (base.bmd_g_cm2, base.bmd_g_cm2)
        if lsc is None
        else (base.bmd_g_cm2 - lsc, base.bmd_g_cm2 + lsc)
    )
    if lsc is not None:  # no precision known for the site: no band, no call
        ax.axhspan(low, high, color=BAND, lw=0, label=words["band"])
    ax.axhline(base.bmd_g_cm2, color=LINE, lw=0.8, ls=":")
    days = [p.day for p in comparable]
    values = [p.bmd_g_cm2 for p in comparable]
    ax.plot(_x(days), values, color=LINE, lw=1.6, marker="o", label=words["line"])
    lost = [p for p in comparable if series.outside_band(p) and p.bmd_g_cm2 < low]
    if lost:
        ax.plot(
            _x([p.day for p in lost]),
            [p.bmd_g_cm2 for p in lost],
            ls="none",
            marker="o",
            ms=9,
            mfc="none",
            mec=LOSS,
            mew=2,
            label=words["loss"],
        )
    others = series.other_make
    if others:
        ax.plot(
            _x([p.day for p in others]),
            [p.bmd_g_cm2 for p in others],
            ls="none",
            marker="s",
            mfc="white",
            mec=OTHER,
            mew=1.5,
            label=words["other"],
        )
    every = [p.bmd_g_cm2 for p in series.points] + [low, high]
    pad = (max(every) - min(every)) * 0.15 or 0.02
    ax.set_ylim(min(every) - pad, max(every) + pad)
    scan_days = sorted({mdates.date2num(p.day) for p in series.points})
    ax.set_xlim(scan_days[0] - 120, scan_days[-1] + 120)
    ax.set_xticks(scan_days)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    if plain:
        ax.set_title(PLAIN_SITE_TITLES.get(series.site, series.label))
    else:
        lsc_text = "unknown" if series.lsc_percent is None else f"±{series.lsc_percent:.1f}%"
        ax.set_title(f"{series.label}\nLSC {lsc_text} ({base.make})")
    ax.set_ylabel("bone density g/cm²" if plain else "BMD g/cm²")


def intake_chart(
    intake: IntakeSummary | None, *, fmt: ChartFormat = "svg", large: bool = False
) -> bytes | None:
    """Daily calcium (mg) and vitamin D (IU) with target lines; None without logged days."""
    if intake is None or not intake.days:
        return None
    panels = [
        ("calcium_mg", "Calcium", "mg/day"),
        ("vitamin_d_iu", "Vitamin D", "IU/day"),
    ]
    with _style(large):
        fig = Figure(figsize=(7.2 if large else 7.0, 3.0 if large else 2.3))
        axes = fig.subplots(1, 2, squeeze=False)[0]
        for ax, (key, label, unit) in zip(axes, panels, strict=True):
            known = [(d.day, getattr(d, key)) for d in intake.days if getattr(d, key) is not None]
            if known:
                ax.bar([k[0] for k in known], [k[1] for k in known], color=LINE, width=0.8)
            target = intake.nutrient(key)  # type: ignore[arg-type]
            title = label
            if target is not None and target.target is not None:
                ax.axhline(target.target, color=TARGET, lw=1.6, ls="--")
                title += f": target {target.target:,.0f} (dashed)"
            unknown = len(intake.days) - len(known)
            if unknown:
                title += f"\n{unknown} day(s) unknown"
            if known and target is not None and target.unknown_share > 0:
                title += "\nknown foods only: may be higher"  # unknown is not zero
            ax.set_title(title)
            ax.set_ylabel(unit)
            _date_axis(ax)
        fig.tight_layout()
        return _save(fig, fmt)


def exercise_chart(
    adherence: AdherenceSummary | None, *, fmt: ChartFormat = "svg", large: bool = False
) -> bytes | None:
    """Aerobic minutes per ISO week against the weekly target; None without logged weeks."""
    if adherence is None or not adherence.weeks:
        return None
    with _style(large):
        fig = Figure(figsize=(7.2 if large else 7.0, 2.8 if large else 2.2))
        ax = fig.subplots()
        labels = [w.week for w in adherence.weeks]
        colours = [TARGET if w.met else LINE for w in adherence.weeks]
        ax.bar(labels, [w.aerobic_minutes for w in adherence.weeks], color=colours)
        targets = sorted({w.aerobic_target for w in adherence.weeks})
        for target in targets:
            ax.axhline(target, color=INK, lw=1.2, ls="--")
        ax.set_ylabel("aerobic minutes")
        ax.set_title(
            f"Aerobic minutes per week\ntarget {', '.join(map(str, targets))} min (dashed); "
            "green: all goals met"
        )
        if len(labels) > 4:
            ax.tick_params(axis="x", labelrotation=45)
        fig.tight_layout()
        return _save(fig, fmt)
