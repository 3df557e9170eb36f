"""Who may do what, and the audit entry that records it: shared by every service.

A patient reads and changes only her own record; a clinician only the records of patients
linked to her. The local operator (someone at this machine running the CLI with the store's
credentials) may do anything, and every write is audited under that name. Authorisation reads
the care link and whether the record exists; it never loads or validates the record itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from bonewise.clinical.models import PatientRecord
from bonewise.store.accounts import User
from bonewise.store.patients import PatientNotFound
from bonewise.store.uow import UnitOfWork

Access = Literal["read", "write"]

__all__ = [
    "LOCAL_OPERATOR",
    "Access",
    "Actor",
    "Forbidden",
    "InvalidInput",
    "NamedActor",
    "Operator",
    "audit_by_name",
    "audit_read",
    "audit_reads",
    "audit_write",
    "authorize",
    "check_access",
    "readable_record",
    "readable_version",
]


class Forbidden(Exception):
    """Signed in (or known) but not allowed: the web answers 403."""

    def __init__(self, message: str = "you do not have access to this record") -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Operator:
    """Someone running the CLI on this machine: trusted as the store's owner, and audited."""

    name: str = "local operator"
    role: Literal["operator"] = "operator"
    patient_id: None = None

    @property
    def is_clinician(self) -> bool:
        return False

    @property
    def audit_name(self) -> str:
        return f"{self.name} (CLI)"


LOCAL_OPERATOR = Operator()
Actor = User | Operator


MAX_ECHO = 40  # characters of a rejected value an error message may repeat
EXCERPT_CHARS = 60

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates
# (JSON can carry them as \ud800, and neither UTF-8 nor PostgreSQL can store them).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable excerpt of user input for an error message (never all of it)."""
    text = value if isinstance(value, str) else repr(value)
    text = CONTROL.sub("\ufffd", text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


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
            if isinstance(shown, str):  # never echo a huge input
                shown = excerpt(shown, MAX_ECHO)
            errors.append(
                {
                    "loc": [*prefix, *map(str, err["loc"])],
                    "msg": f"{err['msg']} (got {shown!r})" if shown is not None else err["msg"],
                    "type": err["type"],
                }
            )
        return cls(errors)

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls([{"loc": ["body", field], "msg": message, "type": "value_error"}])


def _check_link(uow: UnitOfWork, actor: Actor, patient_id: str) -> None:
    if isinstance(actor, User):
        if actor.role == "patient":
            if actor.patient_id is None or actor.patient_id != patient_id:
                raise Forbidden()
        elif not uow.accounts.is_linked(clinician_id=actor.id, patient_id=patient_id):
            raise Forbidden()


def check_access(uow: UnitOfWork, actor: Actor, patient_id: str, access: Access) -> None:
    """Inside an open unit of work: raise Forbidden (or PatientNotFound) unless `actor` may
    `access` this patient. Reads and writes follow the same rule today; `access` says which."""
    _check_link(uow, actor, patient_id)
    if not uow.patients.exists(patient_id):
        raise PatientNotFound(patient_id)


def readable_record(uow: UnitOfWork, actor: Actor, patient_id: str) -> PatientRecord:
    """Inside an open unit of work: her record, once `actor` may read it (Forbidden before
    anything is read; PatientNotFound when there is no record)."""
    _check_link(uow, actor, patient_id)
    return uow.patients.get_or_raise(patient_id)


def readable_version(uow: UnitOfWork, actor: Actor, patient_id: str) -> int:
    """Inside an open unit of work: her data version, once `actor` may read her record
    (Forbidden before anything is read; PatientNotFound when there is no record). What was
    computed from her data under this version may be shown again (services/views.py)."""
    if isinstance(actor, User) and actor.is_clinician:
        # Her clinician's pages: the link and the version in one statement.
        version = uow.accounts.linked_version(clinician_id=actor.id, patient_id=patient_id)
        if version is None:
            raise Forbidden()
        return version
    _check_link(uow, actor, patient_id)
    return uow.patients.version_or_raise(patient_id)


def authorize(*, uow: UnitOfWork, actor: Actor, patient_id: str, access: Access) -> None:
    """Raise Forbidden (or PatientNotFound) unless `actor` may `access` this patient."""
    with uow:
        check_access(uow, actor, patient_id, access)


class NamedActor(Protocol):
    """An actor with no account (the local operator, a CDS client): audited by name and role."""

    @property
    def audit_name(self) -> str: ...

    @property
    def role(self) -> str: ...


def audit_by_name(
    uow: UnitOfWork,
    *,
    actor: NamedActor,
    action: Access,
    what: str,
    patient_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """The audit entry of an actor with no account: her name and role stand for the account
    (the one way an operator's read or write, or a CDS client's write, is recorded)."""
    uow.audit.record(
        actor=None,
        actor_email=actor.audit_name,
        actor_role=actor.role,
        action=action,
        what=what,
        patient_id=patient_id,
        detail=detail,
    )


def audit_write(
    uow: UnitOfWork,
    actor: Actor,
    *,
    what: str,
    patient_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    if isinstance(actor, Operator):
        audit_by_name(
            uow, actor=actor, action="write", what=what, patient_id=patient_id, detail=detail
        )
    else:
        uow.audit.record(
            actor=actor, action="write", what=what, patient_id=patient_id, detail=detail
        )


def audit_read(uow: UnitOfWork, actor: Actor, patient_id: str, what: str) -> None:
    """A clinician's read of a record is audited (a patient reading her own is not)."""
    if isinstance(actor, User) and actor.is_clinician:
        uow.audit.record(actor=actor, action="read", what=what, patient_id=patient_id)


def audit_reads(uow: UnitOfWork, actor: Actor, patient_ids: list[str], what: str) -> None:
    """`audit_read` for many records at once (one statement: a clinician's panel)."""
    if isinstance(actor, User) and actor.is_clinician:
        uow.audit.record_reads(actor=actor, what=what, patient_ids=patient_ids)
