"""Migration 0010_reminders applies and reverts on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from bonewise.store.db import alembic_config, make_engine

MINE = {"account_tokens", "reminders_sent"}


def test_migration_0010_is_reversible(store_url: str) -> None:
    engine = make_engine(store_url)
    config = alembic_config(engine)
    command.upgrade(config, "heads")
    assert set(inspect(engine).get_table_names()) >= MINE
    command.downgrade(config, "0010_reminders@-1")
    tables = set(inspect(engine).get_table_names())
    assert not MINE & tables and "sign_in_throttle" in tables
    command.upgrade(config, "heads")
    assert set(inspect(engine).get_table_names()) >= MINE
    engine.dispose()
