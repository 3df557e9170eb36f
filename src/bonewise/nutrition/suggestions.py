"""Suggestions (pure): foods ranked by how much of today's calcium or vitamin D gap one usual
serving closes, honouring exclusions, with low-bioavailability sources noted.

A usual serving is the food's default portion (`bonewise.nutrition.portions`: one rule for the
portion she logs and the serving she is suggested): a can of sardines, a pot of yoghurt, a
glass of milk, an ounce or a slice of cheese; a food whose measures offer none is not
suggested.
Only generic foods that USDA's dietary survey (FNDDS) records people eating are suggested, so
the list holds everyday foods, not brands, powders or baby foods. Suggestions are food ideas to
discuss, never a prescription.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bonewise.evidence import Cited, Source
from bonewise.nutrition.models import NUTRIENT_BY_KEY, Food, Measure
from bonewise.nutrition.portions import usual_serving

Exclusion = Literal["dairy_free", "vegan", "fish_free"]
EXCLUSIONS: tuple[Exclusion, ...] = ("dairy_free", "vegan", "fish_free")
SUGGESTIBLE_NUTRIENTS = ("calcium_mg", "vitamin_d_iu")

ODS_CALCIUM_BIOAVAILABILITY = Source(
    "ods-calcium-bioavailability",
    "NIH Office of Dietary Supplements, Calcium fact sheet: oxalic acid in spinach, rhubarb "
    "and some other greens binds calcium and lowers its absorption",
)
LOW_BIOAVAILABILITY: Cited[tuple[str, ...]] = Cited(
    ("spinach", "rhubarb", "chard, swiss", "beet greens"),
    ODS_CALCIUM_BIOAVAILABILITY,
    "unconfirmed",
    "not in clinical-reference.md; shown as a note, the ranking is unchanged",
)
LOW_BIOAVAILABILITY_NOTE = (
    "Much of the calcium in this food is bound to oxalate, so the body absorbs little of it."
)

# Groups never suggested: spices, baby foods, fast foods, American Indian/Alaska Native foods,
# restaurant foods (SR28 FD_GROUP codes).
NOT_SUGGESTED_GROUPS = frozenset({"0200", "0300", "2100", "3500", "3600"})
NOT_SUGGESTED_WORDS = (
    "powder",
    ", dry",
    "dried",
    "dehydrated",
    "undiluted",
    "leavening",
    "babyfood",
    "formula",
    "mature seeds, raw",
    "molasses",
    "syrup",
    "whey",
    "flour",
    "usda commodity",
    "evaporated",
    "condensed",
)

ANIMAL_GROUPS = frozenset({"0500", "0700", "1000", "1300", "1500", "1700"})
FISH_WORDS = (
    "fish",
    "sardine",
    "salmon",
    "tuna",
    "mackerel",
    "anchov",
    "herring",
    "cod,",
    "trout",
    "shrimp",
    "crab",
    "lobster",
    "clam",
    "oyster",
    "mussel",
    "scallop",
    "crustacean",
    "mollusk",
)
DAIRY_WORDS = ("milk", "cheese", "yogurt", "butter", "cream", "whey", "casein", "kefir")
PLANT_MILK_WORDS = ("soymilk", "almond milk", "rice milk", "oat milk", "coconut milk")
ANIMAL_WORDS = (
    "egg",
    "meat",
    "chicken",
    "turkey",
    "beef",
    "pork",
    "lamb",
    "veal",
    "ham",
    "bacon",
    "honey",
    "gelatin",
    "lard",
    *FISH_WORDS,
)


def _is_dairy(food: Food) -> bool:
    text = food.description.lower()
    if food.food_group_code == "0100" and not text.startswith("egg"):
        return True
    plant = any(w in text for w in PLANT_MILK_WORDS)
    return not plant and any(w in text for w in DAIRY_WORDS)


def _has_fish(food: Food) -> bool:
    text = food.description.lower()
    return food.food_group_code == "1500" or any(w in text for w in FISH_WORDS)


def excluded(food: Food, exclusions: Iterable[Exclusion]) -> bool:
    chosen = set(exclusions)
    unknown = chosen - set(EXCLUSIONS)
    if unknown:
        raise ValueError(f"exclusions {sorted(unknown)}: use any of {', '.join(EXCLUSIONS)}")
    if "fish_free" in chosen and _has_fish(food):
        return True
    if "dairy_free" in chosen and _is_dairy(food):
        return True
    if "vegan" in chosen:
        text = food.description.lower()
        if (
            food.food_group_code in ANIMAL_GROUPS
            or food.food_group_code == "0100"
            or _is_dairy(food)
            or any(w in text for w in ANIMAL_WORDS)
        ):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Suggestion:
    food: Food
    serving: Measure
    amount: float  # of the nutrient in one serving
    share_of_gap: float  # 0..1
    energy_kcal: float | None
    note: str = ""


def _suggestible(food: Food) -> bool:
    text = food.description.lower()
    serving = usual_serving(food)
    return (
        food.survey
        and not food.manufacturer
        and food.food_group_code not in NOT_SUGGESTED_GROUPS
        and not any(w in text for w in NOT_SUGGESTED_WORDS)
        and serving is not None
    )


def low_bioavailability(food: Food) -> bool:
    return food.description.lower().startswith(LOW_BIOAVAILABILITY.value)


def suggest(
    foods: Iterable[Food],
    *,
    nutrient: str,
    gap: float,
    exclusions: Sequence[Exclusion] = (),
    limit: int = 10,
) -> list[Suggestion]:
    """Foods whose usual serving closes most of `gap` (of `nutrient`), best first.

    Ties (servings that close the whole gap) go to fewer calories. A food with an unknown
    value is never suggested. No gap, no suggestions."""
    if nutrient not in SUGGESTIBLE_NUTRIENTS:
        raise ValueError(f"nutrient={nutrient!r}: use {' or '.join(SUGGESTIBLE_NUTRIENTS)}")
    if limit < 1:
        raise ValueError(f"limit={limit}: must be at least 1")
    if gap <= 0:
        return []
    found: list[Suggestion] = []
    for food in foods:
        value = food.per_100g.get(nutrient)
        if not value or not _suggestible(food) or excluded(food, exclusions):
            continue
        serving = usual_serving(food)
        assert serving is not None
        amount = value * serving.grams / 100.0
        kcal = food.per_100g.get("energy_kcal")
        found.append(
            Suggestion(
                food=food,
                serving=serving,
                amount=amount,
                share_of_gap=min(amount / gap, 1.0),
                energy_kcal=None if kcal is None else kcal * serving.grams / 100.0,
                note=(
                    LOW_BIOAVAILABILITY_NOTE
                    if nutrient == "calcium_mg" and low_bioavailability(food)
                    else ""
                ),
            )
        )
    found.sort(
        key=lambda s: (
            -s.share_of_gap,
            s.energy_kcal if s.energy_kcal is not None else float("inf"),
            -s.amount,
            s.food.ndb_no,
        )
    )
    return found[:limit]


def describe(s: Suggestion, nutrient: str) -> str:
    unit = NUTRIENT_BY_KEY[nutrient].unit
    text = (
        f"{s.serving.label} of {s.food.description}: {s.amount:,.0f} {unit}, "
        f"{s.share_of_gap:.0%} of today's gap"
    )
    return f"{text}. {s.note}" if s.note else text
