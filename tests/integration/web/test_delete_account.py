"""Deleting her account leaves no row of personal data in any table of the store (SQLite and
PostgreSQL), keeps the audit trail under a pseudonymous id, and tells her what remains."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import inspect, text

from bonewise.services import accounts as account_services
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.services.reminders import send_due_reminders
from bonewise.store.uow import UnitOfWork

from .conftest import PASSWORD, World


def _her_data(world: World) -> None:
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    h = ann.headers()
    assert ann.client.post(
        f"/api/v1/patients/{pid}/food-diary",
        json={"ndb_no": "01079", "measure": "1", "meal": "breakfast"},
        headers=h,
    ).is_success
    assert ann.client.post(
        f"/api/v1/patients/{pid}/exercise",
        json={"exercise_id": "brisk-walking", "minutes": 30},
        headers=h,
    ).is_success
    assert ann.client.post("/account/calendar", data={"csrf_token": ann.csrf}).is_success
    link = account_services.request_password_reset(
        uow=UnitOfWork(world.factory), email="ann@example.org", client="192.0.2.9"
    )
    assert link is not None
    sent = send_due_reminders(
        uow=UnitOfWork(world.factory),
        actor=LOCAL_OPERATOR,
        as_of=date.today() + timedelta(days=800),
        send=lambda mail: None,
        public_url="http://x",
    )
    assert sent.sent >= 1
    wrong = {"email": "ann@example.org", "password": "not her password"}
    assert ann.client.post("/api/v1/session", json=wrong).status_code == 401
    assert ann.client.get(f"/patients/{pid}/assessment").is_success
    lee = world.actor("linked_clinician")
    assert lee.client.get(f"/api/v1/patients/{pid}").is_success  # an audited clinician read


def _rows(world: World) -> dict[str, list[dict[str, Any]]]:
    engine = world.factory.kw["bind"]
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        return {
            t: [dict(r._mapping) for r in conn.execute(text(f'SELECT * FROM "{t}"'))]
            for t in tables
            if not t.startswith("food_fts")  # SR28's search index: foods only
        }


def _user_columns(world: World) -> dict[str, list[str]]:
    engine = world.factory.kw["bind"]
    with engine.connect() as conn:
        inspector = inspect(conn)
        return {
            t: [
                fk["constrained_columns"][0]
                for fk in inspector.get_foreign_keys(t)
                if fk["referred_table"] == "users"
            ]
            + (["id"] if t == "users" else [])
            for t in inspector.get_table_names()
        }


def _mentions(rows: dict[str, list[dict[str, Any]]], words: list[str]) -> list[str]:
    found = []
    for table, table_rows in rows.items():
        for row in table_rows:
            said = json.dumps(row, default=str)
            found += [f"{table}: {w!r} in {said[:200]}" for w in words if w in said]
    return found


def test_delete_leaves_no_personal_row_and_says_what_remains(world: World) -> None:
    her, pid = world.patient_a, world.patient_a.patient_id
    assert pid is not None
    _her_data(world)
    words = [her.email, her.name, pid]
    before = _rows(world)
    assert len(_mentions(before, words)) > 10  # the scan finds her before
    bea_rows = _mentions(before, ["bea@example.org", "Bea Example"])

    ann = world.actor("patient_a")
    refused = ann.client.post(
        "/account/delete",
        data={"csrf_token": ann.csrf, "password": PASSWORD, "confirmation": "yes"},
    )
    assert refused.status_code == 422 and "nothing was deleted" in refused.text
    wrong = ann.client.post(
        "/account/delete",
        data={
            "csrf_token": ann.csrf,
            "password": "not my password",
            "confirmation": "delete my account",
        },
    )
    assert wrong.status_code == 422 and "not your password" in wrong.text

    done = ann.client.post(
        "/account/delete",
        data={
            "csrf_token": ann.csrf,
            "password": PASSWORD,
            "confirmation": "Delete my account",
        },
    )
    assert done.status_code == 200, done.text
    assert "What remains" in done.text and "audit entries" in done.text
    pseudonym = done.text.split("<code>", 1)[1].split("</code>", 1)[0]
    assert pseudonym.startswith("deleted-")

    after = _rows(world)
    assert _mentions(after, words) == []
    for table, columns in _user_columns(world).items():
        for row in after.get(table, []):
            assert all(row[c] != her.id for c in columns), (table, row)
    # The audit trail stays, under the pseudonym; nobody else's data went.
    audit = after["audit_log"]
    assert len(audit) > len(before["audit_log"]) - 1
    assert any(r["actor_email"] == pseudonym for r in audit)
    assert any(r["patient_id"] == pseudonym and r["action"] == "delete" for r in audit)
    assert _mentions(after, ["bea@example.org", "Bea Example"]) == bea_rows
    # Her clinician's reads of her record stay attributed to the clinician.
    reads = [r for r in audit if r["patient_id"] == pseudonym and r["action"] == "read"]
    assert reads and all(r["actor_id"] == world.linked.id for r in reads)
    assert len(after["patients"]) == len(before["patients"]) - 1
    # She is signed out and cannot sign in again.
    assert ann.client.get("/api/v1/me").status_code == 401
    again = {"email": her.email, "password": PASSWORD}
    assert ann.client.post("/api/v1/session", json=again).status_code == 401
    # Her clinician's panel no longer lists her.
    lee = world.actor("linked_clinician")
    assert pid not in lee.client.get("/api/v1/clinician/panel").text
