"""Service functions the pages and the JSON API share: access rules, audit, one unit of work each.

Every function is keyword-only, opens its own unit of work and commits once at the end, so a
request that fails (validation, access) leaves the store exactly as it was. Access rules:
a patient sees and changes only her own record; a clinician sees and changes only the records
of patients linked to her. Every clinician read and every write is written to the audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from bonewise.clinical.assessment import Assessment, assess
from bonewise.clinical.models import PatientRecord
from bonewise.nutrition.targets import check_age
from bonewise.render.banner import PatientBanner, patient_banner_for
from bonewise.store.accounts import (
    AccountError,
    AccountRepository,
    AuditEntry,
    AuditLog,
    User,
    WebSession,
)
from bonewise.store.patients import PatientNotFound, PatientRepository
from bonewise.store.uow import UnitOfWork
from bonewise.web.panel import PanelRow, panel_row, sort_by_urgency
from bonewise.web.security import Forbidden, LoginRateLimiter

Factory = sessionmaker[Session]
Access = Literal["read", "write"]


class InvalidInput(ValueError):
    """Input that failed validation; `errors` use FastAPI's shape: loc, msg, type, input."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))
        self.errors = errors

    @classmethod
    def from_pydantic(cls, exc: ValidationError, *, prefix: tuple[str, ...] = ()) -> InvalidInput:
        errors = []
        for err in exc.errors(include_url=False):
            value = err.get("input")
            shown = value if isinstance(value, str | int | float | bool) or value is None else None
            errors.append(
                {
                    "loc": [*prefix, *map(str, err["loc"])],
                    "msg": f"{err['msg']} (got {value!r})" if shown is not None else err["msg"],
                    "type": err["type"],
                }
            )
        return cls(errors)

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls([{"loc": ["body", field], "msg": message, "type": "value_error"}])


class InvalidCredentials(Exception):
    def __init__(self) -> None:
        super().__init__("e-mail or password not recognised")


class NoRecordYet(LookupError):
    """A patient account that has not completed onboarding."""


# --- access --------------------------------------------------------------------------------
def _authorize(uow: UnitOfWork, actor: User, patient_id: str, access: Access) -> None:
    if actor.role == "patient":
        if actor.patient_id is None or actor.patient_id != patient_id:
            raise Forbidden()
    elif not AccountRepository(uow.session).is_linked(clinician_id=actor.id, patient_id=patient_id):
        raise Forbidden()
    if not PatientRepository(uow.session).exists(patient_id):
        raise PatientNotFound(patient_id)


def authorize(factory: Factory, *, actor: User, patient_id: str, access: Access) -> None:
    """Raise Forbidden (or PatientNotFound) unless `actor` may `access` this patient."""
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, access)


def _audit_read(uow: UnitOfWork, actor: User, patient_id: str, what: str) -> None:
    if actor.is_clinician:
        AuditLog(uow.session).record(actor=actor, action="read", what=what, patient_id=patient_id)


# --- accounts ------------------------------------------------------------------------------
def sign_up_patient(factory: Factory, *, email: str, name: str, password: str) -> User:
    with UnitOfWork(factory) as uow:
        try:
            user = AccountRepository(uow.session).create_user(
                email=email, name=name, role="patient", password=password
            )
        except AccountError as exc:
            raise InvalidInput.field(exc.field, str(exc).split(": ", 1)[1]) from exc
        AuditLog(uow.session).record(
            actor=user, action="write", what="account created", patient_id=None
        )
        uow.commit()
        return user


def create_user(factory: Factory, *, email: str, name: str, role: str, password: str) -> User:
    """Create an account of either role (the CLI and the demo use this for clinicians)."""
    with UnitOfWork(factory) as uow:
        user = AccountRepository(uow.session).create_user(
            email=email, name=name, role=role, password=password
        )
        AuditLog(uow.session).record(
            actor=user, action="write", what="account created", patient_id=None
        )
        uow.commit()
        return user


