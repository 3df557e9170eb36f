"""No page or API handler blocks the event loop: the store is synchronous, so a handler that
calls it is a plain function (FastAPI runs it in the thread pool); a posted form is read by an
async dependency (`deps.submitted_form`) instead of `await request.form()` in the handler."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from bonewise.services import patients
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
