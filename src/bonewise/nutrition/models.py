"""The foods and amounts the nutrition core reasons about.

Values are per 100 g of edible portion, exactly as USDA SR28 reports them. `None` means SR28 has
no value for that nutrient in that food (not analysed): unknown, never zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

NutrientKey = Literal[
    "energy_kcal",
    "protein_g",
    "calcium_mg",
    "phosphorus_mg",
    "magnesium_mg",
    "vitamin_d_iu",
    "vitamin_d_ug",
    "vitamin_k_ug",
    "alcohol_g",
    "caffeine_mg",
]


@dataclass(frozen=True, slots=True)
class Nutrient:
    key: NutrientKey
    sr28_number: str
    label: str
    unit: str


# SR28 NUTR_DEF numbers of the nutrients bonewise keeps (stack-notes.md, "USDA SR28").
NUTRIENTS: tuple[Nutrient, ...] = (
    Nutrient("energy_kcal", "208", "Energy", "kcal"),
    Nutrient("protein_g", "203", "Protein", "g"),
    Nutrient("calcium_mg", "301", "Calcium", "mg"),
    Nutrient("phosphorus_mg", "305", "Phosphorus", "mg"),
    Nutrient("magnesium_mg", "304", "Magnesium", "mg"),
    Nutrient("vitamin_d_iu", "324", "Vitamin D", "IU"),
    Nutrient("vitamin_d_ug", "328", "Vitamin D (D2 + D3)", "ug"),
    Nutrient("vitamin_k_ug", "430", "Vitamin K (phylloquinone)", "ug"),
    Nutrient("alcohol_g", "221", "Alcohol, ethyl", "g"),
    Nutrient("caffeine_mg", "262", "Caffeine", "mg"),
)
NUTRIENT_KEYS: tuple[NutrientKey, ...] = tuple(n.key for n in NUTRIENTS)
NUTRIENT_BY_KEY: dict[str, Nutrient] = {n.key: n for n in NUTRIENTS}
NUTRIENT_BY_SR28_NUMBER: dict[str, Nutrient] = {n.sr28_number: n for n in NUTRIENTS}

NutrientValues = dict[str, float | None]

NDB_NO = re.compile(r"^\d{5}$")

# The most bonewise accepts for one diary entry (bad-input guard; the "absurd amount").
MAX_GRAMS_PER_ENTRY = 5000.0


def unknown_nutrients() -> NutrientValues:
    return dict.fromkeys(NUTRIENT_KEYS)


@dataclass(frozen=True, slots=True)
class Measure:
    """One SR28 household measure: `amount` `description` weighs `grams` (e.g. 1 cup = 244 g)."""

    seq: int
    amount: float
    description: str
    grams: float

    @property
    def label(self) -> str:
        return f"{self.amount:g} {self.description} = {self.grams:g} g"


@dataclass(frozen=True, slots=True)
class Food:
    ndb_no: str
    description: str
    food_group_code: str
    food_group: str
    per_100g: NutrientValues
    measures: tuple[Measure, ...] = ()
    common_name: str = ""
    manufacturer: str = ""
    survey: bool = False

    def value(self, key: str) -> float | None:
        return self.per_100g.get(key)


def scale(per_100g: NutrientValues, grams: float) -> NutrientValues:
    """Nutrients in `grams` of a food; unknown stays unknown."""
    return {k: (None if v is None else v * grams / 100.0) for k, v in per_100g.items()}


def check_grams(grams: float, *, field: str = "grams") -> float:
    if not grams > 0 or grams != grams:  # also rejects NaN
        raise ValueError(f"{field}={grams:g}: an amount must be more than 0 g")
    if grams > MAX_GRAMS_PER_ENTRY:
        raise ValueError(
            f"{field}={grams:g} g is more than {MAX_GRAMS_PER_ENTRY:g} g for one entry: "
            "check the amount or the unit"
        )
    return grams


class UnknownMeasure(ValueError):
    def __init__(self, food: Food, measure: str) -> None:
        known = "; ".join(m.label for m in food.measures) or "none (log grams instead)"
        super().__init__(
            f"measure {measure!r} is not one of {food.ndb_no} {food.description!r}'s measures: "
            f"{known}"
        )
        self.measure = measure


def find_measure(food: Food, measure: str) -> Measure:
    """A food's measure by its SR28 description ("cup", case-insensitive) or its number ("1")."""
    wanted = measure.strip().lower()
    for m in food.measures:
        if m.description.lower() == wanted or str(m.seq) == wanted:
            return m
    raise UnknownMeasure(food, measure)


def grams_for(food: Food, *, measure: str, quantity: float) -> float:
    """Grams in `quantity` x one of the food's household measures (2 x "1 cup = 244 g" = 488 g)."""
    if not quantity > 0:
        raise ValueError(f"quantity={quantity!r}: must be more than 0")
    m = find_measure(food, measure)
    return check_grams(m.grams * quantity, field=f"quantity {quantity:g} x {m.label}")
