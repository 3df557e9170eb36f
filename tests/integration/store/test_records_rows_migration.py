"""Migration 0007_records_rows: labs, scans, courses and risk-factor answers move out of the
patient document into rows and back, and every example record reads the same at each step."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import JSON, DateTime, Engine, column, select, table, text

from bonewise.clinical.models import PatientRecord
from bonewise.store.db import alembic_config, make_engine
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork, session_factory

EXAMPLES = sorted((Path(__file__).parents[3] / "examples" / "patients").glob("*.json"))
NOW = datetime(2026, 12, 1, tzinfo=UTC)
PATIENTS = table(
    "patients",
    column("id"),
    column("record", JSON),
    column("created_at", DateTime(timezone=True)),
    column("updated_at", DateTime(timezone=True)),
)


@pytest.fixture
def engine(store_url: str) -> Engine:
    engine = make_engine(store_url)
    yield engine
    engine.dispose()


def _examples() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text()) | {"id": path.stem} for path in EXAMPLES}


def _records(engine: Engine) -> dict[str, PatientRecord]:
    with UnitOfWork(session_factory(engine)) as uow:
        repo = PatientRepository(uow.session)
        return repo.get_many(repo.ids())


def _documents(engine: Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {pid: doc for pid, doc in conn.execute(select(PATIENTS.c.id, PATIENTS.c.record))}


def test_upgrade_downgrade_upgrade_keeps_every_example_record(engine: Engine) -> None:
    config = alembic_config(engine)
    command.upgrade(config, "0001_patients")
    examples = _examples()
    with engine.begin() as conn:
        conn.execute(
            PATIENTS.insert(),
            [
                {"id": pid, "record": data, "created_at": NOW, "updated_at": NOW}
                for pid, data in examples.items()
            ],
        )
    expected = {pid: PatientRecord.model_validate(data) for pid, data in examples.items()}

    command.upgrade(config, "heads")
    after_upgrade = _records(engine)
    assert after_upgrade == expected
    documents = _documents(engine)
    assert all("labs" not in doc and "risk_factors" not in doc for doc in documents.values())
    with engine.connect() as conn:
        labs = conn.execute(text("SELECT count(*) FROM patient_labs")).scalar()
    assert labs == sum(len(data["labs"]) for data in examples.values())

    command.downgrade(config, "0007_records_rows-1")
    back = {pid: PatientRecord.model_validate(doc) for pid, doc in _documents(engine).items()}
    assert back == expected

    command.upgrade(config, "heads")
    assert _records(engine) == expected
