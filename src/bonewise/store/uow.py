"""Unit of work: one transaction, and the repositories that work inside it.

    with uow:
        record = uow.patients.get_or_raise(patient_id)
        uow.audit.record(...)
        uow.commit()

Leaving the block without `commit()` (or through an exception) rolls everything back, so a
failed write leaves the store as it was. Repositories only add and flush; they never commit.
Services take a unit of work (not yet entered) and enter it themselves; the same object can be
entered again for the next transaction, never while it is open.

A web request holds its unit of work for the whole request (`held()`): every block then works
on one session, and what runs before a block's commit (the sign-in lookup, then the page's own
reads and audited read) is one transaction instead of one per step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bonewise.store.accounts import AccountRepository, AuditLog, SignInThrottle
from bonewise.store.cds import CdsRepository
from bonewise.store.checkins import CheckInRepository
from bonewise.store.db import make_engine, migrate, read_before_transaction
from bonewise.store.exercise import ExerciseLogRepository
from bonewise.store.food import DiaryRepository, FoodRepository
from bonewise.store.patients import PatientRepository
from bonewise.store.view_cache import ViewCache, view_cache_for


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def open_store(url: str | None = None) -> sessionmaker[Session]:
    """Engine for `url` (default: BONEWISE_DATABASE_URL or the SQLite file), migrated to head."""
    engine = make_engine(url)
    migrate(engine)
    return session_factory(engine)


class UnitOfWork:
    """The repositories of one store, valid between `__enter__` and `__exit__`."""

    patients: PatientRepository
    accounts: AccountRepository
    audit: AuditLog
    throttle: SignInThrottle
    diary: DiaryRepository
    foods: FoodRepository
    exercise: ExerciseLogRepository
    cds: CdsRepository
    checkins: CheckInRepository
    session: Session
    # What the services computed per patient and data version, for this store (None: keep
    # nothing, as the in-memory fake does).
    views: ViewCache | None = None

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._open = False
        self._held = False
        self.views = view_cache_for(factory)

    @contextmanager
    def held(self) -> Iterator[UnitOfWork]:
        """One session for every `with uow:` block inside (one web request). Statements run
        in it outside a block (the sign-in lookup) start the transaction the next block
        continues; each block still ends its transaction (commit, or roll back) as usual."""
        if self._held or self._open:
            raise RuntimeError("this unit of work is already open: finish it before the next")
        self._start()
        self._held = True
        try:
            # Its reads run without BEGIN until its first write (PostgreSQL; SQLite's driver
            # already does so): a page that writes nothing costs no BEGIN and COMMIT round trips.
            read_before_transaction(self.session.connection())
            yield self
        finally:
            self._held = False
            try:
                self.session.rollback()
            finally:
                self.session.close()

    def _start(self) -> None:
        self.session = self._factory()
        self.patients = PatientRepository(self.session)
        self.accounts = AccountRepository(self.session)
        self.audit = AuditLog(self.session)
        self.throttle = SignInThrottle(self.session)
        self.diary = DiaryRepository(self.session)
        self.foods = FoodRepository(self.session)
        self.exercise = ExerciseLogRepository(self.session)
        self.cds = CdsRepository(self.session)
        self.checkins = CheckInRepository(self.session)

    def __enter__(self) -> UnitOfWork:
        if self._open:
            raise RuntimeError("this unit of work is already open: finish it before the next")
        if not self._held:
            self._start()
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
            if not self._held:
                self.session.close()
        finally:
            self._open = False

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
