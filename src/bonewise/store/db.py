"""Engine creation and schema migration.

SQLite (a file in the user's data directory, WAL, foreign keys on) is the default store;
`BONEWISE_DATABASE_URL` selects another database, such as PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from platformdirs import user_data_dir
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import StaticPool

DATABASE_URL_ENV = "BONEWISE_DATABASE_URL"


def default_database_url() -> str:
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    data_dir = Path(user_data_dir("bonewise", appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'bonewise.sqlite3'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


# How long a writer waits for this process's other writer before it goes on to SQLite's own
# lock (and its busy timeout): the same 5 s, so a wait is bounded even if a thread held the gate.
WRITE_GATE_WAIT_S = 5.0
_READ_ONLY_STATEMENTS = ("SELECT", "PRAGMA", "WITH", "EXPLAIN")


def _write_gated(gate: threading.Lock) -> type[sqlite3.Connection]:
    """A sqlite3 connection class whose writers queue on `gate`, one process-wide lock per
    engine, from their first writing statement to their commit or rollback.

    SQLite lets one writer in at a time and makes the others poll (its busy handler sleeps
    1, 2, 5 ... up to 100 ms between tries), so under load a short write (a page's audited read)
    waited up to a second behind others; a lock hands the turn on the moment it is free."""

    class GatedCursor(sqlite3.Cursor):
        def execute(self, sql: str, parameters: object = (), /) -> GatedCursor:
            self.connection._enter_writing(sql)  # type: ignore[attr-defined]
            return super().execute(sql, parameters)  # type: ignore[arg-type]

        def executemany(self, sql: str, seq_of_parameters: object, /) -> GatedCursor:
            self.connection._enter_writing(sql)  # type: ignore[attr-defined]
            return super().executemany(sql, seq_of_parameters)  # type: ignore[arg-type]

    class GatedConnection(sqlite3.Connection):
        _holds_gate = False

        def cursor(self, factory: object = None) -> GatedCursor:  # type: ignore[override]
            return super().cursor(GatedCursor)  # type: ignore[return-value]

        def _enter_writing(self, sql: str) -> None:
            if self._holds_gate or sql.lstrip()[:7].upper().startswith(_READ_ONLY_STATEMENTS):
                return
            self._holds_gate = gate.acquire(timeout=WRITE_GATE_WAIT_S)

        def _leave_writing(self) -> None:
            if self._holds_gate:
                self._holds_gate = False
                gate.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self._leave_writing()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._leave_writing()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._leave_writing()

    return GatedConnection


# Connections a pool keeps open: at least as many as a web worker runs handlers at once
# (web/app.py DEFAULT_THREADS). SQLAlchemy's default of 5 closed every connection beyond the
# fifth at its return, so a worker busy with 6-8 requests opened a new connection (a new
# PostgreSQL backend; a SQLite file and its pragmas) for each one.
POOL_SIZE = 8


def make_engine(url: str | None = None, *, pool_size: int = POOL_SIZE) -> Engine:
    url = url or default_database_url()
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "factory": _write_gated(threading.Lock())},
            # One shared connection keeps an in-memory database alive across threads.
            **({"poolclass": StaticPool} if in_memory else {"pool_size": pool_size}),  # type: ignore[arg-type]
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=pool_size)
    event.listen(engine, "checkout", _drop_if_known_broken)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _begin_at_first_write)
        event.listen(engine, "checkin", _transactions_again)
    return engine


def read_before_transaction(connection: Connection) -> None:
    """Let `connection` (PostgreSQL; just checked out, nothing run yet) run its reads without
    BEGIN until its first statement that is not a SELECT: that one starts the transaction (as
    the SQLite driver does by itself), and commit or rollback end it as usual.

    A signed-in page's reads (the sign-in lookup, the care link, her data version) each are one
    statement at READ COMMITTED, which takes a snapshot per statement inside a transaction or
    not (the store takes no row locks with SELECT), so they read the same either way; a page
    that writes nothing then costs its reads' round trips only, not BEGIN and COMMIT too."""
    dbapi_connection = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql" and dbapi_connection is not None:
        dbapi_connection.autocommit = True  # type: ignore[attr-defined]


def _begin_at_first_write(connection, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.autocommit and not statement.lstrip()[:6].upper().startswith("SELECT"):
        dbapi_connection.autocommit = False  # psycopg sends BEGIN before this statement


def _transactions_again(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """A pooled connection is handed out with transactions on, whoever had it."""
    if getattr(dbapi_connection, "autocommit", False) and not dbapi_connection.closed:
        dbapi_connection.autocommit = False


def _drop_if_known_broken(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Hand out no pooled connection the driver already knows is closed or broken, without a
    round trip: `pool_pre_ping` sent one (';') before every request's statements. A server
    restart is found by the first statement on a dead connection, and SQLAlchemy then
    replaces every pooled connection older than it (one request answers 500, not each one)."""
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        raise DisconnectionError()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("bonewise.store") / "migrations"))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision of every feature branch."""
    command.upgrade(alembic_config(engine), "heads")
