"""The food database in the real store: import, idempotence, unknown vs zero, search.

Runs on a SQLite file and, when BONEWISE_TEST_POSTGRES_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import func, select

from bonewise.services import nutrition as service
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.store.food import FoodMeasureRow, FoodRepository, FoodRow
from bonewise.store.uow import UnitOfWork, open_store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request):
    if request.param == "sqlite":
        return request.getfixturevalue("food_store")
    return request.getfixturevalue("pg_food_store")


def test_all_8789_foods_and_their_measures_are_stored(store):
    with UnitOfWork(store) as uow:
        assert FoodRepository(uow.session).count() == 8789
        measures = uow.session.scalar(select(func.count()).select_from(FoodMeasureRow))
    assert measures == 15438


def test_stored_values_keep_unknown_apart_from_zero(store):
    caraway = service.get_food(uow=UnitOfWork(store), ndb_no="01008")
    assert caraway.per_100g["vitamin_d_iu"] is None
    assert service.get_food(uow=UnitOfWork(store), ndb_no="11233").per_100g["vitamin_d_iu"] == 0.0
    with UnitOfWork(store) as uow:
        unknown_calcium = uow.session.scalar(
            select(func.count()).select_from(FoodRow).where(FoodRow.calcium_mg.is_(None))
        )
    assert unknown_calcium == 348


def test_kale_raw_comes_first_with_its_sr28_calcium_and_measure(store):
    first = service.search_foods(uow=UnitOfWork(store), query="kale raw", limit=5)[0]
    assert (first.ndb_no, first.description, first.calcium_mg_per_100g) == (
        "11233",
        "Kale, raw",
        150.0,
    )
    assert [m.label for m in first.measures] == ['1 cup 1" pieces, loosely packed = 16 g']


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("2% milk", "Milk, reduced fat, fluid, 2% milkfat, with added vitamin A and vitamin D"),
        ("milk 2%", "Milk, reduced fat, fluid, 2% milkfat, with added vitamin A and vitamin D"),
        ("greek yogurt", "Yogurt, Greek, plain, nonfat"),
        ("yogurt greek", "Yogurt, Greek, plain, nonfat"),
        ("sardines", "Fish, sardine, Atlantic, canned in oil, drained solids with bone"),
        ("sardine", "Fish, sardine, Atlantic, canned in oil, drained solids with bone"),
        ("Kale, Raw", "Kale, raw"),
        ("raw kale", "Kale, raw"),
        ("broccoli", "Broccoli, raw"),
        ("blueberries", "Blueberries, raw"),
        ("collards", "Collards, raw"),
        ("cheddar cheese", "Cheese, cheddar"),
        ("chia seeds", "Seeds, chia seeds, dried"),
    ],
)
def test_what_people_type_finds_the_plain_common_food_first(store, query, expected_first):
    assert (
        service.search_foods(uow=UnitOfWork(store), query=query, limit=10)[0].description
        == expected_first
    )


def test_milk_finds_milks_before_foods_that_mention_milk(store):
    hits = service.search_foods(uow=UnitOfWork(store), query="milk", limit=10)
    assert all(h.description.startswith("Milk") for h in hits)
    everything = [
        h.description for h in service.search_foods(uow=UnitOfWork(store), query="milk", limit=1000)
    ]
    assert "Crackers, milk" in everything
    assert everything.index("Crackers, milk") > 10


def test_the_last_word_matches_as_a_prefix_while_typing(store):
    assert service.search_foods(uow=UnitOfWork(store), query="greek yog", limit=1)[
        0
    ].description == ("Yogurt, Greek, plain, nonfat")


def test_a_word_no_food_has_finds_nothing(store):
    assert service.search_foods(uow=UnitOfWork(store), query="kale zzzqx") == []
    assert service.search_foods(uow=UnitOfWork(store), query="  ,, ") == []


def test_import_again_is_idempotent(sqlite_copy):
    factory = open_store(f"sqlite:///{sqlite_copy}")
    before = service.search_foods(uow=UnitOfWork(factory), query="kale raw", limit=3)
    steps: list[int] = []
    assert (
        service.import_food_database(
            uow=UnitOfWork(factory), actor=LOCAL_OPERATOR, on_progress=steps.append
        )
        == 8789
    )
    assert sum(steps) == 8789
    assert service.ensure_food_database(uow=UnitOfWork(factory), actor=LOCAL_OPERATOR) == 8789
    with UnitOfWork(factory) as uow:
        assert FoodRepository(uow.session).count() == 8789
        assert uow.session.scalar(select(func.count()).select_from(FoodMeasureRow)) == 15438
    assert service.search_foods(uow=UnitOfWork(factory), query="kale raw", limit=3) == before


def test_an_unknown_ndb_number_is_a_clear_lookup_error(store):
    with pytest.raises(service.FoodNotFound, match="no food with NDB number '99999'"):
        service.get_food(uow=UnitOfWork(store), ndb_no="99999")


def test_a_description_typed_exactly_finds_that_food_first(store):
    sample = ["10006", "18064", "20038", "14247", "01079", "11233", "15088", "21002", "09040"]
    for ndb_no in sample:
        wanted = service.get_food(uow=UnitOfWork(store), ndb_no=ndb_no).description
        first = service.search_foods(uow=UnitOfWork(store), query=wanted, limit=1)[0]
        assert (first.ndb_no, first.description) == (ndb_no, wanted)


def test_two_processes_loading_an_empty_store_at_once_both_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    open_store(url)  # migrated, no foods yet
    code = (
        "import sys; from bonewise.store.uow import open_store; "
        "from bonewise.services.nutrition import ensure_food_database as ensure; "
        "from bonewise.services.access import LOCAL_OPERATOR as op; from bonewise.store.uow import UnitOfWork; "
        "print(ensure(uow=UnitOfWork(open_store(sys.argv[1])), actor=op))"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0].strip() for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert outputs == ["8789", "8789"]
