"""Food search terms, query understanding and ranking (pure): what people type against SR28."""

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonewise.nutrition.models import Measure
from bonewise.nutrition.portions import default_portion, portions_in_order
from bonewise.nutrition.search import (
    FoodShape,
    Query,
    corrections,
    food_shape,
    fts5_match,
    index_text,
    one_edit_apart,
    parse_vocabulary,
    placement,
    static_key,
    term,
    terms,
    tsquery,
    vocabulary,
)

FOODS = [
    ("18214", "Crackers, milk", "1800", False),
    ("01077", "Milk, whole, 3.25% milkfat, with added vitamin D", "0100", True),
    (
        "01079",
        "Milk, reduced fat, fluid, 2% milkfat, with added vitamin A and vitamin D",
        "0100",
        True,
    ),
    ("01089", "Milk, low sodium, fluid", "0100", True),
    ("01107", "Milk, human, mature, fluid", "0100", True),
    ("01110", "Milk shakes, thick chocolate", "0100", False),
    ("03106", "Babyfood, dessert, custard pudding, vanilla, strained", "0300", False),
    ("11233", "Kale, raw", "1100", False),
    ("11622", "Kale, scotch, raw", "1100", False),
    ("15088", "Fish, sardine, Atlantic, canned in oil, drained solids with bone", "1500", True),
    ("12061", "Nuts, almonds", "1200", True),
    ("04529", "Oil, almond", "0400", False),
    ("01256", "Yogurt, Greek, plain, nonfat", "0100", True),
    ("01275", "Yogurt, Greek, nonfat, vanilla, CHOBANI", "0100", False),
    ("16120", "Soymilk, original and vanilla, unfortified", "1600", True),
]


def ranked(text, vocab=None):
    """The foods above that match `text`, in the order a store lists them."""
    query = Query.parse(text, vocab)
    found = []
    for ndb, description, group, survey in FOODS:
        shape = food_shape(description)
        indexed = index_text(description)
        special = static_key(
            ndb_no=ndb, description=description, food_group_code=group, survey=survey, shape=shape
        )
        where = placement(query, indexed.head, indexed.body, specialised=special[0])
        if where is not None:
            found.append((where, special, description))
    return [d for *_, d in sorted(found)]


def test_plurals_and_forms_fold_to_one_term():
    assert term("sardines") == term("sardine")
    assert term("skimmed") == term("skim")
    assert term("berries") == term("berry")
    assert term("2%") == "2pct" and term("3.25%") == "325pct"
    assert terms("Goat's milk") == ["goat", "milk"]


def test_milk_lists_plain_cows_milk_before_uncommon_forms_and_foods_that_mention_milk():
    found = ranked("milk")
    assert found[:2] == [
        "Milk, whole, 3.25% milkfat, with added vitamin D",
        "Milk, reduced fat, fluid, 2% milkfat, with added vitamin A and vitamin D",
    ]
    assert found.index("Milk, human, mature, fluid") > 1
    assert found.index("Milk, low sodium, fluid") > 1
    assert found.index("Crackers, milk") > found.index("Milk, human, mature, fluid")


def test_almonds_are_nuts_before_almond_oil():
    assert ranked("almonds") == ["Nuts, almonds", "Oil, almond"]


@pytest.mark.parametrize("text", ["soy milk", "soya milk", "Soya Milk "])
def test_soy_milk_is_soymilk(text):
    assert ranked(text)[0] == "Soymilk, original and vanilla, unfortified"


@pytest.mark.parametrize("text", ["yoghurt", "greek yoghurt", "Greek-style yoghurt"])
def test_british_spellings_find_yogurt_and_the_plain_unbranded_one_first(text):
    assert ranked(text)[0] == "Yogurt, Greek, plain, nonfat"


@pytest.mark.parametrize("text", ["tinned sardines", "pilchards", "sardines", "sardine"])
def test_everyday_words_and_plurals(text):
    assert ranked(text) == ["Fish, sardine, Atlantic, canned in oil, drained solids with bone"]


@pytest.mark.parametrize("text", ["kale raw", "raw kale", "KALE, RAW"])
def test_word_order_and_case_do_not_matter(text):
    assert ranked(text)[0] == "Kale, raw"


def test_a_compound_typed_as_one_word_finds_the_food():
    assert ranked("milkshake") == ["Milk shakes, thick chocolate"]


def test_the_last_word_is_a_prefix_while_typing_and_whole_words_come_first():
    assert ranked("greek yog")[0] == "Yogurt, Greek, plain, nonfat"
    assert ranked("greek yo") == []  # a prefix needs three letters
    assert ranked("milk")[0].startswith("Milk, whole")  # "milk" whole before "milkshake"


def test_filler_words_are_dropped_but_a_query_of_them_alone_is_empty():
    assert Query.parse("kale with of the").slots == Query.parse("kale ").slots
    assert Query.parse("and of").empty
    assert Query.parse("  ,, ").empty


def test_rules_add_ways_to_match_and_keep_the_words_typed():
    slot = Query.parse("tinned peas ").slots[0]
    assert [[t.text for t in a] for a in slot.alternatives] == [["tin"], [term("canned")]]


def test_specialised_foods_come_after_everyday_ones():
    assert ranked("custard") == ["Babyfood, dessert, custard pudding, vanilla, strained"]
    special = food_shape("Yogurt, Greek, nonfat, vanilla, CHOBANI")
    assert special.branded


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("brocoli", "broccoli", True),
        ("chese", "chees", True),  # swapped letters
        ("milc", "milk", True),
        ("sardn", "sardin", True),
        ("milk", "milk", False),
        ("mlik", "milk", True),
        ("kale", "kiwi", False),
    ],
)
def test_one_edit_apart(a, b, near):
    assert one_edit_apart(a, b) is near