def sign_in(
    factory: Factory, *, email: str, password: str, client: str, limiter: LoginRateLimiter
) -> WebSession:
    limiter.check(email=email, client=client)
    with UnitOfWork(factory) as uow:
        accounts = AccountRepository(uow.session)
        user = accounts.authenticate(email=email, password=password)
        if user is None:
            limiter.failed(email=email, client=client)
            AuditLog(uow.session).record(
                actor=None,
                actor_email=email[:254],
                action="login-fail",
                what="sign-in refused",
                patient_id=None,
            )
            uow.commit()
            raise InvalidCredentials()
        limiter.succeeded(email=email)
        accounts.purge_expired_sessions()
        web_session = accounts.open_session(user)
        AuditLog(uow.session).record(
            actor=user, action="login", what="signed in", patient_id=user.patient_id
        )
        uow.commit()
        return web_session


def sign_out(factory: Factory, *, token: str) -> None:
    with UnitOfWork(factory) as uow:
        AccountRepository(uow.session).close_session(token)
        uow.commit()


def share_with_clinician(factory: Factory, *, actor: User, clinician_email: str) -> User:
    """A patient links her record to a clinician's account (found by e-mail)."""
    if actor.is_clinician or actor.patient_id is None:
        raise Forbidden("only a patient with a record can share it")
    with UnitOfWork(factory) as uow:
        accounts = AccountRepository(uow.session)
        clinician = accounts.find_by_email(clinician_email)
        if clinician is None or not clinician.is_clinician:
            raise InvalidInput.field(
                "clinician_email", f"{clinician_email!r} is not a clinician account in bonewise"
            )
        accounts.link(clinician_id=clinician.id, patient_id=actor.patient_id)
        AuditLog(uow.session).record(
            actor=actor,
            action="write",
            what=f"shared record with {clinician.email}",
            patient_id=actor.patient_id,
        )
        uow.commit()
        return clinician


def link_clinician(factory: Factory, *, clinician_email: str, patient_id: str) -> None:
    """Administrative link (CLI/demo): the clinician may then see this patient."""
    with UnitOfWork(factory) as uow:
        accounts = AccountRepository(uow.session)
        clinician = accounts.find_by_email(clinician_email)
        if clinician is None:
            raise InvalidInput.field("clinician_email", f"no account {clinician_email!r}")
        PatientRepository(uow.session).get_or_raise(patient_id)
        accounts.link(clinician_id=clinician.id, patient_id=patient_id)
        AuditLog(uow.session).record(
            actor=None,
            actor_email="administrator",
            action="write",
            what=f"linked clinician {clinician.email}",
            patient_id=patient_id,
        )
        uow.commit()


def current_user(factory: Factory, *, user_id: int) -> User:
    with UnitOfWork(factory) as uow:
        return AccountRepository(uow.session).get_or_raise(user_id)


# --- patient record --------------------------------------------------------------------------
def read_record(factory: Factory, *, actor: User, patient_id: str) -> PatientRecord:
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "read")
        record = PatientRepository(uow.session).get_or_raise(patient_id)
        _audit_read(uow, actor, patient_id, "patient record")
        uow.commit()
        return record


def _parse(data: dict[str, Any], today: date) -> PatientRecord:
    try:
        return PatientRecord.parse(data, today=today)
    except ValidationError as exc:
        raise InvalidInput.from_pydantic(exc, prefix=("body",)) from exc


def save_profile(
    factory: Factory,
    *,
    actor: User,
    patient_id: str | None,
    profile: dict[str, Any],
    today: date,
) -> PatientRecord:
    """Create or update profile, therapy and risk factors. `patient_id=None`: a patient's
    first onboarding, which creates her record and attaches it to her account."""
    allowed = {"patient", "therapy", "risk_factors"}
    unknown = set(profile) - allowed
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], f"unknown section; allowed: {sorted(allowed)}")
    with UnitOfWork(factory) as uow:
        patients = PatientRepository(uow.session)
        if patient_id is None:
            if actor.is_clinician:
                raise Forbidden("clinicians open a patient's record through the panel")
            if actor.patient_id is not None:
                patient_id = actor.patient_id
                existing: dict[str, Any] = patients.get_for_update(patient_id).model_dump(
                    mode="json"
                )
            else:
                patient_id = f"p-{secrets.token_hex(6)}"
                existing = {"id": patient_id}
        else:
            _authorize(uow, actor, patient_id, "write")
            existing = patients.get_for_update(patient_id).model_dump(mode="json")
        record = _parse({**existing, **profile, "id": patient_id}, today)
        try:  # the adult range the nutrition targets (and bonewise) are built for
            check_age(record.patient.age_on(today))
        except ValueError as exc:
            raise InvalidInput(
                [
                    {
                        "loc": ["body", "patient", "birth_date"],
                        "msg": f"birth date {record.patient.birth_date}: {exc}",
                        "type": "value_error",
                    }
                ]
            ) from exc
        patients.save(record)
        if actor.role == "patient" and actor.patient_id is None:
            AccountRepository(uow.session).attach_patient(user_id=actor.id, patient_id=patient_id)
        AuditLog(uow.session).record(
            actor=actor,
            action="write",
            what="profile, therapy and risk factors",
            patient_id=patient_id,
            detail={"sections": sorted(profile)},
        )
        uow.commit()
        return record


