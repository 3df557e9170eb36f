"""Charts drawn server-side as inline SVG (matplotlib, Agg): no script, no CDN.

Each chart comes with a text summary for screen readers (the SVG gets role="img" and an
aria-label); the pages also show the numbers in a table.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt

from bonewise import evidence
from bonewise.clinical.densitometry import precision_pct
from bonewise.clinical.models import SITE_LABELS, SITES, PatientRecord, ScannerMake

_LOCK = threading.Lock()  # pyplot is not thread-safe; FastAPI runs handlers in a threadpool
_INK, _ACCENT, _BAND, _MUTED = "#1d3557", "#2a6f97", "#cfe3ef", "#6c757d"
plt.rcParams.update(
    {"font.size": 9, "svg.fonttype": "none", "axes.spines.top": False, "axes.spines.right": False}
)


def _num(day: date) -> float:
    return float(mdates.date2num(day))


def _svg(fig: plt.Figure, label: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    start = text.find("<svg")
    svg = text[start:]
    svg = re.sub(r'\swidth="[^"]+"\sheight="[^"]+"', "", svg, count=1)
    escaped = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg", f'<svg role="img" aria-label="{escaped}" class="chart"', 1)


def bmd_chart(record: PatientRecord) -> str | None:
    """BMD per site over time; the shaded band is baseline +/- the least significant change."""
    scans = record.scans_by_date
    sites = [
        s
        for s in SITES
        if any((r := sc.sites.get(s)) is not None and r.bmd_g_cm2 is not None for sc in scans)
    ]
    if not sites:
        return None
    summary: list[str] = []
    with _LOCK:
        fig, axes = plt.subplots(len(sites), 1, figsize=(6, 1.9 * len(sites)), squeeze=False)
        for ax, site in zip(axes[:, 0], sites, strict=True):
            points: list[tuple[date, float, ScannerMake]] = []
            for sc in scans:
                result = sc.sites.get(site)
                if result is not None and result.bmd_g_cm2 is not None:
                    points.append((sc.date, float(result.bmd_g_cm2), sc.scanner_make))
            days = [p[0] for p in points]
            values = [p[1] for p in points]
            _, base, make = points[0]
            lsc = evidence.LSC_FACTOR.value * precision_pct(make, site) / 100 * base
            ax.axhspan(
                base - lsc, base + lsc, color=_BAND, label=f"baseline ± LSC ({lsc:.3f} g/cm²)"
            )
            ax.plot(days, values, marker="o", color=_ACCENT, linewidth=2)
            ax.set_title(SITE_LABELS[site], loc="left", color=_INK)
            ax.set_ylabel("g/cm²")
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
            ax.legend(loc="lower left", frameon=False, fontsize=8)
            if len(days) == 1:
                ax.set_xlim(_num(days[0] - timedelta(days=60)), _num(days[0] + timedelta(days=60)))
            summary.append(
                f"{SITE_LABELS[site]}: "
                + ", ".join(f"{d.isoformat()} {v:.3f}" for d, v in zip(days, values, strict=True))
                + f" (LSC ±{lsc:.3f} around baseline {base:.3f})"
            )
        fig.tight_layout()
        return _svg(fig, "Bone density over time. " + "; ".join(summary))


def daily_bar_chart(
    days: Sequence[tuple[date, float | None]], *, target: float, unit: str, title: str
) -> str:
    """Daily totals (unknown days left empty, not drawn as zero) against a target line."""
    with _LOCK:
        fig, ax = plt.subplots(figsize=(6, 2.4))
        known = [(d, v) for d, v in days if v is not None]
        ax.bar(
            mdates.date2num([d for d, _ in known]), [v for _, v in known], color=_ACCENT, width=0.8
        )
        ax.axhline(
            target, color=_INK, linestyle="--", linewidth=1.2, label=f"target {target:,.0f} {unit}"
        )
        ax.set_title(title, loc="left", color=_INK)
        ax.set_ylabel(unit)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        ax.legend(loc="upper left", frameon=False, fontsize=8)
        if days:
            ax.set_xlim(_num(days[0][0] - timedelta(days=1)), _num(days[-1][0] + timedelta(days=1)))
        fig.autofmt_xdate()
        label = f"{title}, target {target:,.0f} {unit}. " + ", ".join(
            f"{d.isoformat()}: {'no entries' if v is None else f'{v:,.0f}'}" for d, v in days
        )
        return _svg(fig, label)


def weekly_minutes_chart(weeks: Sequence[tuple[date, float]], *, target: float) -> str:
    with _LOCK:
        fig, ax = plt.subplots(figsize=(6, 2.4))
        labels = [w.strftime("%d %b") for w, _ in weeks]
        ax.bar(labels, [m for _, m in weeks], color=_ACCENT)
        ax.axhline(
            target, color=_INK, linestyle="--", linewidth=1.2, label=f"{target:.0f} minutes a week"
        )
        ax.set_title("Aerobic minutes per week (week starting)", loc="left", color=_INK)
        ax.set_ylabel("minutes")
        ax.legend(loc="upper left", frameon=False, fontsize=8)
        label = f"Minutes of activity per week against {target:.0f}. " + ", ".join(
            f"week of {w.isoformat()}: {m:.0f}" for w, m in weeks
        )
        return _svg(fig, label)
