"""Concurrent writes to one record all land (no lost update), on SQLite and PostgreSQL; pages
and writes at once never find a SQLite file locked."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bonewise.services import records
from bonewise.store.accounts import AuditRow
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork

from .conftest import Actor, World, add_user, example, link


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


def test_pages_and_writes_at_once_on_a_sqlite_file_never_find_it_locked(
    sqlite_world: World,
) -> None:
    """A page's one transaction (sign-in lookup, access, reads, then the audited read's INSERT)
    beside her own writes, from threads, on one SQLite file: every request answers, nothing is
    "database is locked". The driver begins a transaction only at the first write and then
    waits for the write lock (busy_timeout); the reads before it never hold a snapshot that a
    write would have to upgrade (SQLite's busy-snapshot error, which no timeout retries)."""
    world = sqlite_world
    pid = str(world.patient_a.patient_id)
    clinicians = [world.actor("linked_clinician") for _ in range(3)]
    patient = world.actor("patient_a")
    reads_each, writes = 5, 12

    def read_pages(clinician: Actor) -> list[int]:
        return [
            clinician.client.get(path).status_code
            for _ in range(reads_each)
            for path in (f"/patients/{pid}", f"/patients/{pid}/assessment")
        ]

    def write(minutes: int) -> int:
        response = patient.client.post(
            f"/api/v1/patients/{pid}/exercise",
            json={"exercise_id": "brisk-walking", "minutes": minutes},
            headers=patient.headers(),
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        pages = [pool.submit(read_pages, c) for c in clinicians]
        written = list(pool.map(write, range(10, 10 + writes)))
        read = [status for done in pages for status in done.result()]
    assert written == [201] * writes
    assert read == [200] * (2 * reads_each * len(clinicians))
    with UnitOfWork(world.factory) as uow:
        audited = uow.session.scalar(
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.action == "read", AuditRow.patient_id == pid)
        )
    assert audited == 2 * reads_each * len(clinicians)
