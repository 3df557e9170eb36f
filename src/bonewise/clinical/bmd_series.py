"""One BMD series per site: the one answer to "has her bone density changed?".

The assessment (its `bmd_changes` and the monitoring that reads them), the web chart and both
PDF reports read this series and only draw it; none of them decides again which scan is the
baseline, which scans can be compared with it, or whether a change is real.

- Points: every scan day with a BMD at the site, on or before the assessment day, oldest first
  (one scan per day, the day's lowest: `Facts.scans`).
- Baseline: the first scan made on the same scanner make as the latest scan. BMD in g/cm2 is
  not comparable across makes (ISCD: a change of scanner needs a new baseline), so the latest
  scan is always compared with a scan it can be compared with when one exists.
- Comparable points: those on the baseline's make. Points from another make are kept, labelled
  and never joined to the line or called a change.
- LSC band: baseline BMD +/- the least significant change (densitometry's LSC: 2.77 x
  precision); no band where no precision is known for the site (e.g. the 33% radius).
- The change verdict: the latest scan against the baseline (densitometry.bmd_change). When the
  latest scan is the first on its make and an earlier scan from another make exists, the
  change from that scan is converted to sBMD (Hui 1997) and shown for information only, never
  as significant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bonewise import evidence
from bonewise.clinical import densitometry
from bonewise.clinical.densitometry import BmdChange
from bonewise.clinical.models import SITE_LABELS, SITES, DxaScan, ScannerMake, Site

Verdict = Literal["loss", "gain", "no-change", "not-comparable", "no-precision"]

VERDICT_WORDS: dict[Verdict, str] = {
    "loss": "loss beyond the least significant change",
    "gain": "gain beyond the least significant change",
    "no-change": "no change beyond the least significant change",
    "not-comparable": "other scanner make: converted for information, not a significance call",
    "no-precision": "no precision known for this site: no significance call",
}


@dataclass(frozen=True, slots=True)
class BmdPoint:
    """One scan's BMD at a site; `comparable`: on the baseline's make (on the same scale)."""

    day: date
    bmd_g_cm2: float
    t_score: float | None
    make: ScannerMake
    comparable: bool
    beyond_lsc: bool  # comparable and at least one LSC away from the baseline
    label: str  # how the point is to be read, e.g. "other scanner make (lunar): not comparable"


@dataclass(frozen=True, slots=True)
class SiteSeries:
    """Areal BMD at one site over time, its baseline, LSC band and change verdict."""

    site: Site
    label: str
    points: tuple[BmdPoint, ...]
    baseline: BmdPoint
    lsc_percent: float | None
    lsc_citation: str
    change: BmdChange | None  # the latest scan against the baseline (None: one scan only)
    verdict: Verdict | None  # None: nothing to compare yet

    @property
    def lsc_g_cm2(self) -> float | None:
        if self.lsc_percent is None:
            return None
        return self.baseline.bmd_g_cm2 * self.lsc_percent / 100.0

    @property
    def band(self) -> tuple[float, float] | None:
        """Baseline +/- LSC in g/cm2; None when the LSC is unknown."""
        lsc = self.lsc_g_cm2
        if lsc is None:
            return None
        return (self.baseline.bmd_g_cm2 - lsc, self.baseline.bmd_g_cm2 + lsc)

    @property
    def comparable(self) -> tuple[BmdPoint, ...]:
        return tuple(p for p in self.points if p.comparable)

    @property
    def other_make(self) -> tuple[BmdPoint, ...]:
        return tuple(p for p in self.points if not p.comparable)

    @property
    def verdict_words(self) -> str:
        return "" if self.verdict is None else VERDICT_WORDS[self.verdict]


def _verdict(change: BmdChange | None, *, across_makes: bool) -> Verdict | None:
    if across_makes:
        return "not-comparable"
    if change is None:
        return None
    if change.converted:
        return "not-comparable"
    if change.lsc_percent is None:
        return "no-precision"
    if not change.significant:
        return "no-change"
    return "loss" if change.percent < 0 else "gain"


def site_series(scans: Sequence[DxaScan], site: Site) -> SiteSeries | None:
    """The series at one site from scans oldest first (one a day); None without a BMD there."""
    measured = [
        (scan, result.bmd_g_cm2)
        for scan in scans
        if (result := scan.sites.get(site)) is not None and result.bmd_g_cm2 is not None
    ]
    if not measured:
        return None
    latest_scan = measured[-1][0]
    baseline_scan = next(s for s, _ in measured if s.scanner_make == latest_scan.scanner_make)
    lsc = densitometry.least_significant_change_pct(
        latest_scan.scanner_make, site, latest_scan.facility_precision_pct
    )
    baseline_bmd = next(b for s, b in measured if s is baseline_scan)
    points: list[BmdPoint] = []
    for scan, bmd in measured:
        comparable = scan.scanner_make == baseline_scan.scanner_make
        # the same sum as densitometry.bmd_change, so the latest point and the verdict agree
        percent = (bmd - baseline_bmd) / baseline_bmd * 100.0
        beyond = comparable and lsc is not None and abs(percent) >= lsc
        if scan is baseline_scan:
            label = f"baseline ({scan.scanner_make})"
        elif comparable:
            label = f"same scanner make ({scan.scanner_make})"
        else:
            label = f"other scanner make ({scan.scanner_make}): not comparable with the baseline"
        result = scan.sites[site]
        points.append(
            BmdPoint(scan.date, bmd, result.t_score, scan.scanner_make, comparable, beyond, label)
        )
    change: BmdChange | None = None
    across_makes = False
    if latest_scan is not baseline_scan:
        change = densitometry.bmd_change(baseline_scan, latest_scan, site)
    elif len(measured) > 1:  # the latest is the first on its make: converted, for information
        across_makes = True
        change = densitometry.bmd_change(measured[-2][0], latest_scan, site)
    baseline = next(p for p, (s, _) in zip(points, measured, strict=True) if s is baseline_scan)
    return SiteSeries(
        site=site,
        label=SITE_LABELS[site],
        points=tuple(points),
        baseline=baseline,
        lsc_percent=None if lsc is None else round(lsc, 2),
        lsc_citation=f"{evidence.ISCD_PRECISION.citation}; {evidence.WILSON_PRECISION.citation}",
        change=change,
        verdict=_verdict(change, across_makes=across_makes),
    )


def bmd_series(scans: Sequence[DxaScan]) -> tuple[SiteSeries, ...]:
    """Every site with a BMD value, in site order, from scans oldest first (one a day)."""
    return tuple(s for site in SITES if (s := site_series(scans, site)) is not None)


def significant_losses(scans: Sequence[DxaScan]) -> list[BmdChange]:
    """The sites whose BMD fell beyond the least significant change (the latest scan against its
    baseline; never across scanner makes), from scans oldest first (one a day): what brings
    the next DXA to 12 months (hadji-2017), in the alert and in the population measure."""
    return [s.change for s in bmd_series(scans) if s.verdict == "loss" and s.change is not None]
