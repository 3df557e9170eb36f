"""Who may read and write a record, and what the audit log says about it (no database)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from bonewise.services import access, patients, records
from bonewise.services.access import LOCAL_OPERATOR, Forbidden, InvalidInput
from bonewise.store.patients import PatientNotFound
from tests.unit.services.conftest import World

LAB = {"kind": "25_oh_vitamin_d", "date": "2026-01-05", "value": 31.0, "unit": "ng/mL"}


def test_a_patient_reads_her_own_record_and_her_read_is_not_audited(world: World) -> None:
    record = patients.read_record(uow=world.uow, actor=world.ann, patient_id="p-ann")
    assert record.id == "p-ann"
    assert world.uow.audit.entries == []


def test_a_patient_cannot_read_another_womans_record(world: World) -> None:
    with pytest.raises(Forbidden):
        patients.read_record(uow=world.uow, actor=world.ann, patient_id="p-bea")


def test_a_clinician_reads_only_linked_records_and_each_read_is_audited(world: World) -> None:
    patients.read_record(uow=world.uow, actor=world.lee, patient_id="p-ann")
    with pytest.raises(Forbidden):
        patients.read_record(uow=world.uow, actor=world.lee, patient_id="p-bea")
    with pytest.raises(Forbidden):
        patients.read_record(uow=world.uow, actor=world.roe, patient_id="p-ann")
    [entry] = world.uow.audit.entries
    assert (entry.actor_email, entry.action, entry.patient_id) == (
        "dr.lee@example.org",
        "read",
        "p-ann",
    )


def test_an_unknown_record_is_not_found_for_the_operator(world: World) -> None:
    with pytest.raises(PatientNotFound):
        patients.read_record(uow=world.uow, actor=LOCAL_OPERATOR, patient_id="p-nobody")


def test_a_write_is_audited_under_the_acting_user(world: World) -> None:
    records.add_lab(uow=world.uow, actor=world.ann, patient_id="p-ann", lab=LAB, today=date.today())
    assert world.uow.commits == 1
    [entry] = world.uow.audit.entries
    assert (entry.actor_email, entry.action) == ("ann@example.org", "write")
    assert "lab 25_oh_vitamin_d" in entry.what


def test_operator_writes_are_audited_as_the_local_operator(world: World) -> None:
    record = world.uow.patients.get_or_raise("p-bea")
    patients.store_record(uow=world.uow, actor=LOCAL_OPERATOR, record=record, what="patient file")
    [entry] = world.uow.audit.entries
    assert entry.actor_email == "local operator (CLI)"
    assert entry.actor_role == "operator"  # not "anonymous": the CLI user is known
    assert entry.what == "patient file replaced"


def test_the_operators_reads_and_writes_are_one_entry_but_for_the_action(world: World) -> None:
    patients.patient_ids(uow=world.uow, actor=LOCAL_OPERATOR)
    record = world.uow.patients.get_or_raise("p-bea")
    patients.store_record(uow=world.uow, actor=LOCAL_OPERATOR, record=record, what="patient file")
    read, write = world.uow.audit.entries
    assert (read.action, write.action) == ("read", "write")
    who = {(e.actor_email, e.actor_role) for e in (read, write)}
    assert who == {("local operator (CLI)", "operator")}


def test_one_function_writes_an_entry_by_name() -> None:
    """An actor without an account (the operator, a CDS client) is audited by name and role
    in access.audit_by_name alone: no service spells `actor_email=<actor>.audit_name` again."""
    services = Path(access.__file__).parent
    writers = [
        f"{path.name}:{function.name}"
        for path in sorted(services.glob("*.py"))
        for function in ast.walk(ast.parse(path.read_text()))
        if isinstance(function, ast.FunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.keyword)
        and node.arg == "actor_email"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "audit_name"
    ]
    assert writers == ["access.py:audit_by_name"]


def test_bad_input_stores_nothing_and_audits_nothing(world: World) -> None:
    before = world.uow.patients.records["p-ann"]
    with pytest.raises(InvalidInput) as raised:
        records.add_lab(
            uow=world.uow,
            actor=world.ann,
            patient_id="p-ann",
            lab={**LAB, "value": -5},
            today=date.today(),
        )
    assert raised.value.errors[0]["loc"][0] == "body"
    assert world.uow.patients.records["p-ann"] == before
    assert world.uow.audit.entries == []


def test_only_her_linked_clinician_enters_frax(world: World) -> None:
    frax = {"date": "2026-01-05", "major_osteoporotic_pct": 12.0, "hip_pct": 1.5}
    with pytest.raises(Forbidden):
        records.enter_frax(
            uow=world.uow, actor=world.ann, patient_id="p-ann", frax=frax, today=date.today()
        )
    assert world.uow.audit.entries == []
