"""Clinical entries on her record: DXA scans and labs (she or her clinician), FRAX results and
bone-directed therapy (her linked clinician only). Each is a read-modify-write of one section
under the record's write lock, validated as a whole record and audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from bonewise.clinical.models import MAX_ENTRIES, BoneTherapy, DxaScan, Lab, PatientRecord
from bonewise.services.access import (
    Actor,
    Forbidden,
    InvalidInput,
    audit_read,
    audit_write,
    check_access,
)
from bonewise.store.accounts import User
from bonewise.store.patients import PatientRepository, Stored
from bonewise.store.uow import UnitOfWork


def add_dxa_scan(
    *, uow: UnitOfWork, actor: User, patient_id: str, scan: dict[str, Any], today: date
) -> Stored[DxaScan]:
    """Add one DXA scan: one row inserted, the rest of her record untouched (no record lock).
    Returns the scan as stored, with its entry id (what a correction names)."""
    with uow:
        check_access(uow, actor, patient_id, "write")
        header = uow.patients.get_document_or_raise(patient_id)
        checked = _one_entry(header, "dxa_scans", scan, today).dxa_scans[0]
        _room_for(uow.patients.count_dxa_scans(patient_id), "dxa_scans", "DXA scans")
        entry_id = uow.patients.add_dxa_scan(patient_id, checked)
        audit_write(uow, actor, what=f"DXA scan of {checked.date}", patient_id=patient_id)
        uow.commit()
    return Stored(entry_id, checked)


def add_lab(
    *, uow: UnitOfWork, actor: User, patient_id: str, lab: dict[str, Any], today: date
) -> Stored[Lab]:
    """Add one lab result: one row inserted, the rest of her record untouched (no record lock,
    and her other labs are not read). Returns the lab as stored, with its entry id."""
    with uow:
        check_access(uow, actor, patient_id, "write")
        header = uow.patients.get_document_or_raise(patient_id)
        checked = _one_entry(header, "labs", lab, today).labs[0]
        _room_for(uow.patients.count_labs(patient_id), "labs", "lab results")
        entry_id = uow.patients.add_lab(patient_id, checked)
        audit_write(uow, actor, what=f"lab {checked.kind} of {checked.date}", patient_id=patient_id)
        uow.commit()
    return Stored(entry_id, checked)


@dataclass(frozen=True)
class StoredEntries:
    """Her labs and DXA scans with the entry ids a correction names, in the record's order."""

    labs: list[Stored[Lab]]
    dxa_scans: list[Stored[DxaScan]]


def stored_entries(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, audited_as: str | None = None
) -> StoredEntries:
    """For the pages' Correct / Withdraw controls (the page's record read is audited: by the
    page, or here as `audited_as`, in the same transaction as the read)."""
    with uow:
        check_access(uow, actor, patient_id, "read")
        found = StoredEntries(uow.patients.labs(patient_id), uow.patients.dxa_scans(patient_id))
        if audited_as is not None:
            audit_read(uow, actor, patient_id, audited_as)
            uow.commit()
        return found


def _read_back(uow: UnitOfWork, patient_id: str) -> PatientRecord:
    """Her record as stored after a write (read in a transaction of its own, holding no lock)."""
    with uow:
        return uow.patients.get_or_raise(patient_id)


def _one_entry(header: PatientRecord, section: str, entry: Any, today: date) -> PatientRecord:
    """Validate one submitted entry against her record's document (birth date, today): her
    record as it would read with only this entry in `section`. Errors point at the entry."""
    data = header.model_dump(mode="json")
    try:
        return PatientRecord.parse({**data, section: [entry]}, today=today)
    except ValidationError as exc:
        raise _errors_at_entry(exc, [section, "0"]) from exc


def _errors_at_entry(exc: ValidationError, own: list[str]) -> InvalidInput:
    errors = InvalidInput.from_pydantic(exc).errors
    for err in errors:
        loc = err["loc"]
        err["loc"] = ["body", *(loc[len(own) :] if loc[: len(own)] == own else loc)]
    return InvalidInput(errors)


