"""Sign-in that cannot be turned against her: growing delays per account and per address kept
in the database, known devices never refused the right password, sign-up that does not tell
whether an address has an account, password change and sign out everywhere."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from bonewise.services import accounts as account_services
from bonewise.services.accounts import (
    InvalidCredentials,
    KnownDevice,
    SignInPolicy,
    TooManyAttempts,
)
from bonewise.services.patients import InvalidInput
from bonewise.store import accounts as account_store
from bonewise.store.accounts import AccountRepository, SignInThrottle, ThrottleRule
from bonewise.store.uow import UnitOfWork
from bonewise.web import create_app
from bonewise.web.routers.accounts import _safe_next
from bonewise.web.security import CSRF_FORM_FIELD, CSRF_HEADER, DEVICE_COOKIE

from .conftest import PASSWORD, World

HOUR = timedelta(hours=1)
POLICY = SignInPolicy(
    account=ThrottleRule(free=2, base_delay_s=10, max_delay_s=80, forget_after=HOUR),
    address=ThrottleRule(free=4, base_delay_s=10, max_delay_s=80, forget_after=HOUR),
    device=ThrottleRule(free=2, base_delay_s=10, max_delay_s=80, forget_after=HOUR),
    signup=ThrottleRule(free=2, base_delay_s=10, max_delay_s=80, forget_after=HOUR),
)
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _sign_in(world: World, password: str, *, at: datetime, **kw: Any) -> object:
    options = {"email": "ann@example.org", "client": "198.51.100.7", **kw}
    return account_services.sign_in(
        uow=UnitOfWork(world.factory), password=password, policy=POLICY, now=at, **options
    )


def test_delays_grow_and_are_capped() -> None:
    rule = POLICY.account
    assert [rule.delay_after(n) for n in range(1, 8)] == [0, 0, 10, 20, 40, 80, 80]


def test_the_account_waits_longer_after_each_failure_and_recovers(world: World) -> None:
    now = T0
    for _ in range(POLICY.account.free):
        with pytest.raises(InvalidCredentials):
            _sign_in(world, "wrong wrong", at=now)
    with pytest.raises(InvalidCredentials):
        _sign_in(world, "wrong wrong", at=now)  # third failure: 10 s from now
    with pytest.raises(TooManyAttempts) as held:
        _sign_in(world, PASSWORD, at=now + timedelta(seconds=5))
    assert held.value.retry_after_s == 5
    with pytest.raises(InvalidCredentials):
        _sign_in(world, "wrong wrong", at=now + timedelta(seconds=11))  # fourth: 20 s
    with pytest.raises(TooManyAttempts):
        _sign_in(world, PASSWORD, at=now + timedelta(seconds=30))
    # Never a hard lockout: after the wait, the right password works and clears the count.
    assert _sign_in(world, PASSWORD, at=now + timedelta(seconds=32)).user.email == "ann@example.org"
    with UnitOfWork(world.factory) as uow:
        assert SignInThrottle(uow.session).failures("account:ann@example.org") == 0


def test_a_known_device_is_never_refused_the_right_password(world: World) -> None:
    device = KnownDevice(world.patient_a.id, "her-laptop")
    for n in range(8):  # an attacker elsewhere, far past every free attempt
        with pytest.raises((InvalidCredentials, TooManyAttempts)):
            _sign_in(world, "guess guess", at=T0 + timedelta(seconds=n), client="203.0.113.9")
    with pytest.raises(TooManyAttempts):
        _sign_in(world, PASSWORD, at=T0 + timedelta(seconds=9), client="203.0.113.9")
    # A device cookie for another account is no key to this one.
    other = KnownDevice(world.patient_b.id, "bea-phone")
    with pytest.raises(TooManyAttempts):
        _sign_in(world, PASSWORD, at=T0 + timedelta(seconds=9), device=other)
    # Her own device, even from the attacker's address, gets straight in.
    session = _sign_in(
        world, PASSWORD, at=T0 + timedelta(seconds=9), device=device, client="203.0.113.9"
    )
    assert session.user.id == world.patient_a.id


def test_wrong_passwords_from_a_known_device_count_only_against_that_device(
    world: World,
) -> None:
    device = KnownDevice(world.patient_a.id, "shared-tablet")
    for n in range(POLICY.device.free + 1):
        with pytest.raises(InvalidCredentials):
            _sign_in(world, "typo typo", at=T0 + timedelta(seconds=n), device=device)
    with pytest.raises(TooManyAttempts):
        _sign_in(world, PASSWORD, at=T0 + timedelta(seconds=4), device=device)
    # The account itself is not held back for anyone else.
    assert _sign_in(world, PASSWORD, at=T0 + timedelta(seconds=4)).user.id == world.patient_a.id


def test_one_address_guessing_many_accounts_is_held_back(world: World) -> None:
    emails = [f"guess{n}@example.org" for n in range(POLICY.address.free + 1)]
    for n, email in enumerate(emails):
        with pytest.raises(InvalidCredentials):
            _sign_in(world, "x" * 12, at=T0 + timedelta(seconds=n), email=email)
    with pytest.raises(TooManyAttempts):
        _sign_in(world, PASSWORD, at=T0 + timedelta(seconds=6), email="bea@example.org")
    fine = _sign_in(world, PASSWORD, at=T0 + timedelta(seconds=6), client="192.0.2.1")
    assert fine.user.id == world.patient_a.id


def test_counters_are_shared_by_every_app_on_the_same_database(sqlite_world: World) -> None:
    """Two app instances stand for two workers: failures on one hold back the other."""
    first = TestClient(create_app(session_factory=sqlite_world.factory, sign_in_policy=POLICY))
    second = TestClient(create_app(session_factory=sqlite_world.factory, sign_in_policy=POLICY))
    wrong = {"email": "ann@example.org", "password": "wrong wrong"}
    for _ in range(POLICY.account.free + 1):
        assert first.post("/api/v1/session", json=wrong).status_code == 401
    right = {"email": "ann@example.org", "password": PASSWORD}
    assert second.post("/api/v1/session", json=right).status_code == 429


def test_the_web_remembers_a_device_with_a_signed_cookie(sqlite_world: World) -> None:
    app = create_app(session_factory=sqlite_world.factory, sign_in_policy=POLICY)
    hers = TestClient(app)
    first = hers.post("/api/v1/session", json={"email": "ann@example.org", "password": PASSWORD})
    assert first.status_code == 200
    cookie = first.headers.get_list("set-cookie")
    device = next(c for c in cookie if c.startswith(DEVICE_COOKIE))
    assert "HttpOnly" in device and "samesite=strict" in device.lower()
    forged = TestClient(app)
    forged.cookies.set(DEVICE_COOKIE, hers.cookies[DEVICE_COOKIE][:-3] + "abc")
    for _ in range(POLICY.account.free + 1):
        forged.post("/api/v1/session", json={"email": "ann@example.org", "password": "no no no"})
    again = {"email": "ann@example.org", "password": PASSWORD}
    assert forged.post("/api/v1/session", json=again).status_code == 429
    assert hers.post("/api/v1/session", json=again).status_code == 200


def test_sign_up_gives_the_same_answer_for_known_and_unknown_addresses(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashes: list[str] = []
    real_hash = account_store._hasher.hash

    def counting(password: str, **kw: Any) -> str:
        hashes.append(password)
        return real_hash(password, **kw)

    monkeypatch.setattr(account_store._hasher, "hash", counting)
    client = TestClient(sqlite_world.app)  # type: ignore[arg-type]
    answers = []
    for email in ("ann@example.org", "new.person@example.org"):
        hashes.clear()
        body = {"email": email, "name": "Someone", "password": "another long password"}
        response = client.post("/api/v1/accounts", json=body)
        answers.append((response.status_code, response.json(), sorted(response.headers)))
        assert len(hashes) == 1, email  # the same argon2 work either way
    assert answers[0] == answers[1]
    assert answers[0][0] == 202
    # Ann's account is untouched: her own password still works, the new one does not.
    ann = {"email": "ann@example.org", "password": PASSWORD}
    assert client.post("/api/v1/session", json=ann).status_code == 200
    new = {"email": "new.person@example.org", "password": "another long password"}
    assert client.post("/api/v1/session", json=new).status_code == 200


def test_the_sign_up_form_answers_the_same_and_sends_her_to_sign_in(sqlite_world: World) -> None:
    client = TestClient(sqlite_world.app, follow_redirects=False)  # type: ignore[arg-type]
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signup").text)
    assert token
    locations = []
    for email in ("bea@example.org", "cara@example.org"):
        data = {"email": email, "name": "C", "password": "x" * 12, "csrf_token": token.group(1)}
        response = client.post("/signup", data=data)
        locations.append((response.status_code, response.headers["location"]))
    assert locations[0] == locations[1] == (303, "/login?signed_up=1")
    assert "account is ready" in client.get("/login?signed_up=1").text


def test_sign_up_is_rate_limited_per_address(sqlite_world: World) -> None:
    def attempt(n: int, at: datetime) -> object:
        return account_services.sign_up_patient(
            uow=UnitOfWork(sqlite_world.factory),
            email=f"burst{n}@example.org",
            name="Burst",
            password="long enough pw",
            client="198.51.100.99",
            policy=POLICY,
            now=at,
        )

    for n in range(POLICY.signup.free + 1):
        attempt(n, T0)
    with pytest.raises(TooManyAttempts):
        attempt(99, T0 + timedelta(seconds=1))
    assert attempt(100, T0 + timedelta(seconds=11)) is not None


@pytest.mark.parametrize("email", ["jane@clinic.test", "a@b", "two@@example.org", "x" * 300])
def test_sign_up_validates_the_address_with_email_validator(
    sqlite_world: World, email: str
) -> None:
    with pytest.raises(InvalidInput) as bad:
        account_services.sign_up_patient(
            uow=UnitOfWork(sqlite_world.factory),
            email=email,
            name="Jane",
            password="long enough pw",
        )
    assert bad.value.errors[0]["loc"] == ["body", "email"]
    assert len(bad.value.errors[0]["msg"]) < 300


def test_password_change_ends_other_sessions_and_keeps_this_one(sqlite_world: World) -> None:
    here = sqlite_world.actor("patient_a")
    elsewhere = sqlite_world.actor("patient_a")
    bea = sqlite_world.actor("patient_b")
    wrong = here.client.put(
        "/api/v1/me/password",
        json={"current_password": "not it at all", "new_password": "a brand new password"},
        headers=here.headers(),
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "current_password"]
    changed = here.client.put(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a brand new password"},
        headers=here.headers(),
    )
    assert changed.status_code == 204
    assert here.client.get("/api/v1/me").status_code == 200
    assert elsewhere.client.get("/api/v1/me").status_code == 401
    assert bea.client.get("/api/v1/me").status_code == 200
    fresh = TestClient(sqlite_world.app)  # type: ignore[arg-type]
    old = {"email": "ann@example.org", "password": PASSWORD}
    assert fresh.post("/api/v1/session", json=old).status_code == 401
    new = {"email": "ann@example.org", "password": "a brand new password"}
    assert fresh.post("/api/v1/session", json=new).status_code == 200


def test_sign_out_everywhere_ends_every_session_of_hers_only(sqlite_world: World) -> None:
    here = sqlite_world.actor("patient_a")
    elsewhere = sqlite_world.actor("patient_a")
    bea = sqlite_world.actor("patient_b")
    response = here.client.delete("/api/v1/me/sessions", headers={CSRF_HEADER: here.csrf})
    assert response.status_code == 204
    assert here.client.get("/api/v1/me").status_code == 401
    assert elsewhere.client.get("/api/v1/me").status_code == 401
    assert bea.client.get("/api/v1/me").status_code == 200
    with UnitOfWork(sqlite_world.factory) as uow:
        assert AccountRepository(uow.session).close_all_sessions(sqlite_world.patient_a.id) == 0


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example", ""],
)
def test_after_sign_in_she_stays_on_bonewise(target: str) -> None:
    assert _safe_next(target, "/clinician") == "/clinician"
    assert _safe_next("/smart/launch", "/clinician") == "/smart/launch"


def test_signing_in_comes_back_to_the_page_with_its_query_string(sqlite_world: World) -> None:
    patient = sqlite_world.patient_a
    asked = f"/patients/{patient.patient_id}/nutrition?day=2026-11-30&q=milk"
    browser = TestClient(create_app(session_factory=sqlite_world.factory), follow_redirects=False)
    sent = browser.get(asked)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/login?next=" + quote(asked, safe="/")
    login = browser.get(sent.headers["location"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert csrf and f'name="next" value="{html.escape(asked)}"' in login.text
    signed = browser.post(
        "/login",
        data={
            "email": patient.email,
            "password": PASSWORD,
            "next": asked,
            CSRF_FORM_FIELD: csrf.group(1),
        },
    )
    assert signed.headers["location"] == asked
    # A query too long for the sign-in form: she comes back to the page itself.
    long = f"/patients/{patient.patient_id}?from=" + "m" * 600
    signed_out = TestClient(browser.app, follow_redirects=False)
    assert signed_out.get(long).headers["location"] == (
        f"/login?next=/patients/{patient.patient_id}"
    )
