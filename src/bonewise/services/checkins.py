"""Weekly check-in services: record her answers, her trend with the clinician flags, and the
flags for a clinician's panel. Each public function checks access and audits in one unit of
work; the `_in` helpers run inside a caller's open unit of work (dashboard, panel)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bonewise.clinical.checkin import (
    DEFAULT_POLICY,
    CheckIn,
    CheckInError,
    CheckInFlag,
    CheckInTrend,
    FlagPolicy,
    checkin_trend,
    new_checkin,
    trend_reads_from,
)
from bonewise.services.access import Actor, InvalidInput, audit_read, audit_write, check_access
from bonewise.store.uow import UnitOfWork

FIELDS = ("answered_on", "worst_pain", "stiffness", "missed_ai_days")


def parse_checkin(entry: dict[str, Any], *, today: date) -> CheckIn:
    """Her answers (form strings or JSON values) as a validated check-in; bad input raises
    InvalidInput naming the answer in her words."""
    raw_day = entry.get("answered_on") or today.isoformat()
    try:
        answered_on = raw_day if isinstance(raw_day, date) else date.fromisoformat(str(raw_day))
    except ValueError as exc:
        raise InvalidInput.field(
            "answered_on", f"{str(raw_day)[:40]!r} is not a date; use the form YYYY-MM-DD"
        ) from exc
    numbers: dict[str, int | None] = {}
    for name in ("worst_pain", "missed_ai_days"):
        value = entry.get(name)
        if value is None or str(value).strip() == "":
            numbers[name] = None
            continue
        try:
            numbers[name] = int(str(value).strip())
        except ValueError as exc:
            raise InvalidInput.field(
                name, f"{str(value)[:20]!r} is not a whole number; give a number such as 3"
            ) from exc
    pain = numbers["worst_pain"]
    if pain is None:
        raise InvalidInput.field("worst_pain", "give your worst joint pain, 0 (none) to 10")
    stiffness = str(entry.get("stiffness") or "").strip()
    if not stiffness:
        raise InvalidInput.field("stiffness", "choose how long your morning stiffness lasted")
    try:
        return new_checkin(
            answered_on=answered_on,
            today=today,
            worst_pain=pain,
            stiffness=stiffness,
            missed_ai_days=numbers["missed_ai_days"],
        )
    except CheckInError as exc:
        raise InvalidInput.field(exc.field, str(exc)) from exc


def record_checkin(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, entry: dict[str, Any], today: date
) -> CheckIn:
    """Validate and store her check-in (audited); InvalidInput stores nothing."""
    checkin = parse_checkin(entry, today=today)
    with uow:
        check_access(uow, actor, patient_id, "write")
        uow.checkins.add(patient_id=patient_id, checkin=checkin)
        audit_write(
            uow, actor, what=f"weekly check-in for {checkin.answered_on}", patient_id=patient_id
        )
        uow.commit()
    return checkin


def checkin_trend_in(
    *, uow: UnitOfWork, patient_id: str, today: date, policy: FlagPolicy = DEFAULT_POLICY
) -> CheckInTrend:
    """Inside an open unit of work, access already checked: her trend and flags."""
    found = uow.checkins.between(
        patient_id=patient_id, start=trend_reads_from(today, policy=policy), end=today
    )
    return checkin_trend(found, today=today, policy=policy)


def checkin_flags_in(
    *, uow: UnitOfWork, patient_ids: list[str], today: date, policy: FlagPolicy = DEFAULT_POLICY
) -> dict[str, tuple[CheckInFlag, ...]]:
    """Inside an open unit of work, access already checked: patient id -> her flags (one
    query for the whole panel; a patient without flags is left out)."""
    found = uow.checkins.for_patients(
        patient_ids, start=trend_reads_from(today, policy=policy), end=today
    )
    flags = {p: checkin_trend(cs, today=today, policy=policy).flags for p, cs in found.items()}
    return {p: f for p, f in flags.items() if f}


def trend(*, uow: UnitOfWork, actor: Actor, patient_id: str, today: date) -> CheckInTrend:
    with uow:
        check_access(uow, actor, patient_id, "read")
        found = checkin_trend_in(uow=uow, patient_id=patient_id, today=today)
        audit_read(uow, actor, patient_id, "weekly check-ins")
        uow.commit()
    return found


def all_checkins(*, uow: UnitOfWork, actor: Actor, patient_id: str, today: date) -> list[CheckIn]:
    """Every check-in she gave up to `today`, oldest first."""
    with uow:
        check_access(uow, actor, patient_id, "read")
        found = uow.checkins.between(patient_id=patient_id, end=today)
        audit_read(uow, actor, patient_id, "weekly check-ins")
        uow.commit()
    return found
