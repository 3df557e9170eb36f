"""Suggestions close today's gap honouring exclusions; the seed's four food groups."""

import pytest

from bonewise.nutrition.food_groups import coverage, groups_of, seed_groups
from bonewise.nutrition.models import Food, Measure, unknown_nutrients
from bonewise.nutrition.suggestions import excluded, suggest, usual_serving


def food(
    ndb,
    description,
    group,
    *,
    calcium=None,
    vitamin_d=None,
    kcal=50.0,
    measures=None,
    survey=True,
    manufacturer="",
):
    values = unknown_nutrients()
    values.update(calcium_mg=calcium, vitamin_d_iu=vitamin_d, energy_kcal=kcal)
    return Food(
        ndb,
        description,
        group,
        "",
        values,
        tuple(measures or [Measure(1, 1.0, "cup", 244.0)]),
        survey=survey,
        manufacturer=manufacturer,
    )


MILK = food("01079", "Milk, reduced fat, fluid, 2% milkfat", "0100", calcium=120, vitamin_d=49)
SARDINES = food(
    "15088",
    "Fish, sardine, Atlantic, canned in oil, drained solids with bone",
    "1500",
    calcium=382,
    vitamin_d=193,
    kcal=208,
    measures=[Measure(1, 1.0, "can of 3.75 oz, drained solids with bone", 92.0)],
)
ALMOND = food(
    "14016",
    "Beverages, almond milk, unsweetened, shelf stable",
    "1400",
    calcium=197,
    kcal=15,
    measures=[Measure(1, 1.0, "cup", 262.0)],
)
SPINACH = food(
    "11457", "Spinach, raw", "1100", calcium=99, kcal=23, measures=[Measure(1, 1.0, "cup", 30.0)]
)
EGG = food(
    "01123",
    "Egg, whole, raw, fresh",
    "0100",
    calcium=56,
    vitamin_d=82,
    kcal=143,
    measures=[Measure(1, 1.0, "large", 50.0)],
)
UNKNOWN = food(
    "01008", "Cheese, caraway", "0100", calcium=None, measures=[Measure(1, 1.0, "oz", 28.35)]
)
BRAND = food(
    "01275", "Yogurt, Greek, nonfat, vanilla, CHOBANI", "0100", calcium=500, manufacturer="Chobani"
)
FOODS = [MILK, SARDINES, ALMOND, SPINACH, EGG, UNKNOWN, BRAND]


def test_ranked_by_share_of_the_gap_one_serving_closes():
    found = suggest(FOODS, nutrient="calcium_mg", gap=600, limit=10)
    assert [s.food.ndb_no for s in found] == ["14016", "15088", "01079", "11457", "01123"]
    assert found[0].amount == pytest.approx(516.14)
    assert found[0].share_of_gap == pytest.approx(516.14 / 600)


def test_a_serving_that_closes_the_whole_gap_counts_as_100_percent_fewer_calories_first():
    found = suggest(FOODS, nutrient="calcium_mg", gap=200, limit=3)
    assert [s.share_of_gap for s in found[:3]] == [1.0, 1.0, 1.0]
    assert [s.food.ndb_no for s in found[:2]] == ["14016", "01079"]


def test_unknown_values_and_brands_are_never_suggested():
    ids = {s.food.ndb_no for s in suggest(FOODS, nutrient="calcium_mg", gap=600, limit=50)}
    assert "01008" not in ids and "01275" not in ids


@pytest.mark.parametrize(
    ("exclusions", "gone"),
    [
        (["dairy_free"], {"01079"}),
        (["fish_free"], {"15088"}),
        (["vegan"], {"01079", "15088", "01123"}),
    ],
)
def test_exclusions_are_honoured(exclusions, gone):
    ids = {
        s.food.ndb_no
        for s in suggest(FOODS, nutrient="calcium_mg", gap=600, exclusions=exclusions, limit=50)
    }
    assert not ids & gone
    assert "14016" in ids  # almond milk is dairy-free, fish-free and vegan


def test_plant_milks_are_not_dairy_but_eggs_are_not_vegan():
    assert not excluded(ALMOND, ["dairy_free"])
    assert not excluded(EGG, ["dairy_free"])
    assert excluded(EGG, ["vegan"])
    with pytest.raises(ValueError, match="exclusions \\['keto'\\]"):
        excluded(EGG, ["keto"])  # type: ignore[list-item]


