"""A real store with the full SR28 food database, imported once per test session.

`food_store` gives each test its own copy of the imported SQLite file, so tests that write
(diary, supplements) never see each other's rows. `pg_food_store` is the same on PostgreSQL
(its own schema), when BONEWISE_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bonewise.clinical.models import PatientRecord
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.services.nutrition import import_food_database
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork, open_store

from ..conftest import postgres_schema_url

TODAY = date(2026, 11, 27)


@pytest.fixture(scope="session")
def imported_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sr28") / "foods.sqlite3"
    factory = open_store(f"sqlite:///{path}")
    import_food_database(uow=UnitOfWork(factory), actor=LOCAL_OPERATOR)
    engine = factory.kw["bind"]
    with engine.connect() as conn:  # fold the WAL into the file before it is copied
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def sqlite_copy(imported_sqlite: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite3"
    shutil.copyfile(imported_sqlite, path)
    return path


@pytest.fixture
def food_store(sqlite_copy: Path) -> sessionmaker[Session]:
    return open_store(f"sqlite:///{sqlite_copy}")


@pytest.fixture(scope="session")
def pg_food_store() -> Iterator[sessionmaker[Session]]:
    with postgres_schema_url("t_food") as url:
        factory = open_store(url)
        import_food_database(uow=UnitOfWork(factory), actor=LOCAL_OPERATOR)
        yield factory
        factory.kw["bind"].dispose()


def patient_record(
    patient_id: str = "local", *, birth_date: str = "1960-05-01", on_ai: bool = True
) -> PatientRecord:
    data: dict[str, object] = {
        "id": patient_id,
        "patient": {"birth_date": birth_date, "menopausal_status": "postmenopausal"},
    }
    if on_ai:
        data["therapy"] = {"agent": "anastrozole", "start_date": "2025-01-15"}
    return PatientRecord.parse(data, today=TODAY)


def add_patient(factory: sessionmaker[Session], record: PatientRecord | None = None) -> str:
    record = record or patient_record()
    with UnitOfWork(factory) as uow:
        PatientRepository(uow.session).save(record)
        uow.commit()
    return record.id
