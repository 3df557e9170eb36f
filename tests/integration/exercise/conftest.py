from datetime import date
from pathlib import Path

import pytest

from bonewise.importers.patient_file import load_patient_file
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork, open_store

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "patients").glob("*.json"))
AS_OF = date(2026, 11, 27)


def store_example(factory, name, patient_id=None):
    record = load_patient_file(ROOT / "examples" / "patients" / f"{name}.json", today=AS_OF)
    if patient_id is not None:
        record = record.model_copy(update={"id": patient_id})
    with UnitOfWork(factory) as uow:
        PatientRepository(uow.session).save(record)
        uow.commit()
    return record


@pytest.fixture
def factory(migrated_store_url):
    return open_store(migrated_store_url)