def add_dxa_scan(
    factory: Factory, *, actor: User, patient_id: str, scan: dict[str, Any], today: date
) -> PatientRecord:
    return _rewrite(
        factory,
        actor=actor,
        patient_id=patient_id,
        today=today,
        section="dxa_scans",
        what=f"DXA scan of {scan.get('date')}",
        change=lambda old: ([*old, scan], [str(len(old))]),
    )


def add_lab(
    factory: Factory, *, actor: User, patient_id: str, lab: dict[str, Any], today: date
) -> PatientRecord:
    return _rewrite(
        factory,
        actor=actor,
        patient_id=patient_id,
        today=today,
        section="labs",
        what=f"lab {lab.get('kind')} of {lab.get('date')}",
        change=lambda old: ([*old, lab], [str(len(old))]),
    )


# --- FRAX and bone-directed therapy: entered by her linked clinician only -----------------
Change = Callable[[Any], tuple[Any, list[str]]]


def _authorize_clinician_write(uow: UnitOfWork, actor: User, patient_id: str) -> None:
    """FRAX results and bone-directed therapy are clinical entries: her linked clinician makes
    them; the patient herself may read them but not change them."""
    _authorize(uow, actor, patient_id, "write")
    if not actor.is_clinician:
        raise Forbidden(
            "only her linked clinician can enter FRAX results and bone-directed therapy"
        )


def _rewrite(
    factory: Factory,
    *,
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
    with UnitOfWork(factory) as uow:
        if clinician_only:
            _authorize_clinician_write(uow, actor, patient_id)
        else:
            _authorize(uow, actor, patient_id, "write")
        patients = PatientRepository(uow.session)
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
        AuditLog(uow.session).record(actor=actor, action="write", what=what, patient_id=patient_id)
        uow.commit()
        return record


def enter_frax(
    factory: Factory, *, actor: User, patient_id: str, frax: dict[str, Any], today: date
) -> PatientRecord:
    """Enter or replace her FRAX result (calculated outside bonewise, which never computes
    FRAX)."""
    return _rewrite(
        factory,
        clinician_only=True,
        actor=actor,
        patient_id=patient_id,
        today=today,
        section="frax",
        what=f"FRAX result of {frax.get('date')}",
        change=lambda _old: (frax, []),
    )


def start_bone_therapy(
    factory: Factory, *, actor: User, patient_id: str, course: dict[str, Any], today: date
) -> PatientRecord:
    """Start a new course of a bone-directed agent (a start date and/or dose dates)."""
    _end_not_before_course(course)
    return _rewrite(
        factory,
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
    factory: Factory, *, actor: User, patient_id: str, course: int, dose: str | None, today: date
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
            factory,
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
    factory: Factory,
    *,
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
        factory,
        clinician_only=True,
        actor=actor,
        patient_id=patient_id,
        today=today,
        section="bone_therapy",
        what=f"bone-directed therapy course {course} ended {day}",
        change=change,
    )


def audit_trail(factory: Factory, *, actor: User, patient_id: str) -> list[AuditEntry]:
    """The audit log of one record: the patient sees who read or changed her record."""
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "read")
        _audit_read(uow, actor, patient_id, "audit log")
        uow.commit()
        return AuditLog(uow.session).for_patient(patient_id)


@dataclass(frozen=True, slots=True)
class CareTeam:
    clinicians: list[User]


