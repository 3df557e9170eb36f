"""Unit of work: one transaction, committed only when the whole block succeeds.

    with UnitOfWork(session_factory) as uow:
        repo = SomeRepository(uow.session)
        ...
        uow.commit()

Leaving the block without `commit()` (or through an exception) rolls everything back, so a
failed write leaves the store as it was.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bonewise.store.db import make_engine, migrate


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def open_store(url: str | None = None) -> sessionmaker[Session]:
    """Engine for `url` (default: BONEWISE_DATABASE_URL or the SQLite file), migrated to head."""
    engine = make_engine(url)
    migrate(engine)
    return session_factory(engine)


class UnitOfWork:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
