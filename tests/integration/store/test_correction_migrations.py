"""Migrations 0008_diary_corrections and 0009_exercise_corrections: up, down (withdrawn rows
go, the rest stay) and up again, on SQLite (and PostgreSQL when configured)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from bonewise.store.db import alembic_config, make_engine

CORRECTION_COLUMNS = {"withdrawn_at", "withdrawn_reason", "replaced_by"}


def _columns(engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_the_correction_migrations_are_reversible(store_url):
    engine = make_engine(store_url)
    config = alembic_config(engine)
    command.upgrade(config, "heads")
    assert _columns(engine, "diary_entries") >= CORRECTION_COLUMNS
    assert _columns(engine, "exercise_sessions") >= CORRECTION_COLUMNS
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patients (id, record, created_at, updated_at) "
                "VALUES ('p', '{}', '2026-01-01', '2026-01-01')"
            )
        )
        for n, withdrawn in ((1, None), (2, "2026-02-01")):
            conn.execute(
                text(
                    "INSERT INTO exercise_sessions (id, patient_id, performed_on, exercise_id, "
                    "kind, minutes, created_at, withdrawn_at) VALUES (:n, 'p', '2026-01-02', "
                    "'brisk-walking', 'aerobic', 30, '2026-01-02', :w)"
                ),
                {"n": n, "w": withdrawn},
            )
    command.downgrade(config, "0003_exercise")
    assert not CORRECTION_COLUMNS & _columns(engine, "exercise_sessions")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM exercise_sessions")).scalars().all() == [1]
    command.downgrade(config, "0005_food_search")
    assert not CORRECTION_COLUMNS & _columns(engine, "diary_entries")
    command.upgrade(config, "heads")
    assert _columns(engine, "diary_entries") >= CORRECTION_COLUMNS
    assert _columns(engine, "exercise_sessions") >= CORRECTION_COLUMNS
    engine.dispose()
