"""Clinical entries on her record: DXA scans and labs (she or her clinician), FRAX results and
bone-directed therapy (her linked clinician only). Each is a read-modify-write of one section
under the record's write lock, validated as a whole record and audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import ValidationError

from bonewise.clinical.models import PatientRecord
from bonewise.services.access import Forbidden, InvalidInput, audit_write, check_access
from bonewise.store.accounts import User
from bonewise.store.uow import UnitOfWork


def add_dxa_scan(
    *, uow: UnitOfWork, actor: User, patient_id: str, scan: dict[str, Any], today: date
) -> PatientRecord:
    return _rewrite(
        uow=uow,
        actor=actor,
        patient_id=patient_id,
        today=today,
        section="dxa_scans",
        what=f"DXA scan of {scan.get('date')}",
        change=lambda old: ([*old, scan], [str(len(old))]),
    )


def add_lab(
    *, uow: UnitOfWork, actor: User, patient_id: str, lab: dict[str, Any], today: date
) -> PatientRecord:
    return _rewrite(
        uow=uow,
        actor=actor,
        patient_id=patient_id,
        today=today,
        section="labs",
        what=f"lab {lab.get('kind')} of {lab.get('date')}",
        change=lambda old: ([*old, lab], [str(len(old))]),
    )


# --- FRAX and bone-directed therapy: entered by her linked clinician only -----------------
Change = Callable[[Any], tuple[Any, list[str]]]


def _rewrite(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    today: date,
    section: str,
    what: str,
    change: Change,
    clinician_only: bool = False,
) -> PatientRecord:
    """Read-modify-write one section of her record under its write lock. `change` maps the
    stored section (as JSON) to the new one plus the location of the submitted entry in it,
    so validation errors point at what was submitted, not at the whole record."""
    with uow:
        check_access(uow, actor, patient_id, "write")
        if clinician_only and not actor.is_clinician:
            raise Forbidden(
                "only her linked clinician can enter FRAX results and bone-directed therapy"
            )
        patients = uow.patients
        data = patients.get_for_update(patient_id).model_dump(mode="json")
        new_section, submitted = change(data[section])
        try:
            record = PatientRecord.parse({**data, section: new_section}, today=today)
        except ValidationError as exc:
            errors = InvalidInput.from_pydantic(exc).errors
            own = [section, *submitted]
            for err in errors:
                loc = err["loc"]
                err["loc"] = ["body", *(loc[len(own) :] if loc[: len(own)] == own else loc)]
            raise InvalidInput(errors) from exc
        patients.save(record)
        audit_write(uow, actor, what=what, patient_id=patient_id)
        uow.commit()
        return record


def enter_frax(
    *, uow: UnitOfWork, actor: User, patient_id: str, frax: dict[str, Any], today: date
) -> PatientRecord:
    """Enter or replace her FRAX result (calculated outside bonewise, which never computes
    FRAX)."""
    return _rewrite(
        uow=uow,
        clinician_only=True,
        actor=actor,
        patient_id=patient_id,
        today=today,
        section="frax",
        what=f"FRAX result of {frax.get('date')}",
        change=lambda _old: (frax, []),
    )


def start_bone_therapy(
    *, uow: UnitOfWork, actor: User, patient_id: str, course: dict[str, Any], today: date
) -> PatientRecord:
    """Start a new course of a bone-directed agent (a start date and/or dose dates)."""
    _end_not_before_course(course)
    return _rewrite(
        uow=uow,
        clinician_only=True,
        actor=actor,
        patient_id=patient_id,
        today=today,
        section="bone_therapy",
        what=f"bone-directed therapy course started: {course.get('agent')}",
        change=lambda courses: ([*courses, course], [str(len(courses))]),
    )


def _end_not_before_course(course: dict[str, Any]) -> None:
    """A course given with its end date must not end before it started or before a dose."""
    try:
        end = date.fromisoformat(str(course.get("end_date")))
        dates = [date.fromisoformat(str(d)) for d in course.get("doses") or []]
        if course.get("start_date"):
            dates.append(date.fromisoformat(str(course["start_date"])))
    except (TypeError, ValueError):
        return  # no end date, or a malformed date: validation names the field
    if dates and end < max(dates):
        raise InvalidInput.field(
            "end_date", f"end date {end} is before the course's last date ({max(dates)})"
        )


def _course_or_raise(courses: list[dict[str, Any]], course: int) -> dict[str, Any]:
    if not 0 <= course < len(courses):
        allowed = f"0..{len(courses) - 1}" if courses else "none: start a course first"
        raise InvalidInput.field("course", f"no course {course} on record (courses: {allowed})")
    return courses[course]


def _day_or_raise(field: str, value: str | None, what: str) -> date:
    if value is None or not value.strip():
        raise InvalidInput.field(field, f"give {what} (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput.field(field, f"{value!r} is not a date; use YYYY-MM-DD") from exc


def add_bone_therapy_dose(
    *, uow: UnitOfWork, actor: User, patient_id: str, course: int, dose: str | None, today: date
) -> PatientRecord:
    """Add one dose date to an existing course (not twice, not after the course ended)."""
    day = _day_or_raise("date", dose, "the date the dose was given")

    def change(courses: list[dict[str, Any]]) -> tuple[Any, list[str]]:
        found = _course_or_raise(courses, course)
        given = [date.fromisoformat(d) for d in found["doses"]]
        if day in given:
            raise InvalidInput.field(
                "date", f"a dose on {day} is already recorded in course {course}"
            )
        end = found.get("end_date")
        if end is not None and day > date.fromisoformat(end):
            raise InvalidInput.field(
                "date", f"dose date {day} is after the course ended ({end}); start a new course"
            )
        changed = {**found, "doses": [*found["doses"], day.isoformat()]}
        return [changed if i == course else c for i, c in enumerate(courses)], [str(course)]

    try:
        return _rewrite(
            uow=uow,
            clinician_only=True,
            actor=actor,
            patient_id=patient_id,
            today=today,
            section="bone_therapy",
            what=f"bone-directed therapy dose of {day} (course {course})",
            change=change,
        )
    except InvalidInput as exc:  # the dose list's checks are about the submitted date
        for err in exc.errors:
            if err["loc"][:2] == ["body", "doses"]:
                err["loc"] = ["body", "date"]
        raise


def end_bone_therapy(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    course: int,
    end_date: str | None,
    today: date,
) -> PatientRecord:
    """End a course on `end_date` (not before its start or its last dose)."""
    day = _day_or_raise("end_date", end_date, "the date the course ended")

    def change(courses: list[dict[str, Any]]) -> tuple[Any, list[str]]:
        found = _course_or_raise(courses, course)
        if found.get("end_date") is not None:
            raise InvalidInput.field(
                "end_date", f"course {course} already ended on {found['end_date']}"
            )
        dates = [date.fromisoformat(d) for d in found["doses"]]
        if found.get("start_date"):
            dates.append(date.fromisoformat(found["start_date"]))
        if dates and day < max(dates):
            raise InvalidInput.field(
                "end_date", f"end date {day} is before the course's last date ({max(dates)})"
            )
        changed = {**found, "end_date": day.isoformat()}
        return [changed if i == course else c for i, c in enumerate(courses)], [str(course)]

    return _rewrite(
        uow=uow,
        clinician_only=True,
        actor=actor,
        patient_id=patient_id,
        today=today,
        section="bone_therapy",
        what=f"bone-directed therapy course {course} ended {day}",
        change=change,
    )
