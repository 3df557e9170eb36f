"""What a report is built from (pure): intake and exercise summaries (the BMD series is the
assessment's, from clinical/bmd_series.py).

The intake and adherence summaries are optional: a report made from a patient file has no food
diary or exercise log, and then says "no intake logged" / "no exercise logged". For a stored
patient, `bonewise.services.reports` fills them from the nutrition and exercise services.

Unknown is not zero: an average the food database cannot tell is `None` and is shown as unknown,
with the share of logged food that had no value.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
