"""The Correct / Withdraw controls on the DXA-and-labs, FRAX and bone-therapy pages: a reason is
required, the page says whom it writes for, the audit log keeps the original."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bonewise.services import records
from bonewise.store.uow import UnitOfWork

from .conftest import World


def _lab_ids(world: World, pid: str) -> dict[str, int]:
    with UnitOfWork(world.factory) as uow:
        return {s.entry.kind: s.id for s in uow.patients.labs(pid)}


def test_she_corrects_a_lab_with_a_reason_and_the_audit_keeps_the_original(
    sqlite_world: World,
) -> None:
    ann = sqlite_world.actor("patient_a")
    pid = str(sqlite_world.patient_a.patient_id)
    entry = _lab_ids(sqlite_world, pid)["25_oh_vitamin_d"]
    page = ann.client.get(f"/patients/{pid}/dxa").text
    assert f'action="/patients/{pid}/labs/{entry}/correct"' in page
    assert "Reason for the change" in page
    form = {
        "csrf_token": ann.csrf,
        "lab_test": "25_oh_vitamin_d|ng/mL",
        "lab_date": "2025-06-01",
        "lab_value": "28",
        "action": "correct",
    }
    refused = ann.client.post(f"/patients/{pid}/labs/{entry}/correct", data=form)
    assert refused.status_code == 422 and "give the reason" in refused.text
    record = ann.client.get(f"/api/v1/patients/{pid}").json()
    assert 28.0 not in [lab["value"] for lab in record["labs"]]

    done = ann.client.post(
        f"/patients/{pid}/labs/{entry}/correct", data={**form, "reason": "typed 18, report says 28"}
    )
    assert done.status_code == 303
    record = ann.client.get(f"/api/v1/patients/{pid}").json()
    vitamin_d = [lab for lab in record["labs"] if lab["kind"] == "25_oh_vitamin_d"]
    assert [lab["value"] for lab in vitamin_d] == [28.0]
    audit = ann.client.get(f"/patients/{pid}/audit").text
    assert "typed 18, report says 28" in audit


def test_a_withdrawn_lab_leaves_the_record(sqlite_world: World) -> None:
    doctor = sqlite_world.actor("linked_clinician")
    pid = str(sqlite_world.patient_a.patient_id)
    entry = _lab_ids(sqlite_world, pid)["serum_calcium"]
    response = doctor.client.post(
        f"/patients/{pid}/labs/{entry}/correct",
        data={"csrf_token": doctor.csrf, "action": "withdraw", "reason": "another patient's"},
    )
    assert response.status_code == 303
    assert "serum_calcium" not in _lab_ids(sqlite_world, pid)


def test_courses_are_numbered_from_1_and_started_reads_the_same_for_both(
    sqlite_world: World,
) -> None:
    pid = str(sqlite_world.patient_a.patient_id)
    start = (date.today() - timedelta(days=40)).isoformat()
    first_dose = (date.today() - timedelta(days=20)).isoformat()
    records.start_bone_therapy(
        uow=UnitOfWork(sqlite_world.factory),
        actor=sqlite_world.linked,
        patient_id=pid,
        course={"agent": "denosumab", "start_date": start, "doses": [first_dose]},
        today=date.today(),
    )
    doctor = sqlite_world.actor("linked_clinician")
    clinician_page = doctor.client.get(f"/patients/{pid}/bone-therapy").text
    patient_page = sqlite_world.actor("patient_a").client.get(f"/patients/{pid}/bone-therapy").text
    assert re.search(r"<tr><td>1</td><td>Denosumab</td><td>" + start, clinician_page)
    assert f"<tr><td>{start}</td>" in patient_page
    assert "Correct or withdraw course 1" in clinician_page
    assert "Saves to the record of" in clinician_page

    moved = doctor.client.post(
        f"/patients/{pid}/bone-therapy/0/doses/correct",
        data={
            "csrf_token": doctor.csrf,
            "dose": first_dose,
            "corrected": (date.today() - timedelta(days=50)).isoformat(),
            "action": "correct",
            "reason": "wrong month",
        },
    )
    assert moved.status_code == 422 and "before the course started" in moved.text
