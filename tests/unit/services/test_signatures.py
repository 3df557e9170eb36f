"""The service layer's calling convention (issue 16): keyword-only arguments, and an actor that
every caller names, so a forgotten actor is never audited silently as the local operator.
Read from the source (ast), so the check imports nothing."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SERVICES = Path(__file__).parents[3] / "src" / "bonewise" / "services"
# access.py holds the in-unit-of-work helpers every service calls positionally (check_access,
# audit_write ...); views.py is the web's read cache over them. Neither is a door callers use.
HELPER_MODULES = {"access.py", "views.py"}


def _public_functions() -> Iterator[tuple[str, ast.arguments]]:
    for path in sorted(SERVICES.glob("*.py")):
        if path.name in HELPER_MODULES:
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not (
                node.name.startswith("_")
            ):
                yield f"{path.stem}.{node.name}", node.args


def test_the_scan_sees_the_service_functions() -> None:
    names = {name for name, _ in _public_functions()}
    assert {"accounts.create_user", "reminders.send_due_reminders", "cds.store_feedback"} <= names


def test_no_service_function_defaults_its_actor() -> None:
    silent = []
    for name, args in _public_functions():
        if any(a.arg == "actor" for a in [*args.posonlyargs, *args.args]):
            silent.append(name)  # positional: the actor could go unnamed
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if arg.arg == "actor" and default is not None:
                silent.append(name)
    assert silent == [], "name the actor at every call (keyword-only, no default): " + str(silent)


def test_every_service_function_takes_its_arguments_by_keyword() -> None:
    positional = [
        name
        for name, args in _public_functions()
        if any(a.arg == "uow" for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])
        and (args.posonlyargs or args.args)
    ]
    assert positional == [], "make these keyword-only (`*, uow=...`): " + str(positional)
