"""Fixtures for the web tests: a real migrated store (SQLite file; PostgreSQL when
BONEWISE_TEST_POSTGRES_URL is set, in a throw-away schema), the app, and signed-in clients.

`world` and `sqlite_world` (two patients, two clinicians, a few foods) are built once per test
session into a template store, as ../conftest.py does for the migrations, and each test gets a
copy of it and an app of its own: building them costs four argon2 hashes and a dozen commits.
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bonewise.clinical.models import PatientRecord
from bonewise.importers import sr28
from bonewise.nutrition.models import Food
from bonewise.store.accounts import AccountRepository, User
from bonewise.store.db import make_engine
from bonewise.store.food import FoodRepository
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork, session_factory
from bonewise.web import create_app
from bonewise.web.security import CSRF_HEADER, SESSION_COOKIE

from ..conftest import migrated_postgres_url, migrated_sqlite_copy

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "patients"
PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A store at heads: a copy of the session's migrated template (see ../conftest.py)."""
    if request.param == "sqlite":
        yield from _sqlite_store(request.getfixturevalue("migrated_sqlite_template"), tmp_path)
        return
    with migrated_postgres_url(request.getfixturevalue("migrated_postgres_template")) as url:
        yield from _factory(url)


@pytest.fixture
def sqlite_store(migrated_sqlite_template: Path, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    yield from _sqlite_store(migrated_sqlite_template, tmp_path)


def _sqlite_store(template: Path, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    # web.sqlite3: test_reminders points the CLI at this file
    yield from _factory(migrated_sqlite_copy(template, tmp_path / "web.sqlite3"))


def _factory(url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


def example(name: str) -> PatientRecord:
    data = json.loads((EXAMPLES / f"{name}.json").read_text())
    return PatientRecord.parse(data, today=date.today())


def add_user(
    factory: sessionmaker[Session],
    *,
    email: str,
    role: str,
    record: PatientRecord | None = None,
    name: str | None = None,
) -> User:
    with UnitOfWork(factory) as uow:
        accounts = AccountRepository(uow.session)
        user = accounts.create_user(
            email=email, name=name or email.split("@")[0].title(), role=role, password=PASSWORD
        )
        if record is not None:
            PatientRepository(uow.session).save(record)
            user = accounts.attach_patient(user_id=user.id, patient_id=record.id)
        uow.commit()
        return user


def link(factory: sessionmaker[Session], clinician: User, patient_id: str) -> None:
    with UnitOfWork(factory) as uow:
        AccountRepository(uow.session).link(clinician_id=clinician.id, patient_id=patient_id)
        uow.commit()


@dataclass
class Actor:
    """A signed-in browser: the session cookie is set on `client`; `csrf` for writes."""

    name: str
    user: User | None
    client: TestClient
    csrf: str = ""
    token: str = ""

    def headers(self) -> dict[str, str]:
        return {CSRF_HEADER: self.csrf} if self.csrf else {}


def signed_in(app: object, factory: sessionmaker[Session], user: User | None, name: str) -> Actor:
    client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    if user is None:
        return Actor(name, None, client)
    with UnitOfWork(factory) as uow:
        web_session = AccountRepository(uow.session).open_session(user)
        uow.commit()
    client.cookies.set(SESSION_COOKIE, web_session.token)
    return Actor(name, user, client, web_session.csrf_token, web_session.token)


@dataclass
class World:
    factory: sessionmaker[Session]
    app: object
    patient_a: User
    patient_b: User
    linked: User
    unlinked: User

    def actor(self, name: str) -> Actor:
        user = {
            "anonymous": None,
            "patient_a": self.patient_a,
            "patient_b": self.patient_b,
            "linked_clinician": self.linked,
            "unlinked_clinician": self.unlinked,
        }[name]
        return signed_in(self.app, self.factory, user, name)


# A few real SR28 foods (milk, yogurts, cheddar, sardines, broccoli raab, and roquefort, which
# has no vitamin D value in SR28): enough to log breakfast without importing all 8,789 foods
# into every test store.
FEW_FOODS = {"01079", "01116", "01117", "01009", "15088", "11096", "01039"}


@functools.cache
def few_foods() -> tuple[Food, ...]:
    return tuple(f for f in sr28.read_foods() if f.ndb_no in FEW_FOODS)


def add_foods(factory: sessionmaker[Session]) -> None:
    with UnitOfWork(factory) as uow:
        FoodRepository(uow.session).save_all(few_foods(), source=sr28.provenance().label)
        uow.commit()


def build_world(factory: sessionmaker[Session]) -> World:
    add_foods(factory)
    a = add_user(
        factory,
        email="ann@example.org",
        role="patient",
        record=example("osteopenia-with-risk-factors"),
        name="Ann Example",
    )
    b = add_user(
        factory,
        email="bea@example.org",
        role="patient",
        record=example("normal"),
        name="Bea Example",
    )
    linked = add_user(factory, email="dr.lee@example.org", role="clinician", name="Dr Lee")
    unlinked = add_user(factory, email="dr.other@example.org", role="clinician", name="Dr Other")
    assert a.patient_id is not None
    link(factory, linked, a.patient_id)
    return World(factory, create_app(session_factory=factory), a, b, linked, unlinked)


@dataclass(frozen=True)
class WorldTemplate:
    """A store holding build_world's rows (a SQLite file or a PostgreSQL database name) and the
    users it made, the same in every copy."""

    store: str
    users: tuple[User, User, User, User]

    def world(self, factory: sessionmaker[Session]) -> World:
        """The world in a copy of this store, with an app of its own."""
        return World(factory, create_app(session_factory=factory), *self.users)


def _template_of(world: World, store: str) -> WorldTemplate:
    return WorldTemplate(store, (world.patient_a, world.patient_b, world.linked, world.unlinked))


@pytest.fixture(scope="session")
def world_sqlite_template(
    migrated_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> WorldTemplate:
    path = tmp_path_factory.mktemp("world") / "world.sqlite3"
    engine = make_engine(migrated_sqlite_copy(migrated_sqlite_template, path))
    built = build_world(session_factory(engine))
    with engine.connect() as conn:  # fold the WAL into the file before it is copied
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return _template_of(built, str(path))


@pytest.fixture(scope="session")
def world_postgres_template(migrated_postgres_template: str) -> Iterator[WorldTemplate]:
    with migrated_postgres_url(migrated_postgres_template) as url:
        engine = make_engine(url)
        built = build_world(session_factory(engine))
        engine.dispose()  # CREATE DATABASE ... TEMPLATE needs the template without connections
        database = make_url(url).database
        assert database is not None
        yield _template_of(built, database)


def _sqlite_world(template: WorldTemplate, tmp_path: Path) -> Iterator[World]:
    # web.sqlite3: test_reminders points the CLI at this file
    path = tmp_path / "web.sqlite3"
    shutil.copyfile(template.store, path)
    for factory in _factory(f"sqlite:///{path}"):
        yield template.world(factory)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """build_world's store on each database (a copy of the session's template)."""
    if request.param == "sqlite":
        yield from _sqlite_world(request.getfixturevalue("world_sqlite_template"), tmp_path)
        return
    template: WorldTemplate = request.getfixturevalue("world_postgres_template")
    with migrated_postgres_url(template.store) as url:
        for factory in _factory(url):
            yield template.world(factory)


@pytest.fixture
def sqlite_world(world_sqlite_template: WorldTemplate, tmp_path: Path) -> Iterator[World]:
    yield from _sqlite_world(world_sqlite_template, tmp_path)
