"""What a report is built from (pure): intake and exercise summaries, and the BMD history.

The intake and adherence summaries are optional: a report made from a patient file has no food
diary or exercise log, and then says "no intake logged" / "no exercise logged". For a stored
patient, `bonewise.services.reports` fills them from the nutrition and exercise services.

Unknown is not zero: an average the food database cannot tell is `None` and is shown as unknown,
with the share of logged food that had no value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bonewise import evidence
from bonewise.clinical import densitometry
from bonewise.clinical.models import SITE_LABELS, SITES, PatientRecord, ScannerMake, Site
from bonewise.evidence import Evidence

ReportAudience = Literal["patient", "clinician"]
NutrientKey = Literal["calcium_mg", "vitamin_d_iu", "vitamin_k_ug"]
REPORT_NUTRIENTS: tuple[NutrientKey, ...] = ("calcium_mg", "vitamin_d_iu", "vitamin_k_ug")
DISPLAY_UNITS = {"ug": "µg", "mcg": "µg"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NutrientIntake(_Frozen):
    """One nutrient's average daily intake over the logged days, against its target."""

    key: NutrientKey
    label: str = Field(description="e.g. Calcium")
    unit: str = Field(description="mg, IU or ug")
    average_per_day: float | None = Field(description="None: not known from the logged food")
    target: float | None = Field(default=None, description="daily target in the same unit")
    target_basis: str = Field(default="", description="which rule sets the target")
    citation: str = ""
    evidence: Evidence | None = None
    unknown_share: float = Field(
        default=0.0, ge=0.0, le=1.0, description="share of logged food with no value for it"
    )

    @property
    def shown_unit(self) -> str:
        """The unit as printed: µg, never the ASCII stand-in 'ug'."""
        return DISPLAY_UNITS.get(self.unit, self.unit)

    @property
    def met(self) -> bool | None:
        """True/False against the target; None when it cannot be told.

        Unknown is not zero: with part of the logged food lacking a value, an average under the
        target is only a lower bound, so whether she meets it is not known.
        """
        if self.average_per_day is None or self.target is None:
            return None
        if self.average_per_day >= self.target:
            return True
        return None if self.unknown_share > 0 else False


class DayIntake(_Frozen):
    day: date
    calcium_mg: float | None = None
    vitamin_d_iu: float | None = None


class IntakeSummary(_Frozen):
    """Food diary and supplements over a period (from the nutrition service)."""

    start: date
    end: date
    days_logged: int = Field(ge=0)
    nutrients: list[NutrientIntake]
    days: list[DayIntake] = Field(default_factory=list, description="for the intake chart")
    source: str = "bonewise food diary (USDA SR28)"
    notes: list[str] = Field(
        default_factory=list, description="warnings to talk over with her team (e.g. above UL)"
    )

    def nutrient(self, key: NutrientKey) -> NutrientIntake | None:
        return next((n for n in self.nutrients if n.key == key), None)


class ExerciseWeek(_Frozen):
    """One ISO week of the exercise log against the plan's weekly targets."""

    week: str = Field(description="ISO week, e.g. 2026-W47")
    week_start: date
    aerobic_minutes: int = Field(ge=0)
    aerobic_target: int = Field(ge=0)
    resistance_days: int = Field(ge=0, le=7)
    resistance_target: int = Field(ge=0, le=7)
    balance_days: int = Field(ge=0, le=7)
    met: bool = Field(description="every weekly target of the plan was met")


class AdherenceSummary(_Frozen):
    """The exercise log by ISO week (from the exercise service)."""

    weeks: list[ExerciseWeek]
    streak_weeks: int = Field(default=0, ge=0, description="weeks met in a row, up to the last")
    target_basis: str = ""
    citation: str = ""

    @property
    def weeks_met(self) -> int:
        return sum(1 for w in self.weeks if w.met)


# --- BMD history -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BmdPoint:
    day: date
    bmd_g_cm2: float
    t_score: float | None
    make: ScannerMake


@dataclass(frozen=True, slots=True)
class SiteSeries:
    """Areal BMD at one site over time, with the least-significant-change band.

    The band is centred on the first scan made on the same scanner make as the latest scan
    (BMD in g/cm2 is not comparable across makers); points from another make are kept and
    flagged, never joined to the band. Where no precision is known for the site (e.g. the
    forearm) there is no band and no point is called a real change: `lsc_percent` is None.
    """

    site: Site
    label: str
    points: tuple[BmdPoint, ...]
    baseline: BmdPoint
    lsc_percent: float | None
    lsc_citation: str

    @property
    def lsc_g_cm2(self) -> float | None:
        if self.lsc_percent is None:
            return None
        return self.baseline.bmd_g_cm2 * self.lsc_percent / 100.0

    @property
    def comparable(self) -> tuple[BmdPoint, ...]:
        return tuple(p for p in self.points if p.make == self.baseline.make)

    @property
    def other_make(self) -> tuple[BmdPoint, ...]:
        return tuple(p for p in self.points if p.make != self.baseline.make)

    def outside_band(self, point: BmdPoint) -> bool:
        """A change beyond the LSC on the same make; never when the LSC is not known."""
        lsc = self.lsc_g_cm2
        return (
            lsc is not None
            and point.make == self.baseline.make
            and abs(point.bmd_g_cm2 - self.baseline.bmd_g_cm2) >= lsc
        )


def bmd_history(record: PatientRecord, *, as_of: date) -> tuple[SiteSeries, ...]:
    """Every site with a BMD value on or before `as_of`, oldest scan first."""
    scans = [s for s in record.scans_by_date if s.date <= as_of]
    series: list[SiteSeries] = []
    for site in SITES:
        points = tuple(
            BmdPoint(scan.date, r.bmd_g_cm2, r.t_score, scan.scanner_make)
            for scan in scans
            if (r := scan.sites.get(site)) is not None and r.bmd_g_cm2 is not None
        )
        if not points:
            continue
        latest_make = points[-1].make
        baseline = next(p for p in points if p.make == latest_make)
        latest_scan = next(s for s in reversed(scans) if site in s.sites)
        lsc = densitometry.least_significant_change_pct(
            latest_make, site, latest_scan.facility_precision_pct
        )
        series.append(
            SiteSeries(
                site=site,
                label=SITE_LABELS[site],
                points=points,
                baseline=baseline,
                lsc_percent=None if lsc is None else round(lsc, 2),
                lsc_citation=f"{evidence.ISCD_PRECISION.citation}; {evidence.WILSON_PRECISION.citation}",
            )
        )
    return tuple(series)
