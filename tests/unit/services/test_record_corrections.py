"""Corrections with a trail: whoever may write an entry corrects or withdraws it with a reason;
the audit keeps who, when, the reason and the original; the record keeps only what stands."""

from __future__ import annotations

from datetime import date

import pytest

from bonewise.services import patients, records
from bonewise.services.access import Forbidden, InvalidInput
from tests.unit.services.conftest import World

TODAY = date.today()
VIT_D = "25_oh_vitamin_d"


def _vitamin_d_entry(world: World):
    return next(s for s in world.uow.patients.labs("p-ann") if s.entry.kind == VIT_D)


def test_she_corrects_her_lab_and_the_audit_keeps_the_original(world: World) -> None:
    found = _vitamin_d_entry(world)
    original = found.entry.model_dump(mode="json")
    fixed = {**original, "value": 28.0}
    records.correct_lab(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        entry_id=found.id,
        lab=fixed,
        reason="typed 18 instead of 28",
        today=TODAY,
    )
    record = patients.read_record(uow=world.uow, actor=world.ann, patient_id="p-ann")
    latest = record.latest_lab(VIT_D, on_or_before=TODAY)
    assert latest is not None and latest.value == 28.0
    assert all(lab.value != 18 for lab in record.labs if lab.kind == VIT_D)
    [entry] = world.uow.audit.entries
    assert entry.actor_email == "ann@example.org" and "corrected" in entry.what
    assert entry.detail["reason"] == "typed 18 instead of 28"
    assert entry.detail["original"] == original and entry.detail["corrected"]["value"] == 28.0


def test_a_withdrawn_lab_no_longer_feeds_decisions(world: World) -> None:
    found = _vitamin_d_entry(world)
    records.withdraw_lab(
        uow=world.uow,
        actor=world.lee,
        patient_id="p-ann",
        entry_id=found.id,
        reason="result belongs to another patient",
    )
    record = world.uow.patients.get_or_raise("p-ann")
    assert record.latest_lab(VIT_D, on_or_before=TODAY) is None
    [entry] = world.uow.audit.entries
    assert entry.detail["correction"] == "withdrawn"
    assert entry.detail["original"]["value"] == found.entry.value


@pytest.mark.parametrize("reason", [None, "", "  ", "x" * 501])
def test_a_correction_needs_a_bounded_reason(world: World, reason: str | None) -> None:
    found = _vitamin_d_entry(world)
    with pytest.raises(InvalidInput) as info:
        records.withdraw_lab(
            uow=world.uow, actor=world.ann, patient_id="p-ann", entry_id=found.id, reason=reason
        )
    assert info.value.errors[0]["loc"] == ["body", "reason"]
    assert len(str(info.value)) < 200
    assert world.uow.audit.entries == [] and world.uow.patients.labs("p-ann")


def test_nobody_else_corrects_her_entries(world: World) -> None:
    found = _vitamin_d_entry(world)
    for stranger in (world.bea, world.roe):
        with pytest.raises(Forbidden):
            records.withdraw_lab(
                uow=world.uow,
                actor=stranger,
                patient_id="p-ann",
                entry_id=found.id,
                reason="not mine",
            )
    with pytest.raises(InvalidInput, match="no lab result"):
        records.withdraw_lab(
            uow=world.uow, actor=world.ann, patient_id="p-ann", entry_id=10**6, reason="gone"
        )


def test_a_dxa_scan_is_corrected_then_withdrawn(world: World) -> None:
    [found] = world.uow.patients.dxa_scans("p-ann")
    data = found.entry.model_dump(mode="json")
    records.correct_dxa_scan(
        uow=world.uow,
        actor=world.ann,
        patient_id="p-ann",
        entry_id=found.id,
        scan={**data, "facility": "City Hospital"},
        reason="facility was missing",
        today=TODAY,
    )
    assert world.uow.patients.get_or_raise("p-ann").dxa_scans[0].facility == "City Hospital"
    records.withdraw_dxa_scan(
        uow=world.uow, actor=world.lee, patient_id="p-ann", entry_id=found.id, reason="duplicate"
    )
    assert world.uow.patients.get_or_raise("p-ann").dxa_scans == []
    corrected, withdrawn = world.uow.audit.entries
    assert corrected.detail["original"]["facility"] == data["facility"]
    assert withdrawn.detail["original"]["facility"] == "City Hospital"