def test_corrections_prefer_terms_in_more_foods_and_skip_far_ones():
    assert corrections("milc", [("milk", 300), ("mile", 2), ("salmon", 50)]) == ["milk", "mile"]


def test_typos_become_alternatives():
    query = Query.parse("spinch raw ")
    fixed = query.with_corrections({"spinch": ["spinach"]})
    assert [t.text for t in fixed.slots[0].alternatives[-1]] == ["spinach"]
    assert query.words_to_check() == ("spinch",)  # "raw": too short to correct


def test_engine_syntax_for_fts5_and_tsquery():
    query = Query.parse("soy milk")
    assert tsquery(query) == "((soy & milk:*) | (soymilk))"
    assert tsquery(query, any_term=True) == "soy | milk:* | soymilk"
    assert fts5_match(query) == '((("soy" AND "milk"*) OR ("soymilk")))'


def test_fts5_tiers_are_disjoint_and_cover_every_match():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(head, body)")
    for n, (_, description, _, _) in enumerate(FOODS, 1):
        indexed = index_text(description)
        conn.execute("INSERT INTO t(rowid, head, body) VALUES (?, ?, ?)", (n, *indexed))
    query = Query.parse("milk ")

    def rows(kind):
        sql = "SELECT rowid FROM t WHERE t MATCH ?"
        return {r[0] for r in conn.execute(sql, (fts5_match(query, head=kind),))}

    tiers = [rows("all"), rows("some"), rows("none")]
    assert set().union(*tiers) == rows("")
    assert sum(map(len, tiers)) == len(rows(""))
    assert rows("none") == {1}  # Crackers, milk


def test_the_vocabulary_file_is_versioned_and_well_formed():
    found = vocabulary()
    assert found.version
    assert ("yoghurt",) in found.spellings
    assert ("tinned",) in found.rules
    assert ("human",) in found.uncommon


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "version"),
        ({"version": "1", "x": {"tinned": "canned"}}, "must list"),
        ({"version": "1", "x": {"a b c d e": ["x"]}}, "1-4 words"),
        ({"version": "1", "uncommon": {"words": "dry"}}, "list of strings"),
    ],
)
def test_a_malformed_vocabulary_is_a_clear_error(data, message):
    with pytest.raises(ValueError, match=message):
        parse_vocabulary(data)


def test_shape_of_a_description():
    assert food_shape("Oil, almond") == FoodShape(2, 0, True, False, 0)
    assert food_shape("Nuts, almonds").head_size == 1
    assert food_shape("Milk, human, mature, fluid").uncommon == 1


@given(st.sampled_from(FOODS), st.data())
def test_a_food_is_found_by_any_of_its_own_words_in_any_order(food, data):
    _, description, _, _ = food
    own = sorted({w for w in description.replace(",", " ").split() if len(w) > 2})
    chosen = data.draw(st.lists(st.sampled_from(own), min_size=1, max_size=4, unique=True))
    typed = " ".join(data.draw(st.permutations(chosen)))
    # Without rules: a rule may rightly replace what was typed ("chocolate milk").
    assert description in ranked(typed + " ", parse_vocabulary({"version": "none"}))


# --- default portions -------------------------------------------------------------------------

SARDINE_MEASURES = (
    Measure(1, 1, "cup, drained", 149),
    Measure(2, 1, "oz", 28.35),
    Measure(3, 1, "cubic inch", 16),
    Measure(4, 1, "can (3.75 oz)", 92),
    Measure(5, 1, 'small (2-2/3" x 1/2" x 1/4")', 12),
    Measure(6, 2, "sardines", 24),
)


@pytest.mark.parametrize(
    ("description", "group", "measures", "expected"),
    [
        (
            "Fish, sardine, Atlantic, canned in oil, drained solids with bone",
            "1500",
            SARDINE_MEASURES,
            "can (3.75 oz)",
        ),
        ("Yogurt, Greek, plain, nonfat", "0100", (Measure(1, 1, "container", 170),), "container"),
        (
            "Milk, reduced fat, fluid, 2% milkfat",
            "0100",
            (Measure(1, 1, "quart", 976), Measure(2, 1, "fl oz", 30.5), Measure(3, 1, "cup", 244)),
            "cup",
        ),
        (
            "Cheese, cheddar",
            "0100",
            (
                Measure(1, 1, "cup, diced", 132),
                Measure(4, 1, "oz", 28.35),
                Measure(6, 1, "slice (1 oz)", 28),
            ),
            "slice (1 oz)",
        ),
        (
            "Nuts, almonds",
            "1200",
            (Measure(1, 1, "cup, whole", 143), Measure(5, 1, "oz (23 whole kernels)", 28.35)),
            "oz (23 whole kernels)",
        ),
        (
            "Egg, whole, raw, fresh",
            "0100",
            (Measure(1, 1, "cup", 243), Measure(2, 1, "large", 50)),
            "large",
        ),
        ("Kale, raw", "1100", (Measure(1, 1, 'cup 1" pieces', 16),), 'cup 1" pieces'),
    ],
)
def test_default_portion_is_what_people_eat(description, group, measures, expected):
    assert default_portion(description, group, measures).description == expected


def test_two_sardines_when_there_is_no_can():
    measures = tuple(m for m in SARDINE_MEASURES if not m.description.startswith("can"))
    assert default_portion("Fish, sardine, Pacific", "1500", measures).description == "sardines"


def test_portions_keep_every_measure_with_the_default_first():
    ordered = portions_in_order("Fish, sardine", "1500", SARDINE_MEASURES)
    assert ordered[0].description == "can (3.75 oz)"
    assert sorted(m.seq for m in ordered) == [1, 2, 3, 4, 5, 6]
    assert default_portion("Salt, table", "0200", ()) is None
