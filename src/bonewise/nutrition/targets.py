"""Daily intake targets (pure): IOM 2011 by age, and the AIBL guidance for women on an
aromatase inhibitor (clinical-reference.md section 5; Hadji 2017; ASCO 2019).

`targets_for(age=..., on_aromatase_inhibitor=...)` returns, per nutrient, the goal used to
judge a day, the range the guidelines give, the tolerable upper intake level (UL) and every
cited value behind them, so a page can show where each number comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bonewise import evidence
from bonewise.evidence import Cited, Source

IOM_VITAMIN_K = Source(
    "iom-2001-vitamin-k",
    "Institute of Medicine. Dietary Reference Intakes for Vitamin A, Vitamin K, Arsenic, Boron, "
    "Chromium, Copper, Iodine, Iron, Manganese, Molybdenum, Nickel, Silicon, Vanadium, and Zinc. "
    "Washington, DC: National Academy Press; 2001. Adequate intake for vitamin K, women >= 19 y",
)

# (lowest age, highest age or None) -> value, women; IOM 2011.
CALCIUM_RDA_MG: Cited[tuple[tuple[int, int | None, int], ...]] = Cited(
    ((19, 50, 1000), (51, 70, 1200), (71, None, 1200)),
    evidence.IOM_2011,
    "confirmed",
    "calcium RDA, women: 1,000 mg at 19-50 y, 1,200 mg from 51 y",
)
CALCIUM_UL_MG: Cited[tuple[tuple[int, int | None, int], ...]] = Cited(
    ((19, 50, 2500), (51, None, 2000)),
    evidence.IOM_2011,
    "confirmed",
    "calcium UL: 2,500 mg at 19-50 y, 2,000 mg from 51 y",
)
VITAMIN_D_RDA_IU: Cited[tuple[tuple[int, int | None, int], ...]] = Cited(
    ((19, 70, 600), (71, None, 800)),
    evidence.IOM_2011,
    "confirmed",
    "vitamin D RDA: 600 IU (15 ug) at 19-70 y, 800 IU (20 ug) over 70",
)
VITAMIN_D_UL_IU: Cited[int] = Cited(
    4000, evidence.IOM_2011, "confirmed", "vitamin D UL 4,000 IU (100 ug) from 19 y"
)
VITAMIN_K_AI_UG: Cited[int] = Cited(
    90, IOM_VITAMIN_K, "confirmed", "vitamin K adequate intake 90 ug, women >= 19 y; no UL set"
)
ADULT_AGES: Cited[tuple[int, int]] = Cited(
    (19, 120), evidence.PROJECT, "policy", "the adult DRI tables bonewise uses start at 19 y"
)


@dataclass(frozen=True, slots=True)
class Target:
    nutrient: str  # a NutrientKey: calcium_mg, vitamin_d_iu, vitamin_k_ug
    unit: str
    goal: float  # the amount a day is judged against
    low: float  # the range the guidelines give
    high: float | None
    upper_limit: float | None  # None: no UL set
    basis: tuple[Cited[Any], ...]  # every cited value behind goal, range and UL
    explanation: str


@dataclass(frozen=True, slots=True)
class Targets:
    age: int
    on_aromatase_inhibitor: bool
    calcium: Target
    vitamin_d: Target
    vitamin_k: Target

    @property
    def all(self) -> tuple[Target, ...]:
        return (self.calcium, self.vitamin_d, self.vitamin_k)

    def for_nutrient(self, nutrient: str) -> Target:
        for target in self.all:
            if target.nutrient == nutrient:
                return target
        raise KeyError(f"no target for {nutrient!r}: use calcium_mg, vitamin_d_iu, vitamin_k_ug")


def _by_age(table: tuple[tuple[int, int | None, int], ...], age: int) -> int:
    for low, high, value in table:
        if age >= low and (high is None or age <= high):
            return value
    raise ValueError(f"age={age}: no reference value below {table[0][0]} years")


def check_age(age: int) -> int:
    low, high = ADULT_AGES.value
    if not low <= age <= high:
        raise ValueError(
            f"age={age}: targets are given for adults aged {low} to {high} years "
            "(IOM 2011 adult DRI tables)"
        )
    return age


def targets_for(*, age: int, on_aromatase_inhibitor: bool = True) -> Targets:
    """Targets for a woman of `age`; with an aromatase inhibitor, the higher AIBL goals apply."""
    check_age(age)
    ca_rda = _by_age(CALCIUM_RDA_MG.value, age)
    ca_ul = _by_age(CALCIUM_UL_MG.value, age)
    d_rda = _by_age(VITAMIN_D_RDA_IU.value, age)
    if on_aromatase_inhibitor:
        asco_low, asco_high = evidence.ASCO_CALCIUM_MG.value
        ca_goal = max(ca_rda, evidence.HADJI_CALCIUM_MG.value)
        d_low, d_high = evidence.HADJI_VITAMIN_D_IU.value
        calcium = Target(
            "calcium_mg",
            "mg",
            goal=ca_goal,
            low=asco_low,
            high=max(asco_high, ca_goal),
            upper_limit=ca_ul,
            basis=(
                evidence.HADJI_CALCIUM_MG,
                evidence.ASCO_CALCIUM_MG,
                CALCIUM_RDA_MG,
                CALCIUM_UL_MG,
            ),
            explanation=(
                f"On an aromatase inhibitor: {asco_low:,}-{asco_high:,} mg a day (ASCO 2019), "
                f"at least {evidence.HADJI_CALCIUM_MG.value:,} mg (Hadji 2017); goal "
                f"{ca_goal:,} mg. IOM RDA at {age}: {ca_rda:,} mg; upper limit {ca_ul:,} mg."
            ),
        )
        vitamin_d = Target(
            "vitamin_d_iu",
            "IU",
            goal=max(d_low, d_rda),
            low=d_low,
            high=d_high,
            upper_limit=VITAMIN_D_UL_IU.value,
            basis=(
                evidence.HADJI_VITAMIN_D_IU,
                evidence.ASCO_VITAMIN_D_IU,
                VITAMIN_D_RDA_IU,
                VITAMIN_D_UL_IU,
            ),
            explanation=(
                f"On an aromatase inhibitor: {d_low:,}-{d_high:,} IU a day (Hadji 2017; "
                f"ASCO 2019). IOM RDA at {age}: {d_rda:,} IU; upper limit "
                f"{VITAMIN_D_UL_IU.value:,} IU."
            ),
        )
    else:
        calcium = Target(
            "calcium_mg",
            "mg",
            goal=ca_rda,
            low=ca_rda,
            high=None,
            upper_limit=ca_ul,
            basis=(CALCIUM_RDA_MG, CALCIUM_UL_MG),
            explanation=f"IOM RDA at {age}: {ca_rda:,} mg a day; upper limit {ca_ul:,} mg.",
        )
        vitamin_d = Target(
            "vitamin_d_iu",
            "IU",
            goal=d_rda,
            low=d_rda,
            high=None,
            upper_limit=VITAMIN_D_UL_IU.value,
            basis=(VITAMIN_D_RDA_IU, VITAMIN_D_UL_IU),
            explanation=(
                f"IOM RDA at {age}: {d_rda:,} IU a day; upper limit {VITAMIN_D_UL_IU.value:,} IU."
            ),
        )
    vitamin_k = Target(
        "vitamin_k_ug",
        "ug",
        goal=VITAMIN_K_AI_UG.value,
        low=VITAMIN_K_AI_UG.value,
        high=None,
        upper_limit=None,
        basis=(VITAMIN_K_AI_UG,),
        explanation=f"Adequate intake {VITAMIN_K_AI_UG.value} ug a day; no upper limit set.",
    )
    return Targets(age, on_aromatase_inhibitor, calcium, vitamin_d, vitamin_k)
