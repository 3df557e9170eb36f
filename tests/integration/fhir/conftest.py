"""A store for the CDS Hooks apps: used token ids and feedback live in the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bonewise.store.db import make_engine, migrate
from bonewise.store.uow import session_factory


@pytest.fixture(scope="module")
def cds_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    """One migrated SQLite store per module (each token has its own jti, so tests share it)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('cds') / 'cds.sqlite3'}")
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()