def _room_for(count: int, section: str, what: str) -> None:
    """Every list on her record is bounded (models.MAX_ENTRIES); rows are counted, not read."""
    limit = MAX_ENTRIES[section]
    if count >= limit:
        raise InvalidInput.field(
            "form", f"her record already holds {count} {what}, the most it can hold ({limit})"
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
    """Read-modify-write one section of her record's document under its write lock. `change`
    maps the stored section (as JSON) to the new one plus the location of the submitted entry
    in it, so validation errors point at what was submitted, not at the whole record."""
    with uow:
        check_access(uow, actor, patient_id, "write")
        if clinician_only:
            _clinician_only(actor)
        patients = uow.patients
        patients.lock(patient_id)
        data = patients.get_document_or_raise(patient_id).model_dump(mode="json")
        new_section, submitted = change(data[section])
        try:
            record = PatientRecord.parse({**data, section: new_section}, today=today)
        except ValidationError as exc:
            raise _errors_at_entry(exc, [section, *submitted]) from exc
        patients.save_document(record)
        replaced = data[section] if isinstance(data[section], dict) else None
        # a replaced FRAX result stays in the trail, as a corrected one does
        audit_write(
            uow,
            actor,
            what=what,
            patient_id=patient_id,
            detail={"original": replaced} if replaced else None,
        )
        uow.commit()
    return _read_back(uow, patient_id)


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
    """Start a new course of a bone-directed agent (a start date and/or dose dates): one course
    row inserted (no record lock: the course is checked on its own)."""
    _end_not_before_course(course)
    with uow:
        check_access(uow, actor, patient_id, "write")
        _clinician_only(actor)
        header = uow.patients.get_document_or_raise(patient_id)
        checked = _one_entry(header, "bone_therapy", course, today).bone_therapy[0]
        _room_for(
            len(uow.patients.bone_therapy(patient_id)), "bone_therapy", "bone-therapy courses"
        )
        uow.patients.add_course(patient_id, checked)
        audit_write(
            uow,
            actor,
            what=f"bone-directed therapy course started: {checked.agent}",
            patient_id=patient_id,
        )
        uow.commit()
    return _read_back(uow, patient_id)


def _clinician_only(actor: User) -> None:
    if not actor.is_clinician:
        raise Forbidden(
            "only her linked clinician can enter FRAX results and bone-directed therapy"
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


def _course_or_raise(courses: list[Stored[BoneTherapy]], course: int) -> Stored[BoneTherapy]:
    # `course` is the position on record, from 0 (the API's path); pages number from 1 and
    # only offer courses on record, so this message is for API clients
    if not 0 <= course < len(courses):
        allowed = f"0..{len(courses) - 1}" if courses else "none: start a course first"
        raise InvalidInput.field("course", f"no course {course} on record (courses: {allowed})")
    return courses[course]


def _day_or_raise(field: str, value: str | None, what: str) -> date:
    if value is None or not value.strip():
        raise InvalidInput.field(field, f"give {what} (YYYY-MM-DD)")
    if len(value) > 40:
        raise InvalidInput.field(field, f"{what}: give a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput.field(field, f"{value!r} is not a date; use YYYY-MM-DD") from exc


def _change_course(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    course: int,
    today: date,
    what: str,
    change: Callable[[BoneTherapy], dict[str, Any]],
) -> PatientRecord:
    """Read-modify-write of one course under the record's write lock (a dose is checked
    against its course, so two writers must not both read the old course)."""
    with uow:
        check_access(uow, actor, patient_id, "write")
        _clinician_only(actor)
        uow.patients.lock(patient_id)
        found = _course_or_raise(uow.patients.bone_therapy(patient_id), course)
        header = uow.patients.get_document_or_raise(patient_id)
        changed = change(found.entry)
        checked = _one_entry(header, "bone_therapy", changed, today).bone_therapy[0]
        uow.patients.replace_course(patient_id, found.id, checked)
        audit_write(uow, actor, what=what, patient_id=patient_id)
        uow.commit()
    return _read_back(uow, patient_id)


def add_bone_therapy_dose(
    *, uow: UnitOfWork, actor: User, patient_id: str, course: int, dose: str | None, today: date
) -> PatientRecord:
    """Add one dose date to an existing course (not twice, not after the course ended)."""
    day = _day_or_raise("date", dose, "the date the dose was given")

    def change(found: BoneTherapy) -> dict[str, Any]:
        if day in found.doses:
            raise InvalidInput.field(
                "date", f"a dose on {day} is already recorded in course {course + 1}"
            )
        if found.end_date is not None and day > found.end_date:
            raise InvalidInput.field(
                "date",
                f"dose date {day} is after the course ended ({found.end_date}); start a new course",
            )
        data = found.model_dump(mode="json")
        return {**data, "doses": [*data["doses"], day.isoformat()]}

    try:
        return _change_course(
            uow=uow,
            actor=actor,
            patient_id=patient_id,
            course=course,
            today=today,
            what=f"bone-directed therapy dose of {day} (course {course + 1})",
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

    def change(found: BoneTherapy) -> dict[str, Any]:
        if found.end_date is not None:
            raise InvalidInput.field(
                "end_date", f"course {course + 1} already ended on {found.end_date}"
            )
        dates = [*found.doses, *([found.start_date] if found.start_date else [])]
        if dates and day < max(dates):
            raise InvalidInput.field(
                "end_date", f"end date {day} is before the course's last date ({max(dates)})"
            )
        return {**found.model_dump(mode="json"), "end_date": day.isoformat()}

    return _change_course(
        uow=uow,
        actor=actor,
        patient_id=patient_id,
        course=course,
        today=today,
        what=f"bone-directed therapy course {course + 1} ended {day}",
        change=change,
    )


# --- corrections: whoever may write an entry may correct or withdraw it, with a reason -------
# The audit entry keeps who, when, the reason and the original value; the record (and so every
# decision) keeps only the corrected entry, or none once it is withdrawn.
MAX_REASON = 500


def _reason_or_raise(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if len(text) < 3:
        raise InvalidInput.field(
            "reason", "give the reason for the correction (for example: typed the wrong date)"
        )
    if len(text) > MAX_REASON:
        raise InvalidInput.field(
            "reason", f"the reason is too long: keep it to {MAX_REASON} characters"
        )
    return text


def _audit_correction(
    uow: UnitOfWork,
    actor: User,
    *,
    patient_id: str,
    what: str,
    entry_id: int | None,
    reason: str,
    original: Any,
    corrected: Any | None,
) -> None:
    audit_write(
        uow,
        actor,
        what=f"{what} {'corrected' if corrected is not None else 'withdrawn'}: {reason}",
        patient_id=patient_id,
        detail={
            "correction": "corrected" if corrected is not None else "withdrawn",
            "entry": what,
            "entry_id": entry_id,
            "reason": reason,
            "original": original,
            "corrected": corrected,
        },
    )


def _find(entries: list[Stored[Any]], entry_id: int, what: str) -> Stored[Any]:
    found = next((e for e in entries if e.id == entry_id), None)
    if found is None:
        raise InvalidInput.field("entry", f"no {what} {entry_id} on her record: reload the page")
    return found


@dataclass(frozen=True)
class _RowEntries:
    """How one kind of row entry (labs, DXA scans) is found, replaced and removed."""

    section: str
    what: str
    stored: Callable[[PatientRepository, str], list[Stored[Any]]]
    replace: Callable[[PatientRepository, str, int, Any], None]
    remove: Callable[[PatientRepository, str, int], None]
    label: Callable[[Any], str]


# Through the instance, so a repository that overrides these (the tests' fake) is used.
_LABS = _RowEntries(
    "labs",
    "lab result",
    lambda repo, pid: repo.labs(pid),
    lambda repo, pid, entry_id, lab: repo.replace_lab(pid, entry_id, lab),
    lambda repo, pid, entry_id: repo.remove_lab(pid, entry_id),
    lambda lab: f"lab {lab.kind} of {lab.date}",
)
_SCANS = _RowEntries(
    "dxa_scans",
    "DXA scan",
    lambda repo, pid: repo.dxa_scans(pid),
    lambda repo, pid, entry_id, scan: repo.replace_dxa_scan(pid, entry_id, scan),
    lambda repo, pid, entry_id: repo.remove_dxa_scan(pid, entry_id),
    lambda scan: f"DXA scan of {scan.date}",
)


def _correct_row(
    rows: _RowEntries,
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    entry_id: int,
    new: dict[str, Any] | None,
    reason: str | None,
    today: date,
) -> Stored[Any] | None:
    """Replace (new given) or withdraw (new None) one row entry, under the record lock so the
    original the audit keeps is the one replaced."""
    why = _reason_or_raise(reason)
    with uow:
        check_access(uow, actor, patient_id, "write")
        patients = uow.patients
        patients.lock(patient_id)
        found = _find(rows.stored(patients, patient_id), entry_id, rows.what)
        checked = None
        if new is None:
            rows.remove(patients, patient_id, entry_id)
        else:
            header = patients.get_document_or_raise(patient_id)
            checked = getattr(_one_entry(header, rows.section, new, today), rows.section)[0]
            rows.replace(patients, patient_id, entry_id, checked)
        _audit_correction(
            uow,
            actor,
            patient_id=patient_id,
            what=rows.label(found.entry),
            entry_id=entry_id,
            reason=why,
            original=found.entry.model_dump(mode="json"),
            corrected=checked.model_dump(mode="json") if checked is not None else None,
        )
        uow.commit()
    return Stored(entry_id, checked) if checked is not None else None


def correct_lab(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    entry_id: int,
    lab: dict[str, Any],
    reason: str | None,
    today: date,
) -> Stored[Lab]:
    """Replace one lab result (she or her linked clinician); the original goes to the audit."""
    done = _correct_row(
        _LABS,
        uow=uow,
        actor=actor,
        patient_id=patient_id,
        entry_id=entry_id,
        new=lab,
        reason=reason,
        today=today,
    )
    assert done is not None
    return done


def withdraw_lab(
    *, uow: UnitOfWork, actor: User, patient_id: str, entry_id: int, reason: str | None
) -> None:
    """Withdraw one lab result: it no longer feeds any decision; the audit keeps it."""
    _correct_row(
        _LABS,
        uow=uow,
        actor=actor,
        patient_id=patient_id,
        entry_id=entry_id,
        new=None,
        reason=reason,
        today=date.today(),
    )


def correct_dxa_scan(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    entry_id: int,
    scan: dict[str, Any],
    reason: str | None,
    today: date,
) -> Stored[DxaScan]:
    """Replace one DXA scan (she or her linked clinician); the original goes to the audit."""
    done = _correct_row(
        _SCANS,
        uow=uow,
        actor=actor,
        patient_id=patient_id,
        entry_id=entry_id,
        new=scan,
        reason=reason,
        today=today,
    )
    assert done is not None
    return done


def withdraw_dxa_scan(
    *, uow: UnitOfWork, actor: User, patient_id: str, entry_id: int, reason: str | None
) -> None:
    """Withdraw one DXA scan: it no longer feeds any decision; the audit keeps it."""
    _correct_row(
        _SCANS,
        uow=uow,
        actor=actor,
        patient_id=patient_id,
        entry_id=entry_id,
        new=None,
        reason=reason,
        today=date.today(),
    )


def correct_frax(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    frax: dict[str, Any],
    reason: str | None,
    today: date,
) -> PatientRecord:
    """Correct her FRAX result (her linked clinician); the original goes to the audit."""
    why = _reason_or_raise(reason)
    return _change_frax(
        uow=uow, actor=actor, patient_id=patient_id, frax=frax, reason=why, today=today
    )


def withdraw_frax(
    *, uow: UnitOfWork, actor: User, patient_id: str, reason: str | None, today: date
) -> PatientRecord:
    """Withdraw her FRAX result: decisions read no FRAX again until one is entered."""
    why = _reason_or_raise(reason)
    return _change_frax(
        uow=uow, actor=actor, patient_id=patient_id, frax=None, reason=why, today=today
    )


def _change_frax(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    frax: dict[str, Any] | None,
    reason: str,
    today: date,
) -> PatientRecord:
    with uow:
        check_access(uow, actor, patient_id, "write")
        _clinician_only(actor)
        uow.patients.lock(patient_id)
        data = uow.patients.get_document_or_raise(patient_id).model_dump(mode="json")
        if data.get("frax") is None:
            raise InvalidInput.field("entry", "there is no FRAX result on her record to correct")
        try:
            record = PatientRecord.parse({**data, "frax": frax}, today=today)
        except ValidationError as exc:
            raise _errors_at_entry(exc, ["frax"]) from exc
        uow.patients.save_document(record)
        _audit_correction(
            uow,
            actor,
            patient_id=patient_id,
            what=f"FRAX result of {data['frax']['date']}",
            entry_id=None,
            reason=reason,
            original=data["frax"],
            corrected=record.frax.model_dump(mode="json") if record.frax else None,
        )
        uow.commit()
    return _read_back(uow, patient_id)


def _change_course_entry(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    course: int,
    reason: str,
    today: date,
    what: str,
    change: Callable[[BoneTherapy], dict[str, Any] | None],
) -> None:
    """Correct (change returns the new course) or withdraw (None) course `course` (its
    position on record, from 0), under the record lock, with the original in the audit."""
    with uow:
        check_access(uow, actor, patient_id, "write")
        _clinician_only(actor)
        uow.patients.lock(patient_id)
        found = _course_or_raise(uow.patients.bone_therapy(patient_id), course)
        changed = change(found.entry)
        checked: BoneTherapy | None = None
        if changed is None:
            uow.patients.remove_course(patient_id, found.id)
        else:
            header = uow.patients.get_document_or_raise(patient_id)
            checked = _one_entry(header, "bone_therapy", changed, today).bone_therapy[0]
            uow.patients.replace_course(patient_id, found.id, checked)
        _audit_correction(
            uow,
            actor,
            patient_id=patient_id,
            what=what,
            entry_id=found.id,
            reason=reason,
            original=found.entry.model_dump(mode="json"),
            corrected=checked.model_dump(mode="json") if checked is not None else None,
        )
        uow.commit()


def correct_bone_therapy_course(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    course: int,
    start_date: str | None,
    end_date: str | None,
    reason: str | None,
    today: date,
) -> None:
    """Correct a course's start and end dates (empty: not known / still going)."""
    why = _reason_or_raise(reason)
    start = _day_or_raise("start_date", start_date, "the start date") if start_date else None
    end = _day_or_raise("end_date", end_date, "the end date") if end_date else None

    def change(found: BoneTherapy) -> dict[str, Any]:
        dates = [*found.doses, *([start] if start else [])]
        if end is not None and dates and end < max(dates):
            raise InvalidInput.field(
                "end_date", f"end date {end} is before the course's last date ({max(dates)})"
            )
        return {
            **found.model_dump(mode="json"),
            "start_date": start.isoformat() if start else None,
            "end_date": end.isoformat() if end else None,
        }

    _change_course_entry(
        uow=uow,
        actor=actor,
        patient_id=patient_id,
        course=course,
        reason=why,
        today=today,
        what=f"bone-directed therapy course {course + 1}",
        change=change,
    )


def withdraw_bone_therapy_course(
    *, uow: UnitOfWork, actor: User, patient_id: str, course: int, reason: str | None, today: date
) -> None:
    """Withdraw a whole course (entered for the wrong patient, say), with its doses."""
    why = _reason_or_raise(reason)
    _change_course_entry(
        uow=uow,
        actor=actor,
        patient_id=patient_id,
        course=course,
        reason=why,
        today=today,
        what=f"bone-directed therapy course {course + 1}",
        change=lambda _found: None,
    )


def correct_bone_therapy_dose(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    course: int,
    dose: str | None,
    corrected: str | None,
    reason: str | None,
    today: date,
) -> None:
    """Move one dose of a course to its right date, or withdraw it (`corrected` None)."""
    why = _reason_or_raise(reason)
    day = _day_or_raise("dose", dose, "the dose date to correct")
    new = _day_or_raise("corrected", corrected, "the right date") if corrected is not None else None

    def change(found: BoneTherapy) -> dict[str, Any]:
        if day not in found.doses:
            raise InvalidInput.field("dose", f"course {course + 1} has no dose on {day}")
        doses = [d for d in found.doses if d != day]
        if new is not None:
            if new in doses:
                raise InvalidInput.field(
                    "corrected", f"a dose on {new} is already recorded in course {course + 1}"
                )
            if found.end_date is not None and new > found.end_date:
                raise InvalidInput.field(
                    "corrected", f"{new} is after the course ended ({found.end_date})"
                )
            doses.append(new)
        if not doses and found.start_date is None:
            raise InvalidInput.field(
                "dose", "this is the course's only date: withdraw the course instead"
            )
        return {**found.model_dump(mode="json"), "doses": [d.isoformat() for d in sorted(doses)]}

    try:
        _change_course_entry(
            uow=uow,
            actor=actor,
            patient_id=patient_id,
            course=course,
            reason=why,
            today=today,
            what=f"bone-directed therapy dose of {day} (course {course + 1})",
            change=change,
        )
    except InvalidInput as exc:  # the course's checks are about the corrected date
        for err in exc.errors:
            if err["loc"][:2] == ["body", "doses"] or err["loc"] == ["body"]:
                err["loc"] = ["body", "corrected"]
        raise