def care_team(factory: Factory, *, actor: User, patient_id: str) -> CareTeam:
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "read")
        return CareTeam(AccountRepository(uow.session).clinicians_of(patient_id))


def linked_patient_ids(factory: Factory, *, actor: User) -> list[str]:
    if not actor.is_clinician:
        raise Forbidden("the panel is for clinicians")
    with UnitOfWork(factory) as uow:
        return AccountRepository(uow.session).linked_patient_ids(actor.id)


# --- assessment and the clinician panel ----------------------------------------------------
def assessment_for(
    factory: Factory, *, actor: User, patient_id: str, as_of: date
) -> tuple[PatientRecord, Assessment]:
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "read")
        record = PatientRepository(uow.session).get_or_raise(patient_id)
        _audit_read(uow, actor, patient_id, "assessment")
        uow.commit()
    try:  # evaluate only within her adult life (the ages bonewise's targets cover)
        check_age(record.patient.age_on(as_of))
    except ValueError as exc:
        raise InvalidInput(
            [
                {
                    "loc": ["query", "as_of"],
                    "type": "value_error",
                    "msg": f"{as_of.isoformat()}: {exc}",
                }
            ]
        ) from exc
    try:
        return record, assess(record, as_of=as_of)
    except (ValueError, OverflowError) as exc:
        if as_of == date.today():
            raise  # today's assessment must never fail quietly
        raise InvalidInput(
            [
                {
                    "loc": ["query", "as_of"],
                    "type": "value_error",
                    "msg": f"cannot evaluate on {as_of.isoformat()}: {exc}",
                }
            ]
        ) from exc


def clinician_panel(factory: Factory, *, actor: User, as_of: date) -> list[PanelRow]:
    """The clinician's linked patients, most urgent first (each listing is an audited read)."""
    if not actor.is_clinician:
        raise Forbidden("the panel is for clinicians")
    rows = []
    with UnitOfWork(factory) as uow:
        accounts = AccountRepository(uow.session)
        patients = PatientRepository(uow.session)
        for patient_id in accounts.linked_patient_ids(actor.id):
            record = patients.get_or_raise(patient_id)
            owner = accounts.owner_of(patient_id)
            rows.append(
                panel_row(
                    record,
                    assess(record, as_of=as_of),
                    name=owner.name if owner else patient_id,
                )
            )
            _audit_read(uow, actor, patient_id, "panel summary")
        uow.commit()
    return sort_by_urgency(rows)


def patient_name(factory: Factory, *, actor: User, patient_id: str) -> str:
    """The name on the account that owns this record (its id when no account owns it)."""
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "read")
        owner = AccountRepository(uow.session).owner_of(patient_id)
        return owner.name if owner else patient_id


def report(
    factory: Factory,
    *,
    actor: User,
    patient_id: str,
    audience: Literal["patient", "clinician"],
    fmt: Literal["pdf", "html"],
    page_size: Literal["a4", "letter"],
    today: date,
) -> bytes:
    """Her report as PDF or HTML. A patient gets the patient report (it never gives drug or
    dose advice); the clinician summary is for her linked clinicians."""
    from bonewise.services.reports import render_stored_report

    if audience == "clinician" and not actor.is_clinician:
        raise Forbidden("the clinician summary is for her care team; choose the patient report")
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "read")
        _audit_read(uow, actor, patient_id, f"{audience} report ({fmt})")
        owner = AccountRepository(uow.session).owner_of(patient_id)
        uow.commit()
    return render_stored_report(
        factory,
        patient_id=patient_id,
        patient_name=owner.name if owner else None,
        audience=audience,
        as_of=today,
        fmt=fmt,
        page_size=page_size,
    )


def patient_banner(factory: Factory, *, actor: User, patient_id: str, as_of: date) -> PatientBanner:
    """Who this record belongs to (name, date of birth, age, record number) for the banner
    every clinician page and report carries; a read of the record like `patient_name`."""
    with UnitOfWork(factory) as uow:
        _authorize(uow, actor, patient_id, "read")
        record = PatientRepository(uow.session).get_or_raise(patient_id)
        owner = AccountRepository(uow.session).owner_of(patient_id)
        return patient_banner_for(record, name=owner.name if owner else None, as_of=as_of)
