"""Her weekly check-in: worst joint pain, morning stiffness and missed AI days, and her trend."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import FormData

from bonewise.clinical.checkin import STIFFNESS_WORDS
from bonewise.services import checkins
from bonewise.services.access import InvalidInput
from bonewise.store.uow import UnitOfWork
from bonewise.web import pages
from bonewise.web.deps import (
    PATIENT_RESPONSES,
    PatientAccess,
    PatientPage,
    own_patient_writer,
    patient_page,
    strict_json,
    submitted_form,
    uow_of,
)
from bonewise.web.forms import errors_by_field

router = APIRouter()


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answered_on: date | None = Field(default=None, description="default today; not in future")
    worst_pain: int = Field(ge=0, le=10, description="worst joint pain in the last 24 hours")
    stiffness: Literal["none", "under_30", "30_to_60", "over_60"] = Field(
        description="how long morning stiffness lasted"
    )
    missed_ai_days: int | None = Field(
        default=None, ge=0, le=7, description="days of the past 7 she missed her AI; null: not said"
    )


def _page(
    request: Request,
    access: PatientAccess,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    uow: UnitOfWork | None = None,  # the GET's held unit of work
) -> Response:
    # A clinician's banner, in the GET's one transaction (before the page's block).
    banner = (
        pages.banner_before_block(uow, access.principal, access.patient_id)
        if uow is not None
        else {}
    )
    today = date.today()
    trend = checkins.trend(
        uow=uow or uow_of(request), actor=access.user, patient_id=access.patient_id, today=today
    )
    return pages.render(
        request,
        "checkin.html",
        {
            "patient_id": access.patient_id,
            **banner,
            "checkins": trend.as_dict(),
            "stiffness_choices": STIFFNESS_WORDS,
            "errors": errors or {},
            "values": values or {},
            "today": today.isoformat(),
            "can_log": access.user.patient_id == access.patient_id,
        },
        status_code=status_code,
    )


@router.get("/patients/{patient_id}/checkin", include_in_schema=False)
def checkin_page(page: PatientPage = Depends(patient_page)) -> Response:
    with page.open() as (uow, access):
        return _page(page.request, access, uow=uow)


@router.post("/patients/{patient_id}/checkin", include_in_schema=False)
def checkin_submit(
    request: Request,
    access: PatientAccess = Depends(own_patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = {k: str(v)[:64] for k, v in submitted.items() if k != "csrf_token"}
    try:
        checkins.record_checkin(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            entry=form,
            today=date.today(),
        )
    except InvalidInput as exc:
        return _page(
            request, access, errors=errors_by_field(exc.errors), values=form, status_code=422
        )
    return RedirectResponse(f"/patients/{access.patient_id}/checkin?saved=1", status_code=303)


@router.get(
    "/api/v1/patients/{patient_id}/checkins",
    tags=["check-in"],
    summary="Her weekly check-ins: 8 weeks of trend, adherence over the flag window, clinician "
    "flags (rule, threshold, citation) and what she is told",
    responses=PATIENT_RESPONSES,
)
def api_checkins(page: PatientPage = Depends(patient_page)) -> dict[str, Any]:
    with page.open() as (uow, access):
        trend = checkins.trend(
            uow=uow, actor=access.user, patient_id=access.patient_id, today=date.today()
        )
    return trend.as_dict()


@router.post(
    "/api/v1/patients/{patient_id}/checkins",
    status_code=201,
    tags=["check-in"],
    summary="Record her weekly check-in (the patient herself only)",
    responses=PATIENT_RESPONSES,
)
def api_record_checkin(
    request: Request,
    body: CheckInIn,
    access: PatientAccess = Depends(own_patient_writer),
    _strict: None = Depends(strict_json(CheckInIn)),
) -> dict[str, Any]:
    found = checkins.record_checkin(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        entry=body.model_dump(),
        today=date.today(),
    )
    return found.as_dict()
