"""Default portions (pure): the SR28 household measure a person most likely eats at once.

SR28 lists each food's measures in its own order, often "1 cup" first even for sardines. The
default offered when she logs a food is chosen from those same measures by one rule, first
match wins:

1. a single-serve pack: 1 can, container, pot, carton, bottle, pouch or packet of 40-250 g
   (a can of sardines, a pot of yoghurt);
2. a drink (a food SR28 also measures in fluid ounces): 1 cup, about a glass (150-300 g);
3. cheese: a slice or an ounce; nuts and seeds: an ounce; fats and spreads: a tablespoon;
4. a natural piece of 15-300 g: a slice, a medium or large one, a piece or fruit, or the
   food itself counted ("2 sardines", "1 egg");
5. otherwise the first measure SR28 lists between 15 and 300 g, else its first measure.

No food is edited by hand: every default is one of its own SR28 measures.
"""

from __future__ import annotations

from collections.abc import Sequence

from bonewise.nutrition.models import Food, Measure
from bonewise.nutrition.search import terms

PACK_WORDS = ("can", "container", "pot", "carton", "bottle", "pouch", "packet", "package")
PACK_GRAMS = (40.0, 250.0)
DRINK_GRAMS = (150.0, 300.0)
PIECE_WORDS = ("slice", "medium", "large", "piece", "fruit", "each", "whole", "stalk", "spear")
SERVING_GRAMS = (15.0, 300.0)


def _first_word(measure: Measure) -> str:
    text = measure.description.lower().lstrip("0123456789/.- ")
    return text.split(" ", 1)[0].rstrip(",;()")


def _within(measure: Measure, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= measure.grams <= bounds[1]


def _kind_preference(description: str, food_group_code: str) -> tuple[str, ...]:
    text = description.lower()
    if text.startswith("cheese"):
        return ("slice", "oz")
    if food_group_code == "1200":  # nuts and seeds
        return ("oz",)
    if food_group_code == "0400" or "margarine" in text:  # fats and oils
        return ("tbsp",)
    return ()


def _rule_portion(
    description: str, food_group_code: str, measures: Sequence[Measure]
) -> Measure | None:
    """The measure the rule (module docstring, 1-5 less the fallback) picks, or None."""
    for m in measures:
        if _first_word(m) in PACK_WORDS and m.amount == 1 and _within(m, PACK_GRAMS):
            return m
    if any(m.description.lower().startswith("fl oz") for m in measures):
        for m in measures:
            if _first_word(m) == "cup" and m.amount == 1 and _within(m, DRINK_GRAMS):
                return m
    for word in _kind_preference(description, food_group_code):
        for m in measures:
            if _first_word(m) == word and _within(m, (SERVING_GRAMS[0] / 2, SERVING_GRAMS[1])):
                return m
    food_terms = set(terms(description.split(",")[0] + " " + description))
    for m in measures:
        first = _first_word(m)
        is_piece = first in PIECE_WORDS or any(t in food_terms for t in terms(first))
        if is_piece and _within(m, SERVING_GRAMS):
            return m
    return next((m for m in measures if _within(m, SERVING_GRAMS)), None)


def default_portion(
    description: str, food_group_code: str, measures: Sequence[Measure]
) -> Measure | None:
    """The measure to offer first for this food (module docstring: the rule), or None."""
    if not measures:
        return None
    return _rule_portion(description, food_group_code, measures) or measures[0]


def usual_serving(food: Food) -> Measure | None:
    """The serving a suggestion offers: the food's default portion when the rule finds one
    a person eats at once (not SR28's first measure taken for want of one), else None. One
    rule for the portion she logs and the serving she is suggested."""
    return _rule_portion(food.description, food.food_group_code, food.measures)


def portions_in_order(
    description: str, food_group_code: str, measures: Sequence[Measure]
) -> tuple[Measure, ...]:
    """The food's measures with the default portion first, the others in SR28's order."""
    chosen = default_portion(description, food_group_code, measures)
    if chosen is None:
        return tuple(measures)
    return (chosen, *(m for m in measures if m is not chosen))
