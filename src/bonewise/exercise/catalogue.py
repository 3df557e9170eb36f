"""The exercise catalogue: a data file shipped in the package, read once and checked on the way in.

Each exercise says how hard it lands on the skeleton (`impact`) and whether it bends, twists or
lifts with the spine flexed (`loaded_spinal_flexion_or_twist`), so the planner can leave out
what is unsafe for a fragile spine.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, cast, get_args

from bonewise.exercise.guidance import SOURCES

Kind = Literal["aerobic", "resistance", "balance", "flexibility", "posture"]
Impact = Literal["none", "low", "moderate", "high"]
Intensity = Literal["light", "moderate", "vigorous"]
KINDS: tuple[Kind, ...] = get_args(Kind)
IMPACTS: tuple[Impact, ...] = get_args(Impact)
EQUIPMENT: tuple[str, ...] = (
    "chair",
    "wall",
    "counter",
    "mat",
    "stairs",
    "step",
    "dumbbells",
    "resistance_band",
    "weight_machine",
    "treadmill",
    "elliptical",
    "poles",
    "bicycle",
    "pool",
    "racket",
    "skipping_rope",
    "golf_clubs",
)
HOUSEHOLD_EQUIPMENT: frozenset[str] = frozenset({"chair", "wall", "counter", "mat"})
MUSCLE_GROUPS: tuple[str, ...] = ("legs", "arms", "chest", "shoulders", "back", "core")


class CatalogueError(ValueError):
    """The catalogue data file is inconsistent (a packaging bug, not a user error)."""


class UnknownExercise(LookupError):
    def __init__(self, exercise_id: str, known: Iterable[str]) -> None:
        close = sorted(k for k in known if exercise_id.split("-")[0] in k)[:5]
        hint = f"; similar: {', '.join(close)}" if close else ""
        super().__init__(
            f"unknown exercise {exercise_id!r}: use an id from `bonewise exercise list`{hint}"
        )
        self.exercise_id = exercise_id


@dataclass(frozen=True, slots=True)
class Exercise:
    id: str
    name: str
    kind: Kind
    impact: Impact
    loaded_spinal_flexion_or_twist: bool
    weight_bearing: bool
    intensity: Intensity | None
    equipment: frozenset[str]
    muscle_groups: frozenset[str]
    easier: str | None
    harder: str | None
    source: str
    instructions: str
    # False for short impact drills (heel drops, stamping) done in sets between walking
    # intervals: they count as loading, but are never planned as a whole aerobic bout.
    continuous: bool = True

    def usable_with(self, equipment: frozenset[str]) -> bool:
        return self.equipment <= equipment

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "impact": self.impact,
            "loaded_spinal_flexion_or_twist": self.loaded_spinal_flexion_or_twist,
            "weight_bearing": self.weight_bearing,
            "intensity": self.intensity,
            "equipment": sorted(self.equipment),
            "muscle_groups": sorted(self.muscle_groups),
            "easier": self.easier,
            "harder": self.harder,
            "source": self.source,
            "citation": SOURCES[self.source].citation,
            "instructions": self.instructions,
            "continuous": self.continuous,
        }


def _choice(item: dict[str, Any], field: str, allowed: tuple[str, ...]) -> str:
    value = item.get(field)
    if value not in allowed:
        raise CatalogueError(
            f"exercise {item.get('id')!r}: {field} {value!r} is not one of {', '.join(allowed)}"
        )
    return cast(str, value)


def _exercise(item: dict[str, Any]) -> Exercise:
    for field in ("id", "name", "instructions"):
        if not isinstance(item.get(field), str) or not item[field].strip():
            raise CatalogueError(f"exercise {item.get('id')!r}: {field} must be a non-empty text")
    equipment = frozenset(item.get("equipment", []))
    muscles = frozenset(item.get("muscle_groups", []))
    if not equipment <= set(EQUIPMENT):
        raise CatalogueError(f"exercise {item['id']!r}: unknown equipment {sorted(equipment)}")
    if not muscles or not muscles <= set(MUSCLE_GROUPS):
        raise CatalogueError(f"exercise {item['id']!r}: muscle_groups {sorted(muscles)}")
    kind = _choice(item, "kind", KINDS)
    intensity = item.get("intensity")
    if kind == "aerobic" and intensity not in get_args(Intensity):
        raise CatalogueError(f"aerobic exercise {item['id']!r} needs an intensity")
    if not isinstance(item.get("continuous", True), bool):
        raise CatalogueError(f"exercise {item['id']!r}: continuous must be true or false")
    for flag in ("loaded_spinal_flexion_or_twist", "weight_bearing"):
        if not isinstance(item.get(flag), bool):
            raise CatalogueError(f"exercise {item['id']!r}: {flag} must be true or false")
    return Exercise(
        id=item["id"],
        name=item["name"],
        kind=cast(Kind, kind),
        impact=cast(Impact, _choice(item, "impact", IMPACTS)),
        loaded_spinal_flexion_or_twist=item["loaded_spinal_flexion_or_twist"],
        weight_bearing=item["weight_bearing"],
        intensity=cast(Intensity | None, intensity),
        equipment=equipment,
        muscle_groups=muscles,
        easier=item.get("easier"),
        harder=item.get("harder"),
        source=_choice(item, "source", tuple(SOURCES)),
        instructions=item["instructions"].strip(),
        continuous=item.get("continuous", True),
    )


class Catalogue:
    """All exercises by id, in the data file's order."""

    def __init__(self, exercises: Iterable[Exercise]) -> None:
        self._by_id: dict[str, Exercise] = {}
        for exercise in exercises:
            if exercise.id in self._by_id:
                raise CatalogueError(f"exercise id {exercise.id!r} appears twice")
            self._by_id[exercise.id] = exercise
        for exercise in self._by_id.values():
            for variant in (exercise.easier, exercise.harder):
                if variant is not None and variant not in self._by_id:
                    raise CatalogueError(
                        f"exercise {exercise.id!r} names unknown variant {variant!r}"
                    )

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def get_or_raise(self, exercise_id: str) -> Exercise:
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise UnknownExercise(exercise_id, self._by_id) from None

    def difficulty(self, exercise_id: str) -> int:
        """Steps down the chain of easier variants to the easiest one (0: nothing easier)."""
        steps, seen = 0, {exercise_id}
        current = self.get_or_raise(exercise_id)
        while current.easier is not None and current.easier not in seen:
            seen.add(current.easier)
            current = self.get_or_raise(current.easier)
            steps += 1
        return steps

    def of_kind(self, kind: Kind) -> list[Exercise]:
        return [e for e in self._by_id.values() if e.kind == kind]


def parse_catalogue(data: dict[str, Any]) -> Catalogue:
    items = data.get("exercises")
    if not isinstance(items, list):
        raise CatalogueError("the catalogue needs an 'exercises' list")
    return Catalogue(_exercise(item) for item in items)


@cache
def default_catalogue() -> Catalogue:
    """The catalogue shipped with bonewise (exercise/catalogue.json)."""
    text = (resources.files("bonewise.exercise") / "catalogue.json").read_text(encoding="utf-8")
    return parse_catalogue(json.loads(text))
