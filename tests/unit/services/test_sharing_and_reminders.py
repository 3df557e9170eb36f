"""Stop sharing and her reminders, on the fake unit of work."""

from __future__ import annotations

from datetime import date

import pytest

from bonewise.clinical.assessment import assess
from bonewise.services import accounts, reminders
from bonewise.services.access import Forbidden

from .conftest import World

AS_OF = date(2026, 12, 1)


def test_stopping_a_share_unlinks_and_is_audited_once(world: World) -> None:
    uow = world.uow
    assert accounts.stop_sharing(uow=uow, actor=world.ann, clinician_email="DR.LEE@example.org")
    assert not uow.accounts.is_linked(clinician_id=world.lee.id, patient_id="p-ann")
    assert [e.what for e in uow.audit.for_patient("p-ann")] == [
        "stopped sharing record with dr.lee@example.org"
    ]
    assert not accounts.stop_sharing(uow=uow, actor=world.ann, clinician_email="dr.lee@example.org")
    assert uow.audit.count() == 1


def test_only_a_patient_stops_a_share(world: World) -> None:
    with pytest.raises(Forbidden):
        accounts.stop_sharing(uow=world.uow, actor=world.lee, clinician_email="ann@example.org")
    assert world.uow.accounts.is_linked(clinician_id=world.lee.id, patient_id="p-ann")


def test_her_reminders_follow_access_and_read_the_assessment(world: World) -> None:
    found = reminders.reminders_for(uow=world.uow, actor=world.lee, patient_id="p-ann", as_of=AS_OF)
    record = world.uow.patients.get_or_raise("p-ann")
    schedule = assess(record, as_of=AS_OF).monitoring
    assert {r.kind: r.due for r in found}["dxa"] == schedule.next_dxa_due
    with pytest.raises(Forbidden):
        reminders.reminders_for(uow=world.uow, actor=world.roe, patient_id="p-ann", as_of=AS_OF)
    with pytest.raises(Forbidden):
        reminders.create_calendar_feed(uow=world.uow, actor=world.lee)
