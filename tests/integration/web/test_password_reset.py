"""Password reset by e-mail: the link arrives through a real SMTP server on loopback, works
once, expires, ends her other sessions, and the pages never tell whether an address has an
account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from bonewise.mail.sink import SmtpSink
from bonewise.mail.smtp import SmtpMailer, SmtpSettings
from bonewise.services import accounts as account_services
from bonewise.services.access import InvalidInput
from bonewise.store.base import utcnow
from bonewise.store.uow import UnitOfWork

from .conftest import PASSWORD, World

PUBLIC = "https://bones.clinic.example"
NEW_PASSWORD = "a fresh long password"


@pytest.fixture
def mailing_world(sqlite_world: World, smtp_sink: SmtpSink) -> World:
    app = sqlite_world.app
    settings = SmtpSettings.from_env({**smtp_sink.env(), "BONEWISE_MAIL_FROM": "care@example"})
    assert settings is not None
    app.state.mailer = SmtpMailer(settings)  # type: ignore[attr-defined]
    app.state.public_url = PUBLIC  # type: ignore[attr-defined]
    return sqlite_world


def _csrf(client: TestClient, page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found
    return found.group(1)


def _ask_reset(client: TestClient, email: str, **headers: str) -> tuple[int, str]:
    data = {"email": email, "csrf_token": _csrf(client, "/forgot-password")}
    response = client.post("/forgot-password", data=data, headers=headers)
    notice = re.search(r'<p class="notice" role="status">([^<]+)</p>', response.text)
    return response.status_code, notice.group(1) if notice else ""


def _link_in(sink: SmtpSink, index: int = -1) -> str:
    body = sink.messages()[index].get_content()
    found = re.search(r"(https?://\S+/reset-password\?token=\S+)", body)
    assert found, body
    return found.group(1)


def test_the_same_answer_for_an_address_with_and_without_an_account(
    mailing_world: World, smtp_sink: SmtpSink
) -> None:
    client = TestClient(mailing_world.app, follow_redirects=False)  # type: ignore[arg-type]
    known = _ask_reset(client, "ann@example.org")
    unknown = _ask_reset(client, "nobody@example.org")
    assert known == unknown
    assert known[0] == 200 and "If an account uses this address" in known[1]
    arrived = smtp_sink.messages()
    assert [m["To"].addresses[0].addr_spec for m in arrived] == ["ann@example.org"]
    assert arrived[0]["From"] == "care@example"


def test_the_link_works_once_and_ends_her_other_sessions(
    mailing_world: World, smtp_sink: SmtpSink
) -> None:
    signed_in_elsewhere = mailing_world.actor("patient_a")
    bea = mailing_world.actor("patient_b")
    client = TestClient(mailing_world.app, follow_redirects=False)  # type: ignore[arg-type]
    # A forged Host header must not put its own address in her e-mail.
    _ask_reset(client, "ANN@example.org", host="evil.example")
    link = _link_in(smtp_sink)
    assert link.startswith(f"{PUBLIC}/reset-password?token=")
    path = link.removeprefix(PUBLIC)

    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    form = {
        "token": token.group(1),
        "new_password": NEW_PASSWORD,
        "csrf_token": _csrf(client, path),
    }
    done = client.post("/reset-password", data=form)
    assert (done.status_code, done.headers["location"]) == (303, "/login?reset=1")
    assert "password is changed" in client.get("/login?reset=1").text

    assert signed_in_elsewhere.client.get("/api/v1/me").status_code == 401
    assert bea.client.get("/api/v1/me").status_code == 200
    old = {"email": "ann@example.org", "password": PASSWORD}
    new = {"email": "ann@example.org", "password": NEW_PASSWORD}
    assert client.post("/api/v1/session", json=old).status_code == 401
    assert client.post("/api/v1/session", json=new).status_code == 200

    stranger = TestClient(mailing_world.app, follow_redirects=False)  # type: ignore[arg-type]
    replay = {**form, "new_password": "yet another one!", "csrf_token": _csrf(stranger, "/login")}
    again = stranger.post("/reset-password", data=replay)
    assert again.status_code == 422
    assert "expired or was already used" in again.text
    assert "expired or was already used" in stranger.get(path).text


def test_only_the_newest_link_works_and_links_expire(world: World) -> None:
    """On SQLite and PostgreSQL: the token is spent in one UPDATE ... RETURNING."""
    factory = world.factory
    t0 = utcnow()

    def ask(at: object) -> str:
        link = account_services.request_password_reset(
            uow=UnitOfWork(factory), email="ann@example.org", client="192.0.2.1", now=at
        )
        assert link is not None
        return link.token

    first, second = ask(t0), ask(t0 + timedelta(minutes=1))
    with pytest.raises(InvalidInput, match="expired or was already used"):
        account_services.reset_password(
            uow=UnitOfWork(factory), token=first, new_password=NEW_PASSWORD
        )
    late = t0 + timedelta(minutes=1) + account_services.DEFAULT_POLICY.reset_link_lifetime
    with pytest.raises(InvalidInput, match="expired or was already used"):
        account_services.reset_password(
            uow=UnitOfWork(factory), token=second, new_password=NEW_PASSWORD, now=late
        )
    user = account_services.reset_password(
        uow=UnitOfWork(factory),
        token=second,
        new_password=NEW_PASSWORD,
        now=late - timedelta(seconds=1),
    )
    assert user.email == "ann@example.org"


def test_a_short_new_password_is_refused_and_keeps_the_link(mailing_world: World) -> None:
    link = account_services.request_password_reset(
        uow=UnitOfWork(mailing_world.factory), email="ann@example.org", client="192.0.2.2"
    )
    assert link is not None
    with pytest.raises(InvalidInput) as short:
        account_services.reset_password(
            uow=UnitOfWork(mailing_world.factory), token=link.token, new_password="short"
        )
    assert short.value.errors[0]["loc"] == ["body", "new_password"]
    assert account_services.reset_link_is_live(
        uow=UnitOfWork(mailing_world.factory), token=link.token
    )


def test_without_e_mail_the_page_says_so_for_everyone(sqlite_world: World) -> None:
    sqlite_world.app.state.mailer = None  # type: ignore[attr-defined]
    client = TestClient(sqlite_world.app, follow_redirects=False)  # type: ignore[arg-type]
    assert "cannot send e-mail" in client.get("/forgot-password").text
