"""The service layer's calling convention (issue 16): keyword-only arguments, and an actor that
every caller names, so a forgotten actor is never audited silently as the local operator."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator

import bonewise.services as services_package

# access.py holds the in-unit-of-work helpers every service calls positionally (check_access,
# audit_write ...); views.py is the web's read cache over them. Neither is a door callers use.
HELPER_MODULES = {"access", "views"}


def _public_service_functions() -> Iterator[tuple[str, Callable[..., object]]]:
    for info in pkgutil.iter_modules(services_package.__path__):
        if info.name in HELPER_MODULES:
            continue
        module = importlib.import_module(f"bonewise.services.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and function.__module__ == module.__name__:
                yield f"{info.name}.{name}", function


def test_the_scan_sees_the_service_functions() -> None:
    names = {name for name, _ in _public_service_functions()}
    assert {"accounts.create_user", "reminders.send_due_reminders", "cds.store_feedback"} <= names


def test_no_service_function_defaults_its_actor() -> None:
    silent = [
        name
        for name, function in _public_service_functions()
        if (actor := inspect.signature(function).parameters.get("actor")) is not None
        and (actor.default is not inspect.Parameter.empty or actor.kind is not actor.KEYWORD_ONLY)
    ]
    assert silent == [], "name the actor at every call (keyword-only, no default): " + str(silent)


def test_every_service_function_takes_its_arguments_by_keyword() -> None:
    positional = [
        name
        for name, function in _public_service_functions()
        if "uow" in inspect.signature(function).parameters
        and any(
            p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            for p in inspect.signature(function).parameters.values()
        )
    ]
    assert positional == [], "make these keyword-only (`*, uow=...`): " + str(positional)
