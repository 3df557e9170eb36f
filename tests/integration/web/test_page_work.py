"""What a page costs the store: one transaction per page (the sign-in lookup, the access check,
the page's reads and its audited read together), a clinician's patient pages read her record
once (the banner comes from the page's own unit of work), and the panel audits one read per
linked patient, written in one statement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from bonewise.store.accounts import AuditRow
from bonewise.store.uow import UnitOfWork
from bonewise.web.security import SESSION_COOKIE

from .conftest import World


@contextmanager
def transactions(world: World) -> Iterator[list[int]]:
    """How many connections the requests inside take from the pool (one per transaction)."""
    engine = world.factory.kw["bind"]
    taken: list[int] = []

    def checkout(*_args: object) -> None:
        taken.append(1)

    event.listen(engine, "checkout", checkout)
    try:
        yield taken
    finally:
        event.remove(engine, "checkout", checkout)


def test_a_clinicians_patient_pages_take_one_transaction_banner_included(world: World) -> None:
    clinician = world.actor("linked_clinician")
    pid = world.patient_a.patient_id
    for path in (f"/patients/{pid}", f"/patients/{pid}/assessment"):
        with transactions(world) as taken:
            response = clinician.client.get(path)
        assert response.status_code == 200
        assert "Ann Example" in response.text and 'class="patient-banner' in response.text
        # The session lookup inside the page's one unit of work (no other for the banner).
        assert len(taken) == 1, path


def test_a_clinicians_record_pages_read_the_banner_in_their_one_transaction(
    world: World,
) -> None:
    """The exercise, food, DXA and check-in pages read the banner in the page's own unit of
    work (they opened a second transaction for it after their reads)."""
    clinician = world.actor("linked_clinician")
    pid = world.patient_a.patient_id
    for page in ("exercise", "nutrition", "dxa", "checkin"):
        with transactions(world) as taken:
            response = clinician.client.get(f"/patients/{pid}/{page}")
        assert response.status_code == 200, page
        assert "Ann Example" in response.text and 'class="patient-banner' in response.text
        assert len(taken) == 1, page


def test_her_own_pages_take_one_transaction_and_no_banner(world: World) -> None:
    patient = world.actor("patient_a")
    pid = world.patient_a.patient_id
    for path in (f"/patients/{pid}", f"/patients/{pid}/assessment"):
        with transactions(world) as taken:
            response = patient.client.get(path)
        assert response.status_code == 200
        assert 'class="patient-banner' not in response.text
        assert len(taken) == 1, path


def test_the_panel_takes_one_transaction_and_stays_the_clinicians(world: World) -> None:
    clinician = world.actor("linked_clinician")
    with transactions(world) as taken:
        response = clinician.client.get("/clinician")
    assert response.status_code == 200 and "Ann Example" in response.text
    assert len(taken) == 1
    # The one dependency still refuses a patient and sends a visitor to sign in.
    assert world.actor("patient_a").client.get("/clinician").status_code == 403
    anonymous = world.actor("anonymous").client.get("/clinician", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/clinician"


def test_the_panel_audits_one_read_per_linked_patient(world: World) -> None:
    b = world.patient_b.patient_id
    assert b is not None
    with UnitOfWork(world.factory) as uow:
        uow.accounts.link(clinician_id=world.linked.id, patient_id=b)
        uow.commit()
    clinician = world.actor("linked_clinician")
    response = clinician.client.get("/clinician")
    assert response.status_code == 200
    assert "Ann Example" in response.text and "Bea Example" in response.text
    with UnitOfWork(world.factory) as uow:
        rows = uow.session.execute(
            select(AuditRow.patient_id, AuditRow.actor_email, AuditRow.action, AuditRow.detail)
            .where(AuditRow.what == "panel summary")
            .order_by(AuditRow.patient_id)
        ).all()
    assert [tuple(r) for r in rows] == sorted(
        [
            (world.patient_a.patient_id, "dr.lee@example.org", "read", {}),
            (b, "dr.lee@example.org", "read", {}),
        ]
    )


def test_every_page_template_compiles_once_per_worker_and_is_not_restatted() -> None:
    from importlib import resources

    from bonewise.web import pages

    folder = resources.files("bonewise.web") / "templates"
    shipped = [p for p in folder.iterdir() if p.name.endswith(".html")]
    shipped += [p for p in (folder / "learn").iterdir() if p.name.endswith(".html")]
    assert pages.compile_templates() == len(shipped)
    assert pages.templates.env.auto_reload is False


def test_the_api_reads_take_one_transaction(world: World) -> None:
    """The API's reads look up the session, check access and read in one unit of work, as
    the pages do (they took one transaction for the sign-in lookup and another for the read)."""
    pid = world.patient_a.patient_id
    reads = (
        f"/api/v1/patients/{pid}/dashboard",
        f"/api/v1/patients/{pid}/assessment",
        f"/api/v1/patients/{pid}/checkins",
        f"/api/v1/patients/{pid}/reminders",
        f"/api/v1/patients/{pid}/export",
        f"/api/v1/patients/{pid}/export/diary.csv",
    )
    for name in ("patient_a", "linked_clinician"):
        actor = world.actor(name)
        for path in reads:
            with transactions(world) as taken:
                response = actor.client.get(path)
            assert response.status_code == 200, (name, path, response.text)
            assert len(taken) == 1, (name, path)
    clinician = world.actor("linked_clinician")
    with transactions(world) as taken:
        response = clinician.client.get("/api/v1/clinician/panel")
    assert response.status_code == 200 and response.json()[0]["patient_id"] == pid
    assert len(taken) == 1
    # Still refused to whoever may not read them.
    assert world.actor("patient_b").client.get(reads[0]).status_code == 403
    assert world.actor("anonymous").client.get(reads[0]).status_code == 401
    assert world.actor("patient_a").client.get("/api/v1/clinician/panel").status_code == 403


def test_a_write_checks_session_csrf_and_access_in_one_transaction(world: World) -> None:
    """A write's checks (who is signed in, the CSRF token, her access) are one transaction
    and the write itself another (they were three: the lookup, the access check, the write);
    a missing CSRF token, someone else's record and the clinicians' entries are still refused."""
    pid = world.patient_a.patient_id
    patient = world.actor("patient_a")
    doctor = world.actor("linked_clinician")
    entry = {"exercise_id": "brisk-walking", "minutes": 20}
    frax = {"date": "2026-01-05", "major_osteoporotic_pct": 12.0, "hip_pct": 1.5, "with_bmd": True}
    writes = (
        # her own only: the checks, then the write
        (patient, "post", f"/api/v1/patients/{pid}/exercise", entry, 201, 2),
        # clinicians only: the checks, the write, then the record read back for the answer
        (doctor, "put", f"/api/v1/patients/{pid}/frax", frax, 200, 3),
    )
    for actor, method, path, body, status, expected in writes:
        with transactions(world) as taken:
            response = actor.client.request(method, path, json=body, headers=actor.headers())
        assert response.status_code == status, (path, response.text)
        assert len(taken) == expected, path
        # Without the CSRF token (a cookie session): refused before anything is checked.
        refused = actor.client.request(method, path, json=body)
        assert refused.status_code == 403 and "form expired" in refused.text
    assert world.actor("anonymous").client.post(writes[0][2], json=entry).status_code == 401
    other = world.actor("patient_b")
    assert other.client.post(writes[0][2], json=entry, headers=other.headers()).status_code == 403
    # The patient may not enter FRAX, and her clinician may not log her exercise.
    assert patient.client.put(writes[1][2], json=frax, headers=patient.headers()).status_code == 403
    assert doctor.client.post(writes[0][2], json=entry, headers=doctor.headers()).status_code == 403


def test_a_workers_first_pages_compile_no_read_statement(world: World) -> None:
    """The app's start-up runs the pages' reads once (services/warm.py), so the first
    dashboard, assessment and panel a worker serves wait for no SQL compiler (its first pages
    took 100-200 ms against under 10 ms warm). Only the audited read's INSERT is left to its
    first use: a warm-up writes nothing."""
    from fastapi.testclient import TestClient
    from sqlalchemy.engine.interfaces import CacheStats

    engine = world.factory.kw["bind"]
    compiled: list[str] = []

    def after(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        context = _args[-2]
        if context.cache_hit is CacheStats.CACHE_MISS:  # type: ignore[attr-defined]
            compiled.append(statement.split("(")[0].strip())

    pid = world.patient_a.patient_id
    visits = [
        (world.actor("patient_a").token, (f"/patients/{pid}", f"/patients/{pid}/assessment")),
        (world.actor("linked_clinician").token, ("/clinician", f"/patients/{pid}")),
    ]
    with TestClient(world.app) as client:  # type: ignore[arg-type]
        event.listen(engine, "after_cursor_execute", after)
        try:
            for token, paths in visits:
                client.cookies.set(SESSION_COOKIE, token)
                for path in paths:
                    assert client.get(path).status_code == 200, path
        finally:
            event.remove(engine, "after_cursor_execute", after)
    assert set(compiled) <= {"INSERT INTO audit_log"}, compiled


def test_on_postgresql_a_page_reads_outside_a_transaction_and_writes_inside_one(
    world: World,
) -> None:
    """Her own dashboard writes nothing: its reads run without BEGIN and COMMIT (two round
    trips fewer). Her clinician's view writes the audited read: its INSERT runs in a
    transaction that commits before the page is returned. A connection goes back to the pool
    with transactions on, so the next unit of work is a transaction again."""
    engine = world.factory.kw["bind"]
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's driver begins at the first write by itself")
    from psycopg.pq import TransactionStatus

    seen: list[tuple[str, TransactionStatus]] = []

    def after(conn: Any, _cursor: object, statement: str, *_args: object) -> None:
        status = conn.connection.dbapi_connection.info.transaction_status
        seen.append((statement.split()[0], status))

    pid = world.patient_a.patient_id
    assert pid is not None
    patient, clinician = world.actor("patient_a"), world.actor("linked_clinician")
    event.listen(engine, "after_cursor_execute", after)
    try:
        assert patient.client.get(f"/patients/{pid}").status_code == 200
        own_page, seen[:] = list(seen), []
        assert clinician.client.get(f"/patients/{pid}").status_code == 200
        clinicians_view = list(seen)
    finally:
        event.remove(engine, "after_cursor_execute", after)
    assert own_page and all(s == TransactionStatus.IDLE for _, s in own_page), own_page
    assert ("INSERT", TransactionStatus.INTRANS) in clinicians_view, clinicians_view
    assert all(s == TransactionStatus.IDLE for verb, s in clinicians_view if verb == "SELECT")
    with UnitOfWork(world.factory) as uow:
        audited = uow.audit.for_patient(pid)
        assert any(e.action == "read" and e.actor_email == "dr.lee@example.org" for e in audited)
        connection = uow.session.connection().connection.dbapi_connection
        assert connection is not None and connection.autocommit is False  # type: ignore[attr-defined]
