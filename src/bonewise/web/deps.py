"""FastAPI dependencies that decide access before a handler runs (401, 403, CSRF)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Path, Request

from bonewise.store.accounts import User
from bonewise.web import services
from bonewise.web.security import Principal, factory_of, require_principal, verify_csrf

PatientId = Path(min_length=1, max_length=64, description="the patient record's id")


@dataclass(frozen=True, slots=True)
class PatientAccess:
    principal: Principal
    patient_id: str

    @property
    def user(self) -> User:
        return self.principal.user


def patient_reader(
    request: Request,
    patient_id: str = PatientId,
    principal: Principal = Depends(require_principal),
) -> PatientAccess:
    services.authorize(
        factory_of(request), actor=principal.user, patient_id=patient_id, access="read"
    )
    return PatientAccess(principal, patient_id)


def patient_writer(
    request: Request,
    patient_id: str = PatientId,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> PatientAccess:
    services.authorize(
        factory_of(request), actor=principal.user, patient_id=patient_id, access="write"
    )
    return PatientAccess(principal, patient_id)


def own_patient_writer(
    request: Request,
    patient_id: str = PatientId,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> PatientAccess:
    """Writes only the patient herself makes (her food diary, her exercise log)."""
    if principal.user.is_clinician or principal.user.patient_id != patient_id:
        from bonewise.web.security import Forbidden

        raise Forbidden("only the patient herself can add to her diary and log")
    services.authorize(
        factory_of(request), actor=principal.user, patient_id=patient_id, access="write"
    )
    return PatientAccess(principal, patient_id)


AUTH_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"description": "not signed in (no or expired session)"},
    403: {
        "description": "signed in, but this record is not yours or not linked to you, "
        "or the CSRF token is missing"
    },
}
PATIENT_RESPONSES: dict[int | str, dict[str, object]] = {
    **AUTH_RESPONSES,
    404: {"description": "no such patient record"},
}
