"""SQLite writers in one process queue on the engine's write gate instead of polling SQLite's
lock: taken by a connection's first writing statement, handed on at its commit or rollback."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, text

from bonewise.store.db import make_engine


def _engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    return engine


def test_a_writer_holds_the_gate_until_commit_or_rollback_and_readers_never_take_it(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path)
    first, second = engine.connect(), engine.connect()
    try:
        first.execute(text("SELECT count(*) FROM t")).scalar()
        assert not first.connection.dbapi_connection._holds_gate  # type: ignore[union-attr]
        first.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert first.connection.dbapi_connection._holds_gate  # type: ignore[union-attr]

        written = threading.Event()

        def write_second() -> None:
            second.execute(text("INSERT INTO t (v) VALUES ('b')"))
            second.commit()
            written.set()

        thread = threading.Thread(target=write_second)
        thread.start()
        assert not written.wait(0.3), "the second writer went past the gate the first holds"
        first.rollback()
        assert written.wait(5), "the first writer's rollback did not hand the gate on"
        thread.join()
        assert not second.connection.dbapi_connection._holds_gate  # type: ignore[union-attr]
        assert second.execute(text("SELECT v FROM t")).scalars().all() == ["b"]
    finally:
        first.close()
        second.close()
        engine.dispose()


def test_a_write_outside_a_transaction_is_released_when_the_pool_resets_it(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path)
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    # Closed without commit: the pool's rollback on return hands the gate on.
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('b')"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM t")).scalars().all() == ["b"]
    engine.dispose()
