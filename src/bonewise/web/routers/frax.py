"""FRAX: her linked clinician enters or replaces the FRAX result calculated outside bonewise
(bonewise never computes FRAX); she may read it."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from bonewise.clinical.models import Frax, PatientRecord
from bonewise.services import patients, records
from bonewise.services.access import InvalidInput
from bonewise.web import forms, pages
from bonewise.web.deps import (
    PATIENT_RESPONSES,
    PatientAccess,
    clinician_writer,
    patient_reader,
    strict_json,
    submitted_form,
    uow_of,
)

router = APIRouter()


def _page(
    request: Request,
    access: PatientAccess,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    correcting: str | None = None,
    correction_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    record = patients.read_record(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )
    stored = record.frax.model_dump(mode="json") if record.frax else None
    return pages.render(
        request,
        "frax.html",
        {
            "patient_id": access.patient_id,
            "frax": record.frax,
            "values": values if values is not None else forms.frax_to_form(stored),
            "errors": errors or {},
            "today": date.today().isoformat(),
            "saved": request.query_params.get("saved") == "1",
            "corrected": request.query_params.get("corrected") == "1",
            "correcting": correcting,
            "correction_errors": correction_errors or {},
        },
        status_code=status_code,
    )


@router.get("/patients/{patient_id}/frax", include_in_schema=False)
def frax_page(request: Request, access: PatientAccess = Depends(patient_reader)) -> Response:
    return _page(request, access)


@router.post("/patients/{patient_id}/frax", include_in_schema=False)
def frax_submit(
    request: Request,
    access: PatientAccess = Depends(clinician_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = submitted
    try:
        records.enter_frax(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            frax=forms.frax_from_form(form),
            today=date.today(),
        )
    except InvalidInput as exc:
        return _page(
            request,
            access,
            values={k: str(v) for k, v in form.items()},
            errors=forms.errors_by_field(exc.errors),
            status_code=422,
        )
    return RedirectResponse(f"/patients/{access.patient_id}/frax?saved=1", status_code=303)


@router.post("/patients/{patient_id}/frax/correct", include_in_schema=False)
def frax_correct(
    request: Request,
    access: PatientAccess = Depends(clinician_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    """Correct (action=correct) or withdraw (action=withdraw) her FRAX result, with a reason."""
    form = submitted
    reason = forms.text(form, "reason")
    try:
        if forms.text(form, "action") == "withdraw":
            records.withdraw_frax(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                reason=reason,
                today=date.today(),
            )
        else:
            records.correct_frax(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                frax=forms.frax_from_form(form),
                reason=reason,
                today=date.today(),
            )
    except InvalidInput as exc:
        return _page(
            request,
            access,
            correcting="frax",
            correction_errors=forms.errors_by_field(exc.errors),
            status_code=422,
        )
    return RedirectResponse(f"/patients/{access.patient_id}/frax?corrected=1", status_code=303)


# --- API -----------------------------------------------------------------------------------
@router.get(
    "/api/v1/patients/{patient_id}/frax",
    response_model=Frax | None,
    tags=["frax"],
    summary="Her FRAX result as entered by her clinician (null when none is on record)",
    responses=PATIENT_RESPONSES,
)
def api_frax(request: Request, access: PatientAccess = Depends(patient_reader)) -> Frax | None:
    record = patients.read_record(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )
    return record.frax


@router.put(
    "/api/v1/patients/{patient_id}/frax",
    response_model=PatientRecord,
    tags=["frax"],
    responses=PATIENT_RESPONSES,
    summary="Enter or replace her FRAX result (linked clinician only; percentages 0..100, "
    "no future date). bonewise never computes FRAX; FRAX is not validated on aromatase "
    "inhibitors.",
)
def api_enter_frax(
    request: Request,
    body: Frax,
    access: PatientAccess = Depends(clinician_writer),
    _strict: None = Depends(strict_json(Frax)),
) -> PatientRecord:
    return records.enter_frax(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        frax=body.model_dump(mode="json"),
        today=date.today(),
    )
