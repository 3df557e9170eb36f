"""One door to the store: only `bonewise.services` (and the store itself) touches repositories,
sessions and commits. The web routers and the CLI call services, which authorise and audit.

Read from the source (AST), so a new module that writes around the services fails here."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[3] / "src" / "bonewise"
INSIDE = ("services", "store")
REPOSITORY_ATTRIBUTES = {
    "patients",
    "accounts",
    "audit",
    "throttle",
    "diary",
    "foods",
    "exercise",
    "cds",
    "checkins",
}
# Modules outside the services that may read through a repository, each with its reason.
READERS = {
    "web/security.py": "looks up the signed-in session on every request (a read)",
}


def _outside_modules() -> list[Path]:
    return [
        p for p in sorted(PACKAGE.rglob("*.py")) if p.relative_to(PACKAGE).parts[0] not in INSIDE
    ]


def _store_doors(tree: ast.AST) -> list[str]:
    """What in this module reaches into the store other than through a service."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bonewise.store"):
            for alias in node.names:
                name = alias.name
                if name.endswith(("Repository", "Row")) or name in {"AuditLog", "Base"}:
                    found.append(f"line {node.lineno}: imports {node.module}.{name}")
        elif isinstance(node, ast.Attribute):
            on_uow = isinstance(node.value, ast.Name) and node.value.id == "uow"
            if on_uow and node.attr in {"session", *REPOSITORY_ATTRIBUTES}:
                found.append(f"line {node.lineno}: uses uow.{node.attr}")
            if node.attr == "commit":
                found.append(f"line {node.lineno}: commits")
    return found


def test_only_services_and_the_store_reach_repositories_sessions_and_commits() -> None:
    offenders = {}
    for path in _outside_modules():
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in READERS or "migrations" in path.parts:
            continue
        doors = _store_doors(ast.parse(path.read_text(), filename=str(path)))
        if doors:
            offenders[relative] = doors
    assert offenders == {}, "write through bonewise.services instead:\n" + "\n".join(
        f"{m}: {'; '.join(d)}" for m, d in offenders.items()
    )


def test_the_readers_allowed_outside_the_services_do_not_write() -> None:
    writes = {
        "save",
        "add",
        "add_food",
        "add_supplement",
        "remove",
        "link",
        "unlink",
        "attach_patient",
        "create_user",
        "record",
        "save_all",
        "commit",
        "flush",
        "delete",
    }
    for relative in READERS:
        tree = ast.parse((PACKAGE / relative).read_text())
        called = {
            n.func.attr
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        }
        assert not called & writes, f"{relative} calls {sorted(called & writes)}"


def test_the_scan_finds_a_module_that_writes_around_the_services() -> None:
    sneaky = ast.parse(
        "from bonewise.store.patients import PatientRepository\n"
        "with UnitOfWork(f) as uow:\n"
        "    PatientRepository(uow.session).save(r)\n"
        "    uow.patients.save(r)\n"
        "    uow.commit()\n"
    )
    assert len(_store_doors(sneaky)) == 4
