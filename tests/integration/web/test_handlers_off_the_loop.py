"""No page or API handler blocks the event loop: the store is synchronous, so a handler that
calls it is a plain function (FastAPI runs it in the thread pool); a posted form is read by an
async dependency (`deps.submitted_form`) instead of `await request.form()` in the handler."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from bonewise.services import patients
from bonewise.store.accounts import AccountRepository
from bonewise.web import forms

from .conftest import World


def test_every_bonewise_handler_is_a_plain_function(sqlite_world: World) -> None:
    asynchronous = [
        f"{route.path} ({route.endpoint.__module__}.{route.endpoint.__name__})"
        for route in sqlite_world.app.routes  # type: ignore[attr-defined]
        if getattr(route, "endpoint", None) is not None
        and route.endpoint.__module__.startswith("bonewise.")
        and inspect.iscoroutinefunction(route.endpoint)
    ]
    assert asynchronous == []


def test_the_profile_form_saves_off_the_event_loop(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved_on_loop: list[bool] = []
    save = patients.save_profile

    def spy(**kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            saved_on_loop.append(True)
        except RuntimeError:
            saved_on_loop.append(False)
        return save(**kwargs)

    monkeypatch.setattr(patients, "save_profile", spy)
    actor = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    values = forms.profile_to_form(actor.client.get(f"/api/v1/patients/{pid}").json())
    posted = actor.client.post(
        f"/patients/{pid}/profile", data={**values, "csrf_token": actor.csrf}
    )
    assert posted.status_code == 303, posted.text
    assert saved_on_loop == [False]


def _on_a_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _session_lookups_on_the_loop(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each sign-in lookup the requests make: whether it ran on the event loop."""
    looked_up_on_loop: list[bool] = []
    find_session = AccountRepository.find_session

    def spy(self: AccountRepository, token: str) -> Any:
        looked_up_on_loop.append(_on_a_running_loop())
        return find_session(self, token)

    monkeypatch.setattr(AccountRepository, "find_session", spy)
    return looked_up_on_loop


@pytest.mark.parametrize("path", ["/login", "/signup", "/forgot-password"])
def test_the_csrf_check_looks_up_the_session_off_the_event_loop(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """These forms check CSRF before anything else has looked up who is signed in: with a
    session cookie, the check's lookup must go to the thread pool, not query on the loop."""
    looked_up_on_loop = _session_lookups_on_the_loop(monkeypatch)
    actor = sqlite_world.actor("patient_a")
    # The session's token, sent as a header: checked against the session the lookup found.
    posted = actor.client.post(path, data={"email": "x@example.org"}, headers=actor.headers())
    assert posted.status_code != 403, posted.text
    assert looked_up_on_loop and not any(looked_up_on_loop)


def test_an_error_page_looks_up_the_session_off_the_event_loop(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error page shows who is signed in (and a clinician's banner): the exception
    handler that renders it reads the store, so it must not run on the loop."""
    looked_up_on_loop = _session_lookups_on_the_loop(monkeypatch)
    actor = sqlite_world.actor("linked_clinician")
    response = actor.client.get("/no-such-page")
    assert response.status_code == 404
    assert looked_up_on_loop and not any(looked_up_on_loop)


def _thread_limit(app: Any) -> int:
    """The server loop's thread limit while `app` serves (its lifespan has run)."""
    import anyio.to_thread
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        portal = client.portal
        assert portal is not None
        return int(
            portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
        )


def test_a_worker_runs_at_most_its_thread_limit_of_handlers_at_once(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AnyIO's default of 40 threads let 32 connections' handlers take turns at the GIL and the
    store (each page waited for all the others); a worker runs BONEWISE_WEB_THREADS (default 8)."""
    from bonewise.web.app import DEFAULT_THREADS, THREADS_ENV, create_app

    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert _thread_limit(create_app(session_factory=sqlite_world.factory)) == DEFAULT_THREADS == 8
    monkeypatch.setenv(THREADS_ENV, "4")
    assert _thread_limit(create_app(session_factory=sqlite_world.factory)) == 4


@pytest.mark.parametrize("value", ["0", "65", "eight", "-3"])
def test_a_thread_limit_out_of_range_is_refused_in_words(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from bonewise.web.app import THREADS_ENV, create_app

    monkeypatch.setenv(THREADS_ENV, value)
    with pytest.raises(
        ValueError, match="BONEWISE_WEB_THREADS must be a whole number from 1 to 64"
    ):
        create_app(session_factory=sqlite_world.factory)
