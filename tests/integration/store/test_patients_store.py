"""Patient records in the real store: SQLite file and PostgreSQL."""

import threading
import time

import pytest

from bonewise.clinical.models import Lab, PatientRecord
from bonewise.store.patients import PatientNotFound, PatientRepository, PatientRow
from bonewise.store.uow import UnitOfWork, open_store

from ...unit.clinical.builders import AS_OF, base_data


@pytest.fixture
def factory(migrated_store_url):
    return open_store(migrated_store_url)


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


def test_adding_a_lab_inserts_a_row_and_leaves_the_document_alone(factory):
    with UnitOfWork(factory) as uow:
        PatientRepository(uow.session).save(record())
        uow.commit()
    with UnitOfWork(factory) as uow:
        before = uow.session.get(PatientRow, "p1")
        document, updated = dict(before.record), before.updated_at
    lab = Lab.model_validate(
        {"kind": "serum_calcium", "date": "2026-01-05", "value": 9.1, "unit": "mg/dL"}
    )
    with UnitOfWork(factory) as uow:
        PatientRepository(uow.session).add_lab("p1", lab)
        uow.commit()
    with UnitOfWork(factory) as uow:
        after = uow.session.get(PatientRow, "p1")
        assert (after.record, after.updated_at) == (document, updated)
        assert "labs" not in after.record
        assert lab in PatientRepository(uow.session).get_or_raise("p1").labs


def test_the_assembled_record_never_depends_on_the_order_entries_were_written(factory):
    labs = [
        {"kind": "creatinine_clearance", "date": "2025-03-01", "value": 70, "unit": "mL/min"},
        {"kind": "25_oh_vitamin_d", "date": "2025-03-01", "value": 30, "unit": "ng/mL"},
        {"kind": "25_oh_vitamin_d", "date": "2024-03-01", "value": 18, "unit": "ng/mL"},
    ]
    courses = [
        {"agent": "denosumab", "doses": ["2025-01-02"]},
        {"agent": "zoledronic_acid", "start_date": "2022-05-01", "end_date": "2023-05-01"},
    ]
    for pid, order in (("forward", 1), ("backward", -1)):
        data = base_data() | {"id": pid, "labs": labs[::order], "bone_therapy": courses[::order]}
        with UnitOfWork(factory) as uow:
            repo = PatientRepository(uow.session)
            repo.save(PatientRecord.parse(data, today=AS_OF))
            uow.commit()
    with UnitOfWork(factory) as uow:
        found = PatientRepository(uow.session).get_many(["forward", "backward"])
    forward, backward = found["forward"], found["backward"]
    assert forward.labs == backward.labs
    assert forward.labs[0].date.isoformat() == "2024-03-01"
    assert forward.bone_therapy == backward.bone_therapy
    assert forward.bone_therapy[0].agent == "zoledronic_acid"  # the earlier course first
