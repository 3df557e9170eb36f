"""DXA scans and labs: entry with unit and range checks, and the list of what is stored."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from bonewise import evidence
from bonewise.clinical.models import SITE_LABELS, SITES, DxaScan, Lab, PatientRecord
from bonewise.services import patients, records
from bonewise.services.access import InvalidInput
from bonewise.web import forms, pages
from bonewise.web.deps import (
    PATIENT_RESPONSES,
    PatientAccess,
    patient_reader,
    patient_writer,
    strict_json,
    uow_of,
)

router = APIRouter()


def _page(
    request: Request,
    access: PatientAccess,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    lab_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    record = patients.read_record(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )
    return pages.render(
        request,
        "dxa.html",
        {
            "patient_id": access.patient_id,
            "record": record,
            "scans": list(reversed(record.scans_by_date)),
            "labs": sorted(record.labs, key=lambda lab: lab.date, reverse=True),
            "sites": SITES,
            "site_labels": SITE_LABELS,
            "values": values or {},
            "errors": errors or {},
            "lab_errors": lab_errors or {},
            "t_range": evidence.T_SCORE_RANGE.value,
            "bmd_range": evidence.BMD_RANGE_G_CM2.value,
            "today": date.today().isoformat(),
            "welcome": request.query_params.get("welcome") == "1",
        },
        status_code=status_code,
    )


@router.get("/patients/{patient_id}/dxa", include_in_schema=False)
def dxa_page(request: Request, access: PatientAccess = Depends(patient_reader)) -> Response:
    return _page(request, access)


@router.post("/patients/{patient_id}/dxa", include_in_schema=False)
async def dxa_submit(request: Request, access: PatientAccess = Depends(patient_writer)) -> Response:
    form = await request.form()
    try:
        records.add_dxa_scan(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            scan=forms.dxa_from_form(form),
            today=date.today(),
        )
    except InvalidInput as exc:
        return _page(
            request,
            access,
            values=dict(form),
            status_code=422,
            errors=forms.errors_by_field(exc.errors),
        )
    return RedirectResponse(f"/patients/{access.patient_id}/assessment", status_code=303)


@router.post("/patients/{patient_id}/labs", include_in_schema=False)
async def lab_submit(request: Request, access: PatientAccess = Depends(patient_writer)) -> Response:
    form = await request.form()
    try:
        records.add_lab(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            lab=forms.lab_from_form(form),
            today=date.today(),
        )
    except InvalidInput as exc:
        return _page(
            request,
            access,
            values=dict(form),
            status_code=422,
            lab_errors=forms.errors_by_field(exc.errors),
        )
    return RedirectResponse(f"/patients/{access.patient_id}/dxa", status_code=303)


# --- API -----------------------------------------------------------------------------------
@router.get(
    "/api/v1/patients/{patient_id}/dxa",
    response_model=list[DxaScan],
    tags=["dxa"],
    summary="DXA scans, oldest first",
    responses=PATIENT_RESPONSES,
)
def api_scans(request: Request, access: PatientAccess = Depends(patient_reader)) -> list[DxaScan]:
    record = patients.read_record(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )
    return record.scans_by_date


@router.post(
    "/api/v1/patients/{patient_id}/dxa",
    response_model=PatientRecord,
    status_code=201,
    tags=["dxa"],
    responses=PATIENT_RESPONSES,
    summary="Add a DXA scan (T/Z-scores -7..+5, BMD 0.2..2.0 g/cm2, no future dates)",
)
def api_add_scan(
    request: Request,
    body: DxaScan,
    access: PatientAccess = Depends(patient_writer),
    _strict: None = Depends(strict_json(DxaScan)),
) -> PatientRecord:
    records.add_dxa_scan(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        scan=body.model_dump(mode="json"),
        today=date.today(),
    )
    return patients.read_record(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )


@router.post(
    "/api/v1/patients/{patient_id}/labs",
    response_model=PatientRecord,
    status_code=201,
    tags=["dxa"],
    responses=PATIENT_RESPONSES,
    summary="Add a lab result (25-OH vitamin D, serum calcium, creatinine clearance)",
)
def api_add_lab(
    request: Request,
    body: Lab,
    access: PatientAccess = Depends(patient_writer),
    _strict: None = Depends(strict_json(Lab)),
) -> PatientRecord:
    records.add_lab(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        lab=body.model_dump(mode="json"),
        today=date.today(),
    )
    return patients.read_record(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )
