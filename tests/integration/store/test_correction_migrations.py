"""Migrations 0008_diary_corrections, 0009_exercise_corrections and 0013_supplement_corrections:
up, down (withdrawn rows go, the rest stay) and up again, on SQLite (and PostgreSQL when
configured)."""

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


SUPPLEMENT_COLUMNS = {"withdrawn_at", "withdrawn_reason"}


def test_the_supplement_correction_migration_is_reversible(store_url):
    engine = make_engine(store_url)
    config = alembic_config(engine)
    command.upgrade(config, "heads")
    assert _columns(engine, "supplements") >= SUPPLEMENT_COLUMNS
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
                    "INSERT INTO supplements (id, patient_id, day, meal, kind, name, label, "
                    "nutrients, created_at, withdrawn_at) VALUES (:n, 'p', '2026-01-02', "
                    "'dinner', 'calcium', 'calcium carbonate', '{}', '{}', '2026-01-02', :w)"
                ),
                {"n": n, "w": withdrawn},
            )
    command.downgrade(config, "0008_diary_corrections")
    assert not SUPPLEMENT_COLUMNS & _columns(engine, "supplements")
    assert _columns(engine, "diary_entries") >= CORRECTION_COLUMNS  # 0008 stays
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM supplements")).scalars().all() == [1]
    command.upgrade(config, "heads")
    assert _columns(engine, "supplements") >= SUPPLEMENT_COLUMNS
    engine.dispose()
