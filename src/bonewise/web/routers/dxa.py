"""DXA scans and labs: entry with unit and range checks, and the list of what is stored."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from bonewise import evidence
from bonewise.clinical.models import SITE_LABELS, SITES, DxaScan, Lab, PatientRecord
from bonewise.services import patients, records
from bonewise.services.access import InvalidInput
from bonewise.store.uow import UnitOfWork
from bonewise.web import forms, pages
from bonewise.web.deps import (
    PATIENT_RESPONSES,
    EntryId,
    PatientAccess,
    PatientPage,
    patient_page,
    patient_reader,
    patient_writer,
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
    lab_errors: dict[str, str] | None = None,
    correcting: str | None = None,
    correction_errors: dict[str, str] | None = None,
    status_code: int = 200,
    uow: UnitOfWork | None = None,  # the GET's held unit of work
) -> Response:
    # A clinician's banner, in the GET's one transaction (before the page's block).
    banner = (
        pages.banner_before_block(uow, access.principal, access.patient_id)
        if uow is not None
        else {}
    )
    uow = uow or uow_of(request)
    # Her scans and labs with their entry ids, and the audited read, in one transaction.
    stored = records.stored_entries(
        uow=uow, actor=access.user, patient_id=access.patient_id, audited_as="patient record"
    )
    return pages.render(
        request,
        "dxa.html",
        {
            "patient_id": access.patient_id,
            **banner,
            # newest first; each with the entry id its Correct / Withdraw control names
            "scans": sorted(stored.dxa_scans, key=lambda s: s.entry.date, reverse=True),
            "labs": sorted(stored.labs, key=lambda s: s.entry.date, reverse=True),
            "correcting": correcting,
            "corrected": request.query_params.get("corrected") == "1",
            "correction_errors": correction_errors or {},
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
def dxa_page(page: PatientPage = Depends(patient_page)) -> Response:
    with page.open() as (uow, access):
        return _page(page.request, access, uow=uow)


@router.post("/patients/{patient_id}/dxa", include_in_schema=False)
def dxa_submit(
    request: Request,
    access: PatientAccess = Depends(patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = submitted
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
def lab_submit(
    request: Request,
    access: PatientAccess = Depends(patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = submitted
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


def _corrected(
    request: Request, access: PatientAccess, key: str, form: Any, write: Any
) -> Response:
    """Run one correction or withdrawal; on bad input the page again, with the entry's
    control open and what was wrong (nothing saved)."""
    try:
        write()
    except InvalidInput as exc:
        return _page(
            request,
            access,
            correcting=key,
            correction_errors=forms.errors_by_field(exc.errors),
            status_code=422,
        )
    return RedirectResponse(f"/patients/{access.patient_id}/dxa?corrected=1", status_code=303)


@router.post("/patients/{patient_id}/labs/{entry_id}/correct", include_in_schema=False)
def lab_correct(
    request: Request,
    entry_id: EntryId,
    access: PatientAccess = Depends(patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    """Correct (action=correct) or withdraw (action=withdraw) one lab result, with a reason."""
    form = submitted
    reason = forms.text(form, "reason")

    def write() -> None:
        if forms.text(form, "action") == "withdraw":
            records.withdraw_lab(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                entry_id=entry_id,
                reason=reason,
            )
        else:
            records.correct_lab(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                entry_id=entry_id,
                lab=forms.lab_from_form(form),
                reason=reason,
                today=date.today(),
            )

    return _corrected(request, access, f"lab-{entry_id}", form, write)


@router.post("/patients/{patient_id}/dxa/{entry_id}/correct", include_in_schema=False)
def dxa_correct(
    request: Request,
    entry_id: EntryId,
    access: PatientAccess = Depends(patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    """Correct a scan's date, scanner maker or facility, or withdraw it, with a reason (a scan
    whose results are wrong is withdrawn and entered again)."""
    form = submitted
    reason = forms.text(form, "reason")

    def write() -> None:
        if forms.text(form, "action") == "withdraw":
            records.withdraw_dxa_scan(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                entry_id=entry_id,
                reason=reason,
            )
            return
        stored = records.stored_entries(
            uow=uow_of(request), actor=access.user, patient_id=access.patient_id
        )
        found = next((s for s in stored.dxa_scans if s.id == entry_id), None)
        if found is None:
            raise InvalidInput.field("entry", "this scan is no longer on record: reload the page")
        scan = {
            **found.entry.model_dump(mode="json"),
            "date": forms.text(form, "date"),
            "scanner_make": forms.text(form, "scanner_make"),
            "facility": forms.text(form, "facility"),
        }
        records.correct_dxa_scan(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            entry_id=entry_id,
            scan=scan,
            reason=reason,
            today=date.today(),
        )

    return _corrected(request, access, f"scan-{entry_id}", form, write)


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
