"""Real stores for the integration tests: a SQLite file, and PostgreSQL when make test runs.

`store_url` runs a test once per database; each PostgreSQL run gets a schema of its own, dropped
afterwards. The URL is also exported as BONEWISE_DATABASE_URL for tests that run the CLI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bonewise.mail.sink import SmtpSink

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


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on loopback keeping what arrives in a Maildir."""
    with SmtpSink(tmp_path / "mail") as sink:
        yield sink
