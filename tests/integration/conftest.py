"""Real stores for the integration tests: a SQLite file, and PostgreSQL when make test runs.

`store_url` runs a test once per database; each PostgreSQL run gets a schema of its own, dropped
afterwards. The URL is also exported as BONEWISE_DATABASE_URL for tests that run the CLI.

`migrated_store_url` is the same, already migrated to heads: the Alembic migrations run once per
test session into a template (a SQLite file; a PostgreSQL database), and each test gets a copy
(a file copy; CREATE DATABASE ... TEMPLATE), which costs a fraction of migrating. Tests of the
migrations themselves, and of a command's first run on an empty store, keep `store_url`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bonewise.mail.sink import SmtpSink
from bonewise.store.db import make_engine, migrate

PG_URL = os.environ.get("BONEWISE_TEST_POSTGRES_URL")


@contextmanager
def postgres_schema_url(prefix: str = "t") -> Iterator[str]:
    """A URL whose search_path is a fresh schema on the test server; the schema is dropped after."""
    if not PG_URL:
        pytest.skip("BONEWISE_TEST_POSTGRES_URL not set (make test sets it)")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
        monkeypatch.setenv("BONEWISE_DATABASE_URL", url)
        yield url
        return
    with postgres_schema_url() as url:
        monkeypatch.setenv("BONEWISE_DATABASE_URL", url)
        yield url


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to heads once per session, copied by `migrated_sqlite_url`."""
    path = tmp_path_factory.mktemp("migrated") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:  # fold the WAL into the file before it is copied
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def migrated_sqlite_copy(template: Path, path: Path) -> str:
    """The URL of a fresh SQLite store at heads at `path`: a copy of the migrated template."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def migrated_sqlite_url(migrated_sqlite_template: Path, tmp_path: Path) -> str:
    return migrated_sqlite_copy(migrated_sqlite_template, tmp_path / "store.sqlite3")


def _pg_admin_database(name: str) -> str:
    """PG_URL with another database name."""
    assert PG_URL is not None
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated to heads once per session (the template of each test's)."""
    if not PG_URL:
        pytest.skip("BONEWISE_TEST_POSTGRES_URL not set (make test sets it)")
    name = f"tpl_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(_pg_admin_database(name))
    migrate(engine)
    engine.dispose()  # CREATE DATABASE ... TEMPLATE needs the template without connections
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_postgres_url(template: str) -> Iterator[str]:
    """A database of its own copied from the migrated template; dropped after."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL or "", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _pg_admin_database(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def migrated_store_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """`store_url` already migrated to heads (a copy of the session's template)."""
    if request.param == "sqlite":
        url = request.getfixturevalue("migrated_sqlite_url")
        monkeypatch.setenv("BONEWISE_DATABASE_URL", url)
        yield url
        return
    template = request.getfixturevalue("migrated_postgres_template")
    with migrated_postgres_url(template) as url:
        monkeypatch.setenv("BONEWISE_DATABASE_URL", url)
        yield url


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on loopback keeping what arrives in a Maildir."""
    with SmtpSink(tmp_path / "mail") as sink:
        yield sink