def test_frax_is_corrected_and_withdrawn_by_her_clinician_only(world: World) -> None:
    frax = {"date": "2025-06-12", "major_osteoporotic_pct": 12.0, "hip_pct": 2.1}
    with pytest.raises(Forbidden):
        records.correct_frax(
            uow=world.uow,
            actor=world.ann,
            patient_id="p-ann",
            frax=frax,
            reason="wrong",
            today=TODAY,
        )
    record = records.correct_frax(
        uow=world.uow,
        actor=world.lee,
        patient_id="p-ann",
        frax=frax,
        reason="MOF was 12",
        today=TODAY,
    )
    assert record.frax is not None and record.frax.major_osteoporotic_pct == 12.0
    record = records.withdraw_frax(
        uow=world.uow, actor=world.lee, patient_id="p-ann", reason="entered twice", today=TODAY
    )
    assert record.frax is None
    first, second = world.uow.audit.entries
    assert first.detail["original"]["major_osteoporotic_pct"] == 14.0
    assert second.detail["original"]["major_osteoporotic_pct"] == 12.0


def test_a_dose_is_moved_or_withdrawn_and_never_before_its_course(world: World) -> None:
    records.start_bone_therapy(
        uow=world.uow,
        actor=world.lee,
        patient_id="p-ann",
        course={"agent": "denosumab", "start_date": "2025-07-01", "doses": ["2025-07-01"]},
        today=TODAY,
    )
    records.add_bone_therapy_dose(
        uow=world.uow, actor=world.lee, patient_id="p-ann", course=0, dose="2026-01-05", today=TODAY
    )
    with pytest.raises(InvalidInput) as info:
        records.correct_bone_therapy_dose(
            uow=world.uow,
            actor=world.lee,
            patient_id="p-ann",
            course=0,
            dose="2026-01-05",
            corrected="2025-06-01",
            reason="wrong year",
            today=TODAY,
        )
    assert "before the course started" in str(info.value)
    records.correct_bone_therapy_dose(
        uow=world.uow,
        actor=world.lee,
        patient_id="p-ann",
        course=0,
        dose="2026-01-05",
        corrected="2026-01-06",
        reason="given the next day",
        today=TODAY,
    )
    records.correct_bone_therapy_dose(
        uow=world.uow,
        actor=world.lee,
        patient_id="p-ann",
        course=0,
        dose="2026-01-06",
        corrected=None,
        reason="not given after all",
        today=TODAY,
    )
    [course] = world.uow.patients.get_or_raise("p-ann").bone_therapy
    assert [d.isoformat() for d in course.doses] == ["2025-07-01"]
    moved, withdrawn = world.uow.audit.entries[-2:]
    assert moved.detail["original"]["doses"] == ["2025-07-01", "2026-01-05"]
    assert withdrawn.detail["corrected"]["doses"] == ["2025-07-01"]


def test_a_course_start_is_corrected_then_the_course_withdrawn(world: World) -> None:
    records.start_bone_therapy(
        uow=world.uow,
        actor=world.lee,
        patient_id="p-ann",
        course={"agent": "zoledronic_acid", "start_date": "2025-08-01"},
        today=TODAY,
    )
    records.correct_bone_therapy_course(
        uow=world.uow,
        actor=world.lee,
        patient_id="p-ann",
        course=0,
        start_date="2025-08-02",
        end_date=None,
        reason="infusion day moved",
        today=TODAY,
    )
    [course] = world.uow.patients.get_or_raise("p-ann").bone_therapy
    assert course.started_on == date(2025, 8, 2)
    records.withdraw_bone_therapy_course(
        uow=world.uow,
        actor=world.lee,
        patient_id="p-ann",
        course=0,
        reason="wrong patient",
        today=TODAY,
    )
    assert world.uow.patients.get_or_raise("p-ann").bone_therapy == []
    assert world.uow.audit.entries[-1].detail["original"]["start_date"] == "2025-08-02"


def test_a_replaced_frax_result_stays_in_the_trail(world: World) -> None:
    frax = {"date": "2025-07-01", "major_osteoporotic_pct": 9.0, "hip_pct": 1.0}
    records.enter_frax(uow=world.uow, actor=world.lee, patient_id="p-ann", frax=frax, today=TODAY)
    [entry] = world.uow.audit.entries
    assert entry.detail["original"]["major_osteoporotic_pct"] == 14.0