def test_spinach_is_noted_for_low_bioavailability():
    spinach = next(
        s
        for s in suggest(FOODS, nutrient="calcium_mg", gap=600, limit=10)
        if s.food.ndb_no == "11457"
    )
    assert "oxalate" in spinach.note


def test_no_gap_no_suggestions_and_vitamin_d_works_too():
    assert suggest(FOODS, nutrient="calcium_mg", gap=0) == []
    found = suggest(FOODS, nutrient="vitamin_d_iu", gap=800, limit=2)
    assert [s.food.ndb_no for s in found] == ["15088", "01079"]
    with pytest.raises(ValueError, match="nutrient='protein_g'"):
        suggest(FOODS, nutrient="protein_g", gap=10)


def test_cheese_serving_is_an_ounce_not_a_cup():
    cheddar = food(
        "01009",
        "Cheese, cheddar",
        "0100",
        calcium=711,
        measures=[Measure(1, 1.0, "cup, diced", 132.0), Measure(2, 1.0, "oz", 28.35)],
    )
    assert usual_serving(cheddar).description == "oz"


def test_the_four_seed_groups_come_from_the_data_file():
    assert [g.id for g in seed_groups()] == [
        "calcium_rich",
        "vitamin_d_rich",
        "anti_inflammatory",
        "vitamin_k_sources",
    ]


@pytest.mark.parametrize(
    ("description", "code", "expected"),
    [
        (
            "Milk, reduced fat, fluid, 2% milkfat, with added vitamin A and vitamin D",
            "0100",
            ["calcium_rich"],
        ),
        ("Milk, whole, 3.25% milkfat, with added vitamin D", "0100", []),
        ("Kale, raw", "1100", ["calcium_rich", "vitamin_k_sources"]),
        (
            "Fish, sardine, Atlantic, canned in oil, drained solids with bone",
            "1500",
            ["calcium_rich"],
        ),
        ("Fish, salmon, sockeye, raw", "1500", ["vitamin_d_rich"]),
        ("Egg, yolk, raw, fresh", "0100", ["vitamin_d_rich"]),
        (
            "Orange juice, chilled, includes from concentrate, with added calcium and vitamin D",
            "0900",
            ["vitamin_d_rich"],
        ),
        ("Cereals, oats, regular and quick, not fortified, dry", "0800", []),
        ("Oil, olive, salad or cooking", "0400", ["anti_inflammatory"]),
        ("Nuts, walnuts, english", "1200", ["anti_inflammatory"]),
        ("Beverages, tea, green, brewed, regular", "1400", ["anti_inflammatory"]),
        ("Brussels sprouts, raw", "1100", ["vitamin_k_sources"]),
        ("Crackers, milk", "1800", []),
    ],
)
def test_foods_are_tagged_by_group_and_description(description, code, expected):
    assert groups_of(description, code) == expected


def test_a_days_coverage_names_the_foods_in_each_group():
    day = [("Kale, raw", "1100"), ("Fish, salmon, sockeye, raw", "1500"), ("Bread, rye", "1800")]
    found = {c.group.id: c for c in coverage(day)}
    assert found["calcium_rich"].foods == ("Kale, raw",)
    assert found["vitamin_d_rich"].covered
    assert not found["anti_inflammatory"].covered


def test_the_suggested_serving_is_the_portion_she_would_log():
    from bonewise.nutrition.portions import default_portion

    sardines = food(
        "15088",
        "Fish, sardine, Atlantic, canned in oil, drained solids with bone",
        "1500",
        calcium=382,
        measures=[Measure(1, 1.0, "cup, drained", 149.0), Measure(2, 1.0, "can (3.75 oz)", 92.0)],
    )
    assert usual_serving(sardines).description == "can (3.75 oz)"
    assert usual_serving(sardines) == default_portion(
        sardines.description, sardines.food_group_code, sardines.measures
    )
    huge = food("99998", "Cake, sheet", "1800", calcium=50, measures=[Measure(1, 1.0, "cake", 900)])
    assert usual_serving(huge) is None  # no serving one eats at once: never suggested
    assert default_portion(huge.description, huge.food_group_code, huge.measures) == Measure(
        1, 1.0, "cake", 900
    )  # but she can still log it
