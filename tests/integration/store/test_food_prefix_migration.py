"""Migration 0014_food_prefix4: the SQLite food index gains 4-character prefixes and gives them
back on downgrade, reindexing the foods already loaded both ways (a no-op on PostgreSQL)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from bonewise.store.db import alembic_config, make_engine
from bonewise.store.food import FoodRepository
from bonewise.store.uow import UnitOfWork, session_factory

from ..web.conftest import add_foods


def _found(factory, query: str) -> list[str]:
    with UnitOfWork(factory) as uow:
        return [hit.ndb_no for hit in FoodRepository(uow.session).search(query)]


def _prefixes(engine) -> str | None:
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as conn:
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'food_fts'")).scalar()
    return sql.split("prefix=", 1)[1]


def test_the_prefix_migration_is_reversible_and_keeps_the_foods_found(store_url):
    engine = make_engine(store_url)
    config = alembic_config(engine)
    command.upgrade(config, "heads")
    factory = session_factory(engine)
    add_foods(factory)
    found = _found(factory, "milk")
    assert "01079" in found  # 2% milk
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        assert _prefixes(engine) == "'2 3 4')"
    command.downgrade(config, "0013_supplement_corrections")
    if sqlite:
        assert _prefixes(engine) == "'2 3')"
    assert _found(factory, "milk") == found
    command.upgrade(config, "heads")
    if sqlite:
        assert _prefixes(engine) == "'2 3 4')"
    assert _found(factory, "milk") == found
    engine.dispose()
