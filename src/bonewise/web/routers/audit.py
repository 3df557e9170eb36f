"""The audit log of one record: who read or changed it, and when (the patient can see hers)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bonewise.services import patients
from bonewise.web import pages
from bonewise.web.deps import PATIENT_RESPONSES, PatientAccess, patient_reader, uow_of
from bonewise.web.schemas import AuditEntryOut

router = APIRouter()


@router.get("/patients/{patient_id}/audit", include_in_schema=False)
def audit_page(request: Request, access: PatientAccess = Depends(patient_reader)) -> Response:
    entries = patients.audit_trail(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )
    return pages.render(
        request, "audit.html", {"patient_id": access.patient_id, "entries": entries}
    )


@router.get(
    "/api/v1/patients/{patient_id}/audit",
    response_model=list[AuditEntryOut],
    tags=["audit"],
    summary="Who read or changed this record, newest first",
    responses=PATIENT_RESPONSES,
)
def api_audit(
    request: Request, access: PatientAccess = Depends(patient_reader)
) -> list[AuditEntryOut]:
    entries = patients.audit_trail(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )
    return [
        AuditEntryOut(
            at=e.at,
            actor_email=e.actor_email,
            actor_role=e.actor_role,
            action=e.action,
            what=e.what,
        )
        for e in entries
    ]
