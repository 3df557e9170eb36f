"""Food search as people write, in the real store on SQLite (FTS5) and PostgreSQL (tsvector,
pg_trgm): British spellings, synonyms and everyday words, typos, the plain form first, and
default portions. The same tests run on both engines.
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from bonewise.services.nutrition import get_food, search_foods
from bonewise.store.db import alembic_config, make_engine
from bonewise.store.uow import UnitOfWork, open_store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request):
    if request.param == "sqlite":
        return request.getfixturevalue("food_store")
    return request.getfixturevalue("pg_food_store")


def search(store, query, limit=20):
    return search_foods(uow=UnitOfWork(store), query=query, limit=limit)


def first(store, query, limit=5):
    return [h.ndb_no for h in search(store, query, limit)]


PLAIN_MILKS = {"01077", "01079", "01082", "01085", "42290"}


def test_milk_lists_whole_2_1_and_skim_milk_first(store):
    top = first(store, "milk", limit=5)
    assert set(top) <= PLAIN_MILKS
    assert {"01077", "01079", "01082", "01085"} <= set(top)
    everything = first(store, "milk", limit=60)
    assert everything.index("01107") > 4  # human milk
    assert everything.index("01089") > 4  # low sodium


def test_almonds_are_the_nuts_not_the_oil(store):
    top = first(store, "almonds", limit=5)
    assert top[0] == "12061"
    assert "04529" not in top  # Oil, almond


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("yoghurt", {"01116", "01117", "01118", "01256", "01287", "01293"}),
        ("greek yoghurt", {"01256"}),
        ("natural yoghurt", {"01116", "01117", "01118"}),
        ("soya milk", {"16120", "16139"}),
        ("soy milk", {"16120", "16139"}),
        ("semi-skimmed milk", {"01079", "01082"}),
        ("skimmed milk", {"01085", "01151", "42290"}),
        ("full fat milk", {"01077"}),
        ("tinned sardines", {"15088", "15089"}),
        ("pilchards", {"15088", "15089"}),
        ("tinned salmon", {"15084", "15087", "15260", "15181", "15182"}),
        ("bok choy", {"11116"}),
        ("pak choi", {"11116"}),
        ("rocket", {"11959"}),
        ("courgette", {"11477"}),
        ("chick peas", {"16056", "16057", "16058", "16358"}),
        ("treacle", {"19304"}),
        ("bean curd", {"16126", "16127", "16426", "16427"}),
    ],
)
def test_british_spellings_synonyms_and_everyday_words(store, query, expected):
    assert first(store, query, limit=1)[0] in expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("yogrut", {"01116", "01117", "01118", "01256"}),  # swapped letters
        ("chedar cheese", {"01009"}),  # a letter missing
        ("spinnach", {"11457", "11458"}),  # a letter too many
        ("sardnies", {"15088", "15089"}),
        ("mlik", PLAIN_MILKS),
        ("skim milc", {"01085", "01151", "42290"}),
    ],
)
def test_one_letter_typos_are_forgiven(store, query, expected):
    assert first(store, query, limit=1)[0] in expected


def test_a_word_no_food_has_and_no_near_word_finds_nothing(store):
    assert search(store, "kale zzzqx") == []
    assert search(store, "qqqq") == []


def test_a_long_query_is_cut_by_the_repository_not_refused(store):
    # The service refuses a query over its limit with a clear error; the repository itself
    # never fails on a long one.
    with UnitOfWork(store) as uow:
        assert uow.foods.search("milk " * 500, limit=3)


@pytest.mark.parametrize(
    ("ndb_no", "query", "portion"),
    [
        ("15088", "sardines in oil", "1 can (3.75 oz) = 92 g"),
        ("01256", "greek yogurt", "1 container = 170 g"),
        ("01079", "2% milk", "1 cup = 244 g"),
        ("01009", "cheddar cheese", "1 slice (1 oz) = 28 g"),
        ("12061", "almonds", "1 oz (23 whole kernels) = 28.35 g"),
    ],
)
def test_the_default_portion_is_what_people_eat(store, ndb_no, query, portion):
    hit = next(h for h in search(store, query, limit=10) if h.ndb_no == ndb_no)
    assert hit.default_measure is not None and hit.default_measure.label == portion
    assert hit.as_json()["default_measure_seq"] == hit.default_measure.seq
    # Every SR28 measure is still offered.
    assert len(hit.measures) == len(get_food(uow=UnitOfWork(store), ndb_no=ndb_no).measures)


def test_the_search_index_is_the_engines_own(store):
    with UnitOfWork(store) as uow:
        dialect = uow.session.get_bind().dialect.name
        if dialect == "sqlite":
            found = uow.session.execute(
                text("SELECT count(*) FROM food_fts WHERE food_fts MATCH 'head : yogurt'")
            ).scalar()
        else:
            found = uow.session.execute(
                text(
                    "SELECT count(*) FROM food_search WHERE to_tsvector('simple'::regconfig, head)"
                    " @@ to_tsquery('simple'::regconfig, 'yogurt')"
                )
            ).scalar()
    assert found and found > 20


def test_migration_0005_is_reversible(tmp_path):
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    config = alembic_config(engine)
    command.upgrade(config, "heads")
    assert "food_search" in inspect(engine).get_table_names()
    command.downgrade(config, "0002_food")
    tables = inspect(engine).get_table_names()
    assert "food_terms" in tables and "food_search" not in tables and "food_fts" not in tables
    # Foods imported before 0005 get their search index when it is applied.
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO foods (ndb_no, description, common_name, manufacturer, "
                "food_group_code, food_group, survey, head_size, qualifiers, plain, branded, "
                "source, imported_at) VALUES ('15088', 'Fish, sardine, Atlantic, canned in oil', "
                "'', '', '1500', 'Finfish', 1, 1, 2, 0, 0, 'test', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO food_measures (ndb_no, seq, amount, description, grams) "
                "VALUES ('15088', 1, 1, 'cup, drained', 149), ('15088', 2, 1, 'can (3.75 oz)', 92)"
            )
        )
    command.upgrade(config, "heads")
    assert "food_fts" in inspect(engine).get_table_names()
    engine.dispose()
    factory = open_store(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    hits = search(factory, "tinned pilchards")
    assert [h.ndb_no for h in hits] == ["15088"]
    assert hits[0].default_measure is not None
    assert hits[0].default_measure.description == "can (3.75 oz)"
    factory.kw["bind"].dispose()
