"""schemathesis against /openapi.json, signed in as patient A (a fresh bearer session for every
case, so signing out in one case does not break the next): no server error, every status code
documented, every response matching its schema. `positive_data_acceptance` is excluded: data
that fits the schema can still be refused on purpose (future dates, another patient's record,
a clinician writing in her diary). A second run takes every generated body and poisons it, with
control characters in every text and with an oversized field: still never a server error."""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode

from bonewise.mail.sink import SmtpSink
from bonewise.mail.smtp import mailer_from_env
from bonewise.store.accounts import AccountRepository
from bonewise.store.db import make_engine, migrate
from bonewise.store.uow import UnitOfWork, session_factory

from .conftest import build_world

# Built at import: schemathesis needs the schema when pytest collects the test (its
# from_fixture loader does not work with pytest 9).
_FOLDER = Path(tempfile.mkdtemp(prefix="bonewise-schemathesis-"))
_ENGINE = make_engine(f"sqlite:///{_FOLDER / 'api.sqlite3'}")
migrate(_ENGINE)
WORLD = build_world(session_factory(_ENGINE))
# Reset e-mails go to a real SMTP server on loopback (without one the API answers 503).
_SINK = SmtpSink(_FOLDER / "mail").start()
WORLD.app.state.mailer = mailer_from_env(_SINK.env())  # type: ignore[attr-defined]
# Report rendering (WeasyPrint, seconds per call) is covered by test_reports.py instead.
schema = schemathesis.openapi.from_asgi("/openapi.json", WORLD.app).exclude(path_regex=r"/report$")


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
    _SINK.stop()
    _ENGINE.dispose()
    shutil.rmtree(_FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    api_world = WORLD
    with UnitOfWork(api_world.factory) as uow:
        web_session = AccountRepository(uow.session).open_session(api_world.patient_a)
        uow.commit()
    # Point valid cases at her own record, so they reach the handlers instead of a 403.
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    positive = path is None or path.mode == GenerationMode.POSITIVE
    if positive and "patient_id" in (case.path_parameters or {}):
        case.path_parameters["patient_id"] = api_world.patient_a.patient_id
    case.call_and_validate(
        headers={"Authorization": f"Bearer {web_session.token}"},
        excluded_checks=[checks.positive_data_acceptance],
    )


CONTROL_CHARACTERS = ("\x00", "\x07", "\x1b", "\x7f", "\x85")


def _with_control_characters(value: Any, n: int = 0) -> Any:
    if isinstance(value, str):
        return value + CONTROL_CHARACTERS[n % len(CONTROL_CHARACTERS)]
    if isinstance(value, dict):
        return {k: _with_control_characters(v, n + i) for i, (k, v) in enumerate(value.items())}
    if isinstance(value, list):
        return [_with_control_characters(v, n + i) for i, v in enumerate(value)]
    return value


def _poison(case: schemathesis.Case) -> Iterator[tuple[str, Any, set[int]]]:
    """(what, body, acceptable statuses) for the generated body: control characters in every
    text, and one field far over the body limit."""
    body = case.body
    refused = {400, 401, 403, 404, 405, 409, 422, 429}
    if isinstance(body, dict | list) and _with_control_characters(body) != body:
        yield "control characters", _with_control_characters(copy.deepcopy(body)), refused
    oversized = {"padding": "x" * 2_500_000}
    if isinstance(body, dict):
        oversized = {**body, "padding": "x" * 2_500_000}
    yield "oversized", oversized, {413}


@schema.include(method=["POST", "PUT"]).parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_poisoned_bodies_never_cause_a_server_error(case: schemathesis.Case) -> None:
    with UnitOfWork(WORLD.factory) as uow:
        web_session = AccountRepository(uow.session).open_session(WORLD.patient_a)
        uow.commit()
    if "patient_id" in (case.path_parameters or {}):
        case.path_parameters["patient_id"] = WORLD.patient_a.patient_id
    for what, body, expected in _poison(case):
        case.body = body
        case.media_type = "application/json"
        response = case.call(headers={"Authorization": f"Bearer {web_session.token}"})
        assert response.status_code in expected, (
            case.operation.label,
            what,
            response.status_code,
            response.text[:300],
            response.request.headers,
            (response.request.body or b"")[:100],
        )
        assert len(response.content) < 20_000, what
