"""Onboarding and the profile: who she is, her aromatase inhibitor, her risk factors."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from bonewise.clinical.assessment import assumptions_in_force
from bonewise.clinical.models import PatientRecord
from bonewise.services import patients
from bonewise.services.access import InvalidInput
from bonewise.web import forms, pages
from bonewise.web.deps import (
    PATIENT_RESPONSES,
    PatientAccess,
    patient_reader,
    patient_writer,
    strict_json,
    submitted_form,
    uow_of,
)
from bonewise.web.schemas import ProfileIn
from bonewise.web.security import Principal, require_patient, verify_csrf

router = APIRouter()


def _form_page(
    request: Request,
    *,
    action: str,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    first_time: bool,
    assumed: dict[str, str] | None = None,
) -> Response:
    return pages.render(
        request,
        "profile.html",
        {
            "action": action,
            "values": values,
            "errors": errors or {},
            "first_time": first_time,
            "risk_labels": forms.RISK_LABELS,
            "assumed": assumed or {},
            "today": date.today().isoformat(),
        },
        status_code=status_code,
    )


@router.get("/onboarding", include_in_schema=False)
def onboarding_page(request: Request, principal: Principal = Depends(require_patient)) -> Response:
    if principal.user.patient_id is not None:
        return RedirectResponse(f"/patients/{principal.user.patient_id}/profile", status_code=303)
    return _form_page(request, action="/onboarding", values={}, first_time=True)


@router.post("/onboarding", include_in_schema=False)
def onboarding_submit(
    request: Request,
    principal: Principal = Depends(require_patient),
    _csrf: None = Depends(verify_csrf),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = submitted
    try:
        record = patients.save_profile(
            uow=uow_of(request),
            actor=principal.user,
            patient_id=None,
            profile=forms.profile_from_form(form),
            today=date.today(),
        )
    except InvalidInput as exc:
        return _form_page(
            request,
            action="/onboarding",
            values=dict(form),
            first_time=True,
            errors=forms.errors_by_field(exc.errors),
            status_code=422,
        )
    return RedirectResponse(f"/patients/{record.id}/dxa?welcome=1", status_code=303)


@router.get("/patients/{patient_id}/profile", include_in_schema=False)
def profile_page(request: Request, access: PatientAccess = Depends(patient_reader)) -> Response:
    record = patients.read_record(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )
    return _form_page(
        request,
        action=f"/patients/{access.patient_id}/profile",
        first_time=False,
        values=forms.profile_to_form(record.model_dump(mode="json")),
        assumed=_assumed_risks(record),
    )


def _assumed_risks(record: PatientRecord) -> dict[str, str]:
    """The risk factors an EHR import assumed and nobody has confirmed: the form says so."""
    return {
        a.field.removeprefix("risk_factors."): a.statement
        for a in assumptions_in_force(record)
        if a.field.startswith("risk_factors.")
    }


def _confirmed(form: Any) -> frozenset[str]:
    return frozenset(name for name in forms.RISK_LABELS if form.get(f"confirm_{name}") == "yes")


@router.post("/patients/{patient_id}/profile", include_in_schema=False)
def profile_submit(
    request: Request,
    access: PatientAccess = Depends(patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = submitted
    try:
        patients.save_profile(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            profile=forms.profile_from_form(form),
            today=date.today(),
            keep_therapy_fields=forms.THERAPY_FIELDS_NOT_ON_FORM,
            confirmed_risks=_confirmed(form),
        )
    except InvalidInput as exc:
        return _form_page(
            request,
            action=f"/patients/{access.patient_id}/profile",
            values=dict(form),
            first_time=False,
            errors=forms.errors_by_field(exc.errors),
            status_code=422,
        )
    return RedirectResponse(f"/patients/{access.patient_id}/assessment", status_code=303)


# --- API -----------------------------------------------------------------------------------
@router.post(
    "/api/v1/profile",
    response_model=PatientRecord,
    status_code=201,
    tags=["patients"],
    summary="Onboarding: create my own patient record (patient accounts only)",
    responses=PATIENT_RESPONSES,
)
def api_onboard(
    request: Request,
    body: ProfileIn,
    principal: Principal = Depends(require_patient),
    _csrf: None = Depends(verify_csrf),
    _strict: None = Depends(strict_json(ProfileIn)),
) -> PatientRecord:
    return patients.save_profile(
        uow=uow_of(request),
        actor=principal.user,
        patient_id=None,
        profile=body.sections(),
        today=date.today(),
    )


@router.get(
    "/api/v1/patients/{patient_id}",
    response_model=PatientRecord,
    tags=["patients"],
    summary="The whole patient record",
    responses=PATIENT_RESPONSES,
)
def api_record(request: Request, access: PatientAccess = Depends(patient_reader)) -> PatientRecord:
    return patients.read_record(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )


@router.put(
    "/api/v1/patients/{patient_id}/profile",
    response_model=PatientRecord,
    tags=["patients"],
    summary="Replace profile, therapy and/or risk factors",
    responses=PATIENT_RESPONSES,
)
def api_profile(
    request: Request,
    body: ProfileIn,
    access: PatientAccess = Depends(patient_writer),
    _strict: None = Depends(strict_json(ProfileIn)),
) -> PatientRecord:
    return patients.save_profile(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        profile=body.sections(),
        today=date.today(),
    )
