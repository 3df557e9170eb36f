"""`bonewise serve --workers 2` on PostgreSQL: one secret key, sessions and sign-in throttling
shared by both workers (every request on a fresh connection, so either worker may answer)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import create_engine, text

from bonewise.store.accounts import AccountRepository, SignInThrottle
from bonewise.store.db import make_engine
from bonewise.store.uow import UnitOfWork, session_factory
from bonewise.web.security import DEVICE_COOKIE

from ...server_process import free_port, serving
from ..conftest import postgres_schema_url
from .conftest import PASSWORD


@dataclass
class Server:
    base: str
    database_url: str


@pytest.fixture
def two_workers() -> Iterator[Server]:
    with postgres_schema_url("workers") as url:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "BONEWISE_SECRET_KEY"}
        command = [sys.executable, "-m", "bonewise", "serve", "--workers", "2"]
        command += ["--port", str(port), "--database-url", url]
        with serving(command, port=port, env=env) as running:
            yield Server(running.base, url)


def _workers_seen(url: str) -> set[str]:
    engine = create_engine(url.split("?", 1)[0])
    with engine.connect() as conn:
        names = conn.execute(
            text(
                "SELECT DISTINCT application_name FROM pg_stat_activity "
                "WHERE application_name LIKE 'bonewise-%'"
            )
        ).scalars()
        found = set(names)
    engine.dispose()
    return found


def _fresh(
    method: str, url: str, cookies: dict[str, str] | None = None, **kwargs: object
) -> httpx.Response:
    """One request on a connection of its own (no keep-alive: either worker may take it)."""
    with httpx.Client(headers={"Connection": "close"}, cookies=cookies) as client:
        return client.request(method, url, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--workers", "2", "--database-url", "sqlite:///x.sqlite3"], "needs PostgreSQL"),
        (["--workers", "0"], "use 1-64"),
    ],
)
def test_serve_refuses_workers_it_cannot_run(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bonewise", "serve", *args], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.postgres
def test_two_workers_share_sessions_secret_and_sign_in_throttling(two_workers: Server) -> None:
    engine = make_engine(two_workers.database_url)
    factory = session_factory(engine)
    with UnitOfWork(factory) as uow:
        AccountRepository(uow.session).create_user(
            email="ann@example.org", name="Ann", role="patient", password=PASSWORD
        )
        uow.commit()
    session_url = f"{two_workers.base}/api/v1/session"
    right = {"email": "ann@example.org", "password": PASSWORD}

    # Her browser signs in once: a session token and a device cookie, signed by one worker.
    first = _fresh("POST", session_url, json=right)
    assert first.status_code == 200, first.text
    token = first.json()["token"]
    device = first.cookies[DEVICE_COOKIE]

    # The session works whichever worker answers; keep asking until both have answered.
    for _ in range(60):
        me = _fresh(
            "GET", f"{two_workers.base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.status_code == 200
        if len(_workers_seen(two_workers.database_url)) >= 2:
            break
    assert len(_workers_seen(two_workers.database_url)) == 2

    # Wrong passwords on fresh connections land on both workers and add up in one counter.
    wrong = {"email": "ann@example.org", "password": "guess guess"}
    statuses = [_fresh("POST", session_url, json=wrong).status_code for _ in range(6)]
    assert statuses.count(401) >= 4 and set(statuses) <= {401, 429}
    with UnitOfWork(factory) as uow:
        assert SignInThrottle(uow.session).failures("account:ann@example.org") == statuses.count(
            401
        )
    held = _fresh("POST", session_url, json=right)
    assert held.status_code == 429
    assert int(held.headers["retry-after"]) >= 1

    # Her own device is let in by either worker (the device cookie's key is shared).
    for _ in range(4):
        ok = _fresh("POST", session_url, json=right, cookies={DEVICE_COOKIE: device})
        assert ok.status_code == 200, ok.text
    assert "server" not in ok.headers
    engine.dispose()
