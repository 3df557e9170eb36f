"""Weekly check-ins in the real store (SQLite file and PostgreSQL), and migration 0011."""

from datetime import date

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from bonewise.clinical.checkin import CheckIn
from bonewise.store.db import alembic_config, make_engine
from bonewise.store.patients import PatientNotFound, PatientRepository
from bonewise.store.uow import UnitOfWork, open_store

from .test_patients_store import record


@pytest.fixture
def factory(migrated_store_url):
    return open_store(migrated_store_url)


def test_check_ins_come_back_in_order_per_patient(factory):
    with UnitOfWork(factory) as uow:
        PatientRepository(uow.session).save(record("p1"))
        PatientRepository(uow.session).save(record("p2"))
        late = CheckIn(date(2026, 11, 24), 6, "over_60", None)
        early = CheckIn(date(2026, 11, 17), 2, "none", 1)
        uow.checkins.add(patient_id="p1", checkin=late)
        uow.checkins.add(patient_id="p1", checkin=early)
        uow.checkins.add(patient_id="p2", checkin=early)
        uow.commit()
    with UnitOfWork(factory) as uow:
        assert uow.checkins.between(patient_id="p1", end=date(2026, 12, 1)) == [early, late]
        assert uow.checkins.between(
            patient_id="p1", start=date(2026, 11, 20), end=date(2026, 12, 1)
        ) == [late]
        both = uow.checkins.for_patients(["p1", "p2"], end=date(2026, 11, 20))
        assert both == {"p1": [early], "p2": [early]}


def test_a_check_in_needs_a_stored_patient_and_bounded_values(factory):
    with UnitOfWork(factory) as uow, pytest.raises(PatientNotFound):
        uow.checkins.add(patient_id="nobody", checkin=CheckIn(date(2026, 11, 2), 1, "none", 0))
    with UnitOfWork(factory) as uow:
        PatientRepository(uow.session).save(record("p1"))
        with pytest.raises(IntegrityError):  # the table refuses what the core would
            uow.checkins.add(patient_id="p1", checkin=CheckIn(date(2026, 11, 2), 11, "none", 0))


def test_migration_0011_is_reversible(store_url):
    engine = make_engine(store_url)
    config = alembic_config(engine)
    command.upgrade(config, "heads")
    assert "checkins" in inspect(engine).get_table_names()
    command.downgrade(config, "0006_sign_in_throttle")
    tables = inspect(engine).get_table_names()
    assert "checkins" not in tables and "sign_in_throttle" in tables
    command.upgrade(config, "heads")
    assert "checkins" in inspect(engine).get_table_names()
    engine.dispose()
