"""The shipped catalogue is complete, consistent, and flags what a fragile spine must avoid."""

import copy
import json
from importlib import resources

import pytest

from bonewise.exercise.catalogue import (
    KINDS,
    CatalogueError,
    UnknownExercise,
    default_catalogue,
    parse_catalogue,
)
from bonewise.exercise.guidance import SOURCES


def raw():
    text = (resources.files("bonewise.exercise") / "catalogue.json").read_text("utf-8")
    return json.loads(text)


def test_at_least_40_exercises_of_every_kind_with_plain_instructions():
    catalogue = default_catalogue()
    assert len(catalogue) >= 40
    for kind in KINDS:
        assert len(catalogue.of_kind(kind)) >= 5, kind
    for e in catalogue:
        assert len(e.instructions.split()) >= 8, e.id
        assert e.source in SOURCES
        assert e.muscle_groups


def test_variants_point_to_exercises_of_the_same_kind():
    catalogue = default_catalogue()
    for e in catalogue:
        for variant in (e.easier, e.harder):
            if variant is not None:
                assert catalogue.get_or_raise(variant).kind == e.kind, (e.id, variant)


def test_the_classic_spine_loaders_are_flagged():
    catalogue = default_catalogue()
    for exercise_id in (
        "sit-up",
        "crunch",
        "standing-toe-touch",
        "russian-twist",
        "bent-over-row",
        "seated-spinal-twist",
        "tennis",
    ):
        assert catalogue.get_or_raise(exercise_id).loaded_spinal_flexion_or_twist, exercise_id
    for exercise_id in ("jogging", "jumping", "skipping-rope", "high-impact-aerobics"):
        assert catalogue.get_or_raise(exercise_id).impact == "high", exercise_id
    assert not catalogue.get_or_raise("swimming").weight_bearing


def test_body_weight_alone_covers_every_muscle_group_without_loading_the_spine():
    safe = [
        e
        for e in default_catalogue().of_kind("resistance")
        if not e.equipment - {"chair", "wall", "counter", "mat"}
        and not e.loaded_spinal_flexion_or_twist
    ]
    covered = set().union(*(e.muscle_groups for e in safe))
    assert {"legs", "arms", "chest", "shoulders", "back"} <= covered


def test_unknown_exercise_names_the_id():
    with pytest.raises(UnknownExercise, match="'moonwalk'"):
        default_catalogue().get_or_raise("moonwalk")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.__setitem__("kind", "yoga"), "kind 'yoga' is not one of"),
        (lambda e: e.__setitem__("impact", "huge"), "impact 'huge'"),
        (lambda e: e.__setitem__("harder", "nowhere"), "unknown variant 'nowhere'"),
        (lambda e: e.__setitem__("equipment", ["trampoline"]), "unknown equipment"),
        (lambda e: e.__setitem__("source", "blog"), "source 'blog'"),
        (lambda e: e.__setitem__("instructions", " "), "instructions"),
    ],
)
def test_a_broken_catalogue_is_refused(change, message):
    data = copy.deepcopy(raw())
    change(data["exercises"][0])
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(data)


def test_duplicate_ids_are_refused():
    data = copy.deepcopy(raw())
    data["exercises"].append(copy.deepcopy(data["exercises"][0]))
    with pytest.raises(CatalogueError, match="appears twice"):
        parse_catalogue(data)
