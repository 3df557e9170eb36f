"""Concurrent writes to one record all land (no lost update), on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bonewise.services import records
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork

from .conftest import add_user, example, link


def test_concurrent_lab_writes_are_all_kept(store: sessionmaker[Session]) -> None:
    user = add_user(store, email="ann@example.org", role="patient", record=example("normal"))
    assert user.patient_id
    values = [round(20 + i * 0.1, 1) for i in range(24)]

    def write(value: float) -> None:
        records.add_lab(
            uow=UnitOfWork(store),
            actor=user,
            patient_id=str(user.patient_id),
            today=date.today(),
            lab={
                "kind": "25_oh_vitamin_d",
                "date": date.today().isoformat(),
                "value": value,
                "unit": "ng/mL",
            },
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, values))
    with UnitOfWork(store) as uow:
        record = PatientRepository(uow.session).get_or_raise(str(user.patient_id))
    stored = sorted(lab.value for lab in record.labs if lab.kind == "25_oh_vitamin_d")
    assert set(values) <= set(stored)


def test_concurrent_doses_in_one_course_are_all_kept(store: sessionmaker[Session]) -> None:
    patient = add_user(store, email="ann@example.org", role="patient", record=example("normal"))
    doctor = add_user(store, email="dr.lee@example.org", role="clinician")
    pid = str(patient.patient_id)
    link(store, doctor, pid)
    records.start_bone_therapy(
        uow=UnitOfWork(store),
        actor=doctor,
        patient_id=pid,
        course={"agent": "zoledronic_acid", "start_date": "2020-01-02"},
        today=date.today(),
    )
    days = [(date.today() - timedelta(days=30 * i + 1)).isoformat() for i in range(16)]

    def write(day: str) -> None:
        records.add_bone_therapy_dose(
            uow=UnitOfWork(store),
            actor=doctor,
            patient_id=pid,
            course=0,
            dose=day,
            today=date.today(),
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, days))
    with UnitOfWork(store) as uow:
        record = PatientRepository(uow.session).get_or_raise(pid)
    assert sorted(d.isoformat() for d in record.bone_therapy[0].doses) == sorted(days)
