import os
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bonewise.importers.patient_file import load_patient_file
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork, open_store

PG_URL = os.environ.get("BONEWISE_TEST_POSTGRES_URL")
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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("BONEWISE_TEST_POSTGRES_URL not set (make test sets it)")
    schema = f"x_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def factory(store_url):
    return open_store(store_url)
