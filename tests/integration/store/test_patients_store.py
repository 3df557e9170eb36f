"""Patient records in the real store: SQLite file and PostgreSQL."""

import threading
import time

import pytest

from bonewise.clinical.models import PatientRecord
from bonewise.store.patients import PatientNotFound, PatientRepository
from bonewise.store.uow import UnitOfWork, open_store

from ...unit.clinical.builders import AS_OF, base_data


@pytest.fixture
def factory(store_url):
    return open_store(store_url)


def record(patient_id="p1", **patient):
    data = base_data()
    data["id"] = patient_id
    data["patient"].update(patient)
    return PatientRecord.parse(data, today=AS_OF)


def test_a_saved_record_comes_back_equal(factory):
    original = record()
    with UnitOfWork(factory) as uow:
        PatientRepository(uow.session).save(original)
        uow.commit()
    with UnitOfWork(factory) as uow:
        assert PatientRepository(uow.session).get_or_raise("p1") == original


def test_saving_again_replaces_the_record(factory):
    with UnitOfWork(factory) as uow:
        PatientRepository(uow.session).save(record())
        uow.commit()
    with UnitOfWork(factory) as uow:
        PatientRepository(uow.session).save(record(menopausal_status="perimenopausal"))
        uow.commit()
    with UnitOfWork(factory) as uow:
        repo = PatientRepository(uow.session)
        assert repo.get_or_raise("p1").patient.menopausal_status == "perimenopausal"
        assert repo.ids() == ["p1"]


def test_work_not_committed_is_not_kept(factory):
    with pytest.raises(RuntimeError), UnitOfWork(factory) as uow:
        PatientRepository(uow.session).save(record("p2"))
        raise RuntimeError("failed half-way")
    with UnitOfWork(factory) as uow:
        assert not PatientRepository(uow.session).exists("p2")


def test_a_missing_patient_is_named(factory):
    with UnitOfWork(factory) as uow, pytest.raises(PatientNotFound, match="nobody"):
        PatientRepository(uow.session).get_or_raise("nobody")


def test_concurrent_read_modify_writes_lose_nothing(factory):
    with UnitOfWork(factory) as uow:
        PatientRepository(uow.session).save(record())
        uow.commit()
    first_holds_lock = threading.Event()

    def add_lab(day: str, hold: bool) -> None:
        with UnitOfWork(factory) as uow:
            repo = PatientRepository(uow.session)
            current = repo.get_for_update("p1")
            if hold:
                first_holds_lock.set()
                time.sleep(0.3)  # the other writer is waiting on the lock meanwhile
            lab = {"kind": "25_oh_vitamin_d", "date": day, "value": 25, "unit": "ng/mL"}
            data = current.model_dump(mode="json")
            data["labs"].append(lab)
            repo.save(PatientRecord.parse(data, today=AS_OF))
            uow.commit()

    first = threading.Thread(target=add_lab, args=("2026-01-01", True))
    first.start()
    assert first_holds_lock.wait(10)
    add_lab("2026-02-01", False)
    first.join(10)
    with UnitOfWork(factory) as uow:
        days = {
            lab.date.isoformat() for lab in PatientRepository(uow.session).get_or_raise("p1").labs
        }
    assert {"2026-01-01", "2026-02-01"} <= days


def test_get_for_update_names_a_missing_patient(factory):
    with UnitOfWork(factory) as uow, pytest.raises(PatientNotFound):
        PatientRepository(uow.session).get_for_update("nobody")
