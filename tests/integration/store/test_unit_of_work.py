"""A unit of work held for a web request: one session, and what runs before a block's commit
is that block's transaction (the sign-in lookup and the page's work commit or roll back
together)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bonewise.store.accounts import AuditRow
from bonewise.store.db import make_engine, migrate
from bonewise.store.uow import UnitOfWork, session_factory


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'uow.sqlite3'}")
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def _note(uow: UnitOfWork, what: str) -> None:
    uow.audit.record(
        actor=None,
        actor_email="test",
        actor_role="operator",
        action="write",
        what=what,
        patient_id=None,
    )


def _notes(factory: sessionmaker[Session]) -> list[str]:
    with UnitOfWork(factory) as uow:
        return list(uow.session.scalars(select(AuditRow.what).order_by(AuditRow.id)))


def test_work_before_a_held_block_commits_and_rolls_back_with_it(
    factory: sessionmaker[Session],
) -> None:
    uow = UnitOfWork(factory)
    with uow.held():
        _note(uow, "before a failed block")
        with pytest.raises(ValueError), uow:
            _note(uow, "in the failed block")
            raise ValueError("the page failed")
        session = uow.session
        _note(uow, "before a committed block")
        with uow:
            assert uow.session is session  # the same session all request long
            _note(uow, "in the committed block")
            uow.commit()
        _note(uow, "after, never committed")
    assert _notes(factory) == ["before a committed block", "in the committed block"]
    with uow:  # free again for an ordinary transaction
        assert uow.session is not session
        assert uow.session.scalar(select(func.count()).select_from(AuditRow)) == 2


def test_a_held_unit_of_work_is_not_held_or_opened_twice(factory: sessionmaker[Session]) -> None:
    uow = UnitOfWork(factory)
    with uow.held():
        with pytest.raises(RuntimeError, match="already open"), uow.held():
            pass
        with uow, pytest.raises(RuntimeError, match="already open"), uow:
            pass
    with uow, pytest.raises(RuntimeError, match="already open"), uow.held():
        pass
