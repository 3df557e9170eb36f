"""The seed's four food groups (pure): calcium-rich, vitamin D-rich, anti-inflammatory and
vitamin K sources, as tagging rules over SR28 foods kept in `food_groups.json`.

`groups_of(description, food_group_code)` tags one food; `coverage(entries)` says which groups a
day's diary covered and with which foods.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Rule:
    sr28_groups: tuple[str, ...] = ()
    starts: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    def matches(self, description: str, food_group_code: str) -> bool:
        text = description.lower()
        return (
            (not self.sr28_groups or food_group_code in self.sr28_groups)
            and (not self.starts or text.startswith(self.starts))
            and (not self.contains or any(c in text for c in self.contains))
            and not any(x in text for x in self.excludes)
        )


@dataclass(frozen=True, slots=True)
class FoodGroup:
    id: str
    label: str
    role: str
    seed_examples: str
    rules: tuple[Rule, ...]

    def includes(self, description: str, food_group_code: str) -> bool:
        return any(rule.matches(description, food_group_code) for rule in self.rules)


@cache
def seed_groups() -> tuple[FoodGroup, ...]:
    data = json.loads(
        (resources.files("bonewise.nutrition") / "food_groups.json").read_text(encoding="utf-8")
    )
    return tuple(
        FoodGroup(
            id=g["id"],
            label=g["label"],
            role=g["role"],
            seed_examples=g["seed_examples"],
            rules=tuple(
                Rule(
                    sr28_groups=tuple(r.get("sr28_groups", ())),
                    starts=tuple(s.lower() for s in r.get("starts", ())),
                    contains=tuple(c.lower() for c in r.get("contains", ())),
                    excludes=tuple(x.lower() for x in r.get("excludes", ())),
                )
                for r in g["rules"]
            ),
        )
        for g in data["groups"]
    )


def groups_of(description: str, food_group_code: str) -> list[str]:
    """Ids of the seed groups a food belongs to (none, one or several)."""
    return [g.id for g in seed_groups() if g.includes(description, food_group_code)]


@dataclass(frozen=True, slots=True)
class GroupCoverage:
    group: FoodGroup
    foods: tuple[str, ...]  # descriptions of the day's foods in this group

    @property
    def covered(self) -> bool:
        return bool(self.foods)


def coverage(entries: Iterable[tuple[str, str]]) -> list[GroupCoverage]:
    """For (description, SR28 group code) of a day's foods: each seed group and its foods."""
    items = list(entries)
    return [
        GroupCoverage(
            g,
            tuple(dict.fromkeys(d for d, code in items if g.includes(d, code))),
        )
        for g in seed_groups()
    ]
