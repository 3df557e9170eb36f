"""Daily and 7/30-day totals against targets (pure), with the share that is unknown.

A food that SR28 has no value for adds nothing to a total, but it is not counted as zero: each
total reports the share of the food eaten (by weight) whose value is unknown. A total below goal
with an unknown share is "at least" that much (status "cannot tell", never "below goal"), and a
nutrient no logged item has a value for is "unknown" (no amount). Supplements declare what they
contain, so they are always known.

Warnings follow clinical-reference.md section 5: total intake above the tolerable upper intake
level (UL) for calcium or vitamin D, and any single calcium supplement dose above 500 mg
elemental. They are prompts to talk to her team, never instructions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bonewise.nutrition.models import NUTRIENT_BY_KEY, NUTRIENT_KEYS, NutrientValues
from bonewise.nutrition.supplements import MAX_SINGLE_CALCIUM_DOSE_MG
from bonewise.nutrition.targets import Target, Targets
from bonewise.units import shown_unit

IntakeKind = Literal["food", "supplement"]
PERIOD_DAYS = (1, 7, 30)


@dataclass(frozen=True, slots=True)
class Intake:
    """One diary line: a food (with its grams) or a supplement dose, and what it contained."""

    day: date
    kind: IntakeKind
    description: str
    nutrients: NutrientValues  # absolute amounts in this entry; None = unknown
    grams: float | None = None
    meal: str = ""
    food_group_code: str = ""
    calcium_dose_mg: float | None = None  # elemental calcium in one supplement dose
    entry_id: int | None = None  # the stored entry, when it came from the store


@dataclass(frozen=True, slots=True)
class NutrientTotal:
    nutrient: str
    unit: str
    known: float  # the sum of every known value
    from_food: float
    from_supplements: float
    unknown_share: float  # 0..1, share of the food eaten (by weight) with no value
    unknown_foods: tuple[str, ...]
    any_known: bool = True  # False: logged items, none with a value (unknown, not zero)

    @property
    def has_unknown(self) -> bool:
        return self.unknown_share > 0


def total(nutrient: str, intakes: Sequence[Intake]) -> NutrientTotal:
    food_grams = sum(i.grams or 0.0 for i in intakes if i.kind == "food")
    unknown = [i for i in intakes if i.kind == "food" and i.nutrients.get(nutrient) is None]
    unknown_grams = sum(i.grams or 0.0 for i in unknown)
    from_food = sum(i.nutrients.get(nutrient) or 0.0 for i in intakes if i.kind == "food")
    from_supplements = sum(
        i.nutrients.get(nutrient) or 0.0 for i in intakes if i.kind == "supplement"
    )
    return NutrientTotal(
        nutrient=nutrient,
        unit=NUTRIENT_BY_KEY[nutrient].unit,
        known=from_food + from_supplements,
        from_food=from_food,
        from_supplements=from_supplements,
        unknown_share=(unknown_grams / food_grams) if food_grams else 0.0,
        unknown_foods=tuple(dict.fromkeys(i.description for i in unknown)),
        any_known=not intakes or any(i.nutrients.get(nutrient) is not None for i in intakes),
    )


def totals(intakes: Sequence[Intake]) -> dict[str, NutrientTotal]:
    return {key: total(key, intakes) for key in NUTRIENT_KEYS}


Status = Literal[
    "below goal", "meets goal", "above upper limit", "nothing logged", "cannot tell", "unknown"
]


@dataclass(frozen=True, slots=True)
class Progress:
    target: Target
    amount: float  # known intake (a day, or the average logged day of a period)
    unknown_share: float
    status: Status
    known: bool = True  # False: nothing logged has a value for it, so `amount` means nothing

    @property
    def percent_of_goal(self) -> float:
        return 100.0 * self.amount / self.target.goal

    @property
    def gap(self) -> float:
        """How much is missing to reach the goal (0 when met)."""
        return max(self.target.goal - self.amount, 0.0)

    @property
    def note(self) -> str:
        t = self.target
        unit = shown_unit(t.unit)
        if not self.known:
            return (
                f"unknown: none of the food logged has a value in SR28 (goal {t.goal:,.0f} {unit})"
            )
        text = f"{self.amount:,.0f} of {t.goal:,.0f} {unit} ({self.percent_of_goal:.0f}%)"
        if self.status == "cannot tell":
            text = f"at least {text}"
        if self.unknown_share > 0:
            text += (
                f"; {self.unknown_share:.0%} of the food logged has no value in SR28, "
                "so the true amount may be higher"
            )
        return text


def _progress(
    target: Target, amount: float, unknown_share: float, logged: bool, known: bool = True
) -> Progress:
    if not logged:
        status: Status = "nothing logged"
    elif not known:
        status = "unknown"
    elif target.upper_limit is not None and amount > target.upper_limit:
        status = "above upper limit"
    elif amount >= target.goal:
        status = "meets goal"
    elif unknown_share > 0:
        status = "cannot tell"  # the unknown share may make up the difference
    else:
        status = "below goal"
    return Progress(target, amount, unknown_share, status, known or not logged)


@dataclass(frozen=True, slots=True)
class IntakeWarning:
    code: Literal["above_upper_limit", "single_calcium_dose", "unknown_values"]
    message: str
    day: date | None = None


def day_warnings(day: date, intakes: Sequence[Intake], targets: Targets) -> list[IntakeWarning]:
    found = totals(intakes)
    warnings: list[IntakeWarning] = []
    for target in (targets.calcium, targets.vitamin_d):
        amount = found[target.nutrient].known
        if target.upper_limit is not None and amount > target.upper_limit:
            label = NUTRIENT_BY_KEY[target.nutrient].label.lower()
            warnings.append(
                IntakeWarning(
                    "above_upper_limit",
                    f"{day.isoformat()}: {label} from food and supplements adds up to "
                    f"{amount:,.0f} {target.unit}, above the upper limit of "
                    f"{target.upper_limit:,.0f} {target.unit} a day (IOM 2011). Please talk "
                    "to your care team about your supplements.",
                    day,
                )
            )
    limit = MAX_SINGLE_CALCIUM_DOSE_MG.value
    for intake in intakes:
        if intake.calcium_dose_mg is not None and intake.calcium_dose_mg > limit:
            warnings.append(
                IntakeWarning(
                    "single_calcium_dose",
                    f"{day.isoformat()}: {intake.description} gives {intake.calcium_dose_mg:,.0f} "
                    f"mg of calcium in one dose. The body absorbs calcium best in doses of "
                    f"{limit} mg or less; ask your care team whether to split it.",
                    day,
                )
            )
    return warnings


@dataclass(frozen=True, slots=True)
class Summary:
    """A day (days=1) or the `days` ending on `end`, against targets."""

    end: date
    days: int
    days_logged: int
    targets: Targets
    totals: dict[str, NutrientTotal]  # a day: its totals; a period: the sums over it
    progress: tuple[Progress, ...]  # a day: the day; a period: the average logged day
    warnings: tuple[IntakeWarning, ...]
    intakes: tuple[Intake, ...]

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    def progress_for(self, nutrient: str) -> Progress:
        return next(p for p in self.progress if p.target.nutrient == nutrient)


def summarise(intakes: Iterable[Intake], *, end: date, days: int, targets: Targets) -> Summary:
    """Totals for the `days` ending on `end` (1, 7 or 30) against `targets`.

    For a period, each nutrient is judged on the average of the days that have any entry
    (a day with nothing logged is missing data, not a day of zero intake)."""
    if days not in PERIOD_DAYS:
        raise ValueError(f"days={days}: use one of {', '.join(map(str, PERIOD_DAYS))}")
    start = end - timedelta(days=days - 1)
    chosen = tuple(sorted((i for i in intakes if start <= i.day <= end), key=lambda i: i.day))
    by_day: dict[date, list[Intake]] = {}
    for intake in chosen:
        by_day.setdefault(intake.day, []).append(intake)
    summed = totals(chosen)
    logged = len(by_day)
    progress = tuple(
        _progress(
            target,
            summed[target.nutrient].known / logged if logged else 0.0,
            summed[target.nutrient].unknown_share,
            bool(logged),
            summed[target.nutrient].any_known,
        )
        for target in targets.all
    )
    warnings = tuple(
        w for d, items in sorted(by_day.items()) for w in day_warnings(d, items, targets)
    )
    return Summary(end, days, logged, targets, summed, progress, warnings, chosen)


def target_json(target: Target) -> dict[str, object]:
    return {
        "nutrient": target.nutrient,
        "unit": target.unit,
        "goal": target.goal,
        "low": target.low,
        "high": target.high,
        "upper_limit": target.upper_limit,
        "explanation": target.explanation,
        "basis": [
            {
                "value": c.value,
                "citation": c.citation,
                "evidence": c.evidence,
                "note": c.note,
            }
            for c in target.basis
        ],
    }


def summary_json(summary: Summary) -> dict[str, object]:
    """A plain-JSON view of a summary, for the CLI and the web API."""
    return {
        "start": summary.start.isoformat(),
        "end": summary.end.isoformat(),
        "days": summary.days,
        "days_logged": summary.days_logged,
        "age": summary.targets.age,
        "on_aromatase_inhibitor": summary.targets.on_aromatase_inhibitor,
        "progress": [
            {
                "nutrient": p.target.nutrient,
                "unit": p.target.unit,
                "amount": round(p.amount, 1) if p.known else None,
                "goal": p.target.goal,
                "upper_limit": p.target.upper_limit,
                "percent_of_goal": round(p.percent_of_goal, 1) if p.known else None,
                "unknown_share": round(p.unknown_share, 3),
                "status": p.status,
                "note": p.note,
            }
            for p in summary.progress
        ],
        "totals": {
            key: {
                "unit": t.unit,
                "known": round(t.known, 3),
                "from_food": round(t.from_food, 3),
                "from_supplements": round(t.from_supplements, 3),
                "unknown_share": round(t.unknown_share, 3),
                "unknown_foods": list(t.unknown_foods),
            }
            for key, t in summary.totals.items()
        },
        "warnings": [
            {"code": w.code, "day": w.day.isoformat() if w.day else None, "message": w.message}
            for w in summary.warnings
        ],
    }
