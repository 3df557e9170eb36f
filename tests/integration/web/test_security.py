"""Sessions, cookies, sign-in rate limiting and the audit log, through the real app."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from bonewise.services.accounts import SignInPolicy
from bonewise.store.accounts import AccountRepository, AuditLog, ThrottleRule
from bonewise.store.uow import UnitOfWork
from bonewise.web import create_app

from .conftest import PASSWORD, World

QUICK = SignInPolicy(
    account=ThrottleRule(free=3, base_delay_s=60, max_delay_s=600, forget_after=timedelta(hours=1))
)


def _api_sign_in(client: TestClient, password: str, email: str = "ann@example.org") -> Any:
    return client.post("/api/v1/session", json={"email": email, "password": password})


def _login_form(client: TestClient, email: str, password: str) -> object:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token.group(1)}
    )


def test_session_cookie_is_httponly_lax_and_secure_over_https(sqlite_world: World) -> None:
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        client = TestClient(sqlite_world.app, base_url=base, follow_redirects=False)  # type: ignore[arg-type]
        response = _login_form(client, "ann@example.org", PASSWORD)
        assert response.status_code == 303  # type: ignore[attr-defined]
        cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
        assert "bonewise_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
        assert ("Secure" in cookie) is secure


def test_password_is_stored_as_argon2_and_wrong_password_is_refused(sqlite_world: World) -> None:
    with UnitOfWork(sqlite_world.factory) as uow:
        from bonewise.store.accounts import UserRow

        row = uow.session.get(UserRow, sqlite_world.patient_a.id)
        assert row is not None
        assert row.password_hash.startswith("$argon2id$")
        assert PASSWORD not in row.password_hash
    client = TestClient(sqlite_world.app)  # type: ignore[arg-type]
    response = client.post(
        "/api/v1/session", json={"email": "ann@example.org", "password": "not the password"}
    )
    assert response.status_code == 401


def test_wrong_passwords_hold_back_new_devices_not_her_own(sqlite_world: World) -> None:
    app = create_app(session_factory=sqlite_world.factory, sign_in_policy=QUICK)
    hers = TestClient(app)
    assert _api_sign_in(hers, PASSWORD).status_code == 200  # her browser is now a known device
    attacker = TestClient(app)
    for _ in range(QUICK.account.free + 1):
        assert _api_sign_in(attacker, "guess guess").status_code == 401
    blocked = _api_sign_in(attacker, PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert _api_sign_in(hers, PASSWORD).status_code == 200
    other = attacker.post(
        "/api/v1/session", json={"email": "bea@example.org", "password": PASSWORD}
    )
    assert other.status_code == 200


def test_sign_out_ends_the_session_server_side(sqlite_world: World) -> None:
    actor = sqlite_world.actor("patient_a")
    assert actor.client.get("/api/v1/me").status_code == 200
    bearer = TestClient(sqlite_world.app)  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {actor.token}"}
    assert bearer.get("/api/v1/me", headers=headers).status_code == 200
    assert actor.client.delete("/api/v1/session", headers=actor.headers()).status_code == 204
    assert bearer.get("/api/v1/me", headers=headers).status_code == 401


def test_audit_log_records_clinician_reads_and_all_writes_and_the_patient_sees_them(
    sqlite_world: World,
) -> None:
    pid = sqlite_world.patient_a.patient_id
    assert pid
    with UnitOfWork(sqlite_world.factory) as uow:
        before = AuditLog(uow.session).count()
    doctor = sqlite_world.actor("linked_clinician")
    assert doctor.client.get(f"/api/v1/patients/{pid}/assessment").status_code == 200
    patient = sqlite_world.actor("patient_a")
    assert patient.client.get(f"/api/v1/patients/{pid}/assessment").status_code == 200
    put = patient.client.put(
        f"/api/v1/patients/{pid}/profile",
        json={"risk_factors": {"smoking": "never"}},
        headers=patient.headers(),
    )
    assert put.status_code == 200
    with UnitOfWork(sqlite_world.factory) as uow:
        assert AuditLog(uow.session).count() == before + 2  # the patient's own read is not logged
    trail = patient.client.get(f"/api/v1/patients/{pid}/audit").json()
    assert trail[0]["actor_email"] == "ann@example.org"
    assert trail[0]["action"] == "write"
    assert trail[1]["actor_email"] == "dr.lee@example.org"
    assert trail[1]["action"] == "read"
    assert trail[1]["what"] == "assessment"
    page = patient.client.get(f"/patients/{pid}/audit")
    assert "dr.lee@example.org" in page.text


def test_a_patient_can_share_her_record_and_the_clinician_then_sees_her(
    sqlite_world: World,
) -> None:
    bea = sqlite_world.actor("patient_b")
    other = sqlite_world.actor("unlinked_clinician")
    pid = sqlite_world.patient_b.patient_id
    assert other.client.get(f"/api/v1/patients/{pid}").status_code == 403
    shared = bea.client.post(
        "/api/v1/me/share", json={"clinician_email": "dr.other@example.org"}, headers=bea.headers()
    )
    assert shared.status_code == 200
    assert other.client.get(f"/api/v1/patients/{pid}").status_code == 200
    panel = other.client.get("/api/v1/clinician/panel").json()
    assert [row["patient_id"] for row in panel] == [pid]
    with UnitOfWork(sqlite_world.factory) as uow:
        assert AccountRepository(uow.session).is_linked(
            clinician_id=sqlite_world.unlinked.id, patient_id=str(pid)
        )
