"""Search ranking on SR28-style descriptions (pure): the plain, common food first."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonewise.nutrition.search import Query, index_entries, match_description, rank, singular

FOODS = [
    ("18214", "Crackers, milk", "1800", False),
    ("01077", "Milk, whole, 3.25% milkfat, with added vitamin D", "0100", True),
    (
        "01079",
        "Milk, reduced fat, fluid, 2% milkfat, with added vitamin A and vitamin D",
        "0100",
        True,
    ),
    ("01291", "Milk, evaporated, 2% fat, with added vitamin A and vitamin D", "0100", True),
    ("19120", "Candies, milk chocolate", "1900", True),
    ("03106", "Babyfood, dessert, custard pudding, vanilla, strained", "0300", False),
    ("11233", "Kale, raw", "1100", False),
    ("11622", "Kale, scotch, raw", "1100", False),
    ("11234", "Kale, cooked, boiled, drained, without salt", "1100", True),
    ("15088", "Fish, sardine, Atlantic, canned in oil, drained solids with bone", "1500", True),
    ("04594", "Fish oil, sardine", "0400", False),
    ("01256", "Yogurt, Greek, plain, nonfat", "0100", True),
    ("01275", "Yogurt, Greek, nonfat, vanilla, CHOBANI", "0100", False),
]


def search(text, limit=3):
    query = Query.parse(text)
    matches = [
        m
        for ndb, desc, group, survey in FOODS
        if (
            m := match_description(
                query, ndb_no=ndb, description=desc, food_group_code=group, survey=survey
            )
        )
        is not None
    ]
    return [m.description for m in rank(matches, limit=limit)]


def test_milk_ranks_milks_before_foods_that_only_mention_milk():
    found = search("milk", limit=10)
    assert found.index("Crackers, milk") > found.index(
        "Milk, whole, 3.25% milkfat, with added vitamin D"
    )
    assert found[0].startswith("Milk,")


@pytest.mark.parametrize("text", ["2% milk", "milk 2%", "Milk, 2%"])
def test_2_percent_milk_is_the_fluid_milk_in_any_word_order(text):
    assert search(text)[0].startswith("Milk, reduced fat, fluid, 2% milkfat")


@pytest.mark.parametrize("text", ["kale raw", "raw kale", "KALE, RAW"])
def test_kale_raw(text):
    assert search(text)[0] == "Kale, raw"


@pytest.mark.parametrize("text", ["sardines", "sardine"])
def test_plurals_and_category_heads(text):
    assert search(text)[0].startswith("Fish, sardine")


def test_unbranded_plain_food_before_a_brand():
    assert search("greek yogurt") == [
        "Yogurt, Greek, plain, nonfat",
        "Yogurt, Greek, nonfat, vanilla, CHOBANI",
    ]


def test_last_word_is_a_prefix_only_from_three_letters():
    assert search("greek yo") == []
    assert search("greek yog")[0] == "Yogurt, Greek, plain, nonfat"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("sardines", "sardine"),
        ("berries", "berry"),
        ("tomatoes", "tomato"),
        ("glass", "glass"),
        ("peas", "pea"),
        ("oats", "oat"),
        ("asparagus", "asparagus"),
        ("bus", "bus"),
    ],
)
def test_singular(word, expected):
    assert singular(word) == expected


def test_terms_know_the_comma_part_they_first_appear_in():
    entries = index_entries("Milk, reduced fat, fluid, 2% milkfat", "")
    assert entries["milk"] == 0 and entries["fluid"] == 2 and entries["2%"] == 3
    assert index_entries("Fish, sardine, Atlantic")["sardine"] == 0


@given(st.sampled_from(FOODS), st.data())
def test_a_food_is_found_by_any_of_its_own_words_in_any_order(food, data):
    ndb, description, group, survey = food
    own = sorted({w for w in description.replace(",", " ").split() if len(w) > 1})
    chosen = data.draw(st.lists(st.sampled_from(own), min_size=1, max_size=4, unique=True))
    typed = " ".join(data.draw(st.permutations(chosen)))
    match = match_description(
        Query.parse(typed + " "),
        ndb_no=ndb,
        description=description,
        food_group_code=group,
        survey=survey,
    )
    assert match is not None
    assert search(typed, limit=len(FOODS)).count(description) == 1
