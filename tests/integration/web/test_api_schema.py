"""schemathesis against /openapi.json, signed in as patient A (a fresh bearer session for every
case, so signing out in one case does not break the next): no server error, every status code
documented, every response matching its schema. `positive_data_acceptance` is excluded: data
that fits the schema can still be refused on purpose (future dates, another patient's record,
a clinician writing in her diary)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode

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
# Report rendering (WeasyPrint, seconds per call) is covered by test_reports.py instead.
schema = schemathesis.openapi.from_asgi("/openapi.json", WORLD.app).exclude(path_regex=r"/report$")


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
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
