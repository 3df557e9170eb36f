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
SQL_WRITES = {"insert", "update", "delete", "text", "Table", "MetaData"}
# Modules outside the services that may read through a repository, each with its reason.
READERS = {
    "web/security.py": "looks up the signed-in session on every request (a read)",
}


def _outside_modules() -> list[Path]:
    return [
        p for p in sorted(PACKAGE.rglob("*.py")) if p.relative_to(PACKAGE).parts[0] not in INSIDE
    ]


def _units_of_work(tree: ast.AST) -> set[str]:
    """The names a unit of work goes by in this module: `uow`, `with UnitOfWork(...) as u`,
    and parameters annotated `UnitOfWork`."""
    names = {"uow"}
    for node in ast.walk(tree):
        if isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            call = node.context_expr
            if isinstance(call, ast.Call) and ast.unparse(call.func).endswith("UnitOfWork"):
                names.add(node.optional_vars.id)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            annotation = ast.unparse(node.annotation).strip("'\"")
            if annotation.endswith("UnitOfWork"):
                names.add(node.arg)
    return names


def _store_doors(tree: ast.AST) -> list[str]:
    """What in this module reaches into the store other than through a service."""
    found = []
    units = _units_of_work(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bonewise.store"):
            for alias in node.names:
                name = alias.name
                if name.endswith(("Repository", "Row")) or name in {"AuditLog", "Base"}:
                    found.append(f"line {node.lineno}: imports {node.module}.{name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            # SQL statements written around the repositories (a raw insert on an engine).
            for alias in node.names:
                if alias.name in SQL_WRITES:
                    found.append(f"line {node.lineno}: imports {node.module}.{alias.name}")
        elif isinstance(node, ast.Attribute):
            on_uow = isinstance(node.value, ast.Name) and node.value.id in units
            if on_uow and node.attr in {"session", *REPOSITORY_ATTRIBUTES}:
                found.append(f"line {node.lineno}: uses {ast.unparse(node)}")
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
        "from sqlalchemy import insert\n"
    )
    assert len(_store_doors(sneaky)) == 5


def test_the_scan_knows_a_unit_of_work_by_any_name() -> None:
    renamed = ast.parse(
        "with UnitOfWork(f) as unit:\n"
        "    unit.patients.save(r)\n"
        "def write(work: UnitOfWork) -> None:\n"
        "    work.diary.add_food(e)\n"
    )
    assert _store_doors(renamed) == ["line 2: uses unit.patients", "line 4: uses work.diary"]


def _constructions(tree: ast.AST) -> list[str]:
    return [
        f"line {node.lineno}: {ast.unparse(node.func)}(...)"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and ast.unparse(node.func).split(".")[-1].endswith(("Repository", "AuditLog", "Throttle"))
    ]


def test_only_the_unit_of_work_builds_repositories() -> None:
    """Issue 16: `uow.patients`, `uow.diary` ... instead of `XRepository(uow.session)`."""
    built = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("store/"):
            continue
        found = _constructions(ast.parse(path.read_text(), filename=str(path)))
        if found:
            built[relative] = found
    assert built == {}
