"""Exercise: this week's bone-safe plan, the log of what she did, minutes against the week's
aerobic target (exercise.guidance.AEROBIC_MINUTES_PER_WEEK)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import FormData

from bonewise.clinical.calendar import EARLIEST_DAY
from bonewise.exercise.adherence import MAX_LOAD_KG, MAX_REPS, MAX_SESSION_MINUTES, MAX_SETS
from bonewise.exercise.guidance import AEROBIC_MINUTES_PER_WEEK
from bonewise.render import web_charts as charts
from bonewise.services import exercise
from bonewise.services.access import InvalidInput
from bonewise.store.base import MAX_REASON_CHARS
from bonewise.store.uow import UnitOfWork
from bonewise.web import pages
from bonewise.web.deps import (
    PATIENT_RESPONSES,
    EntryId,
    PatientAccess,
    PatientPage,
    own_patient_writer,
    patient_page,
    patient_reader,
    strict_json,
    submitted_form,
    uow_of,
)
from bonewise.web.forms import errors_by_field

router = APIRouter()


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exercise_id: str = Field(min_length=1, max_length=64, description="see the plan or catalogue")
    minutes: int = Field(ge=1, le=MAX_SESSION_MINUTES)
    performed_on: date | None = Field(
        default=None,
        ge=EARLIEST_DAY,
        description=f"default today; not in the future, not before {EARLIEST_DAY.isoformat()}",
    )
    effort: int | None = Field(default=None, ge=0, le=10)
    pain: int | None = Field(default=None, ge=0, le=10)
    sets: int | None = Field(default=None, ge=1, le=MAX_SETS)
    reps: int | None = Field(default=None, ge=1, le=MAX_REPS)
    load_kg: float | None = Field(default=None, ge=0, le=MAX_LOAD_KG)


class SessionCorrectionIn(SessionIn):
    """The session as it should have been logged, and why."""

    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS, description="why")


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS, description="why")


def _page(
    request: Request,
    access: PatientAccess,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    correcting: int | None = None,
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
    week = exercise.exercise_week(
        uow=uow or uow_of(request), actor=access.user, patient_id=access.patient_id, today=today
    )
    return pages.render(
        request,
        "exercise.html",
        {
            "patient_id": access.patient_id,
            **banner,
            "plan": week.plan.as_dict(),
            "summary": week.summary,
            "sessions": week.sessions,
            "entries": week.entries,
            "correcting": correcting,
            "max_reason": MAX_REASON_CHARS,
            "earliest_day": EARLIEST_DAY.isoformat(),
            "chart": charts.weekly_minutes_chart(
                week.weekly_minutes, target=week.summary.aerobic_target
            ),
            "choices": exercise.catalogue_choices(),
            "errors": errors or {},
            "values": values or {},
            "today": today.isoformat(),
            "can_log": access.user.patient_id == access.patient_id,
        },
        status_code=status_code,
    )


@router.get("/patients/{patient_id}/exercise", include_in_schema=False)
def exercise_page(page: PatientPage = Depends(patient_page)) -> Response:
    with page.open() as (uow, access):
        return _page(page.request, access, uow=uow)


@router.post("/patients/{patient_id}/exercise", include_in_schema=False)
def exercise_submit(
    request: Request,
    access: PatientAccess = Depends(own_patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = dict(submitted)
    try:
        exercise.log_exercise(
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
    return RedirectResponse(f"/patients/{access.patient_id}/exercise#week", status_code=303)


@router.post("/patients/{patient_id}/exercise/sessions/{session_id}", include_in_schema=False)
def exercise_session_submit(
    request: Request,
    session_id: EntryId,
    access: PatientAccess = Depends(own_patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    """Correct (day, minutes, pain) or remove one of her logged sessions, with a reason."""
    form = {k: str(v) for k, v in submitted.items() if k != "csrf_token"}
    try:
        if form.get("action") == "withdraw":
            exercise.withdraw_session(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                session_id=session_id,
                reason=form.get("reason", ""),
            )
        else:
            exercise.correct_session(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                session_id=session_id,
                reason=form.get("reason", ""),
                entry={k: v for k, v in form.items() if k not in ("action", "reason")},
                today=date.today(),
            )
    except exercise.SessionNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except InvalidInput as exc:
        return _page(
            request,
            access,
            errors=errors_by_field(exc.errors),
            values=form,
            correcting=session_id,
            status_code=422,
        )
    return RedirectResponse(f"/patients/{access.patient_id}/exercise#sessions", status_code=303)


@router.get(
    "/api/v1/patients/{patient_id}/exercise",
    tags=["exercise"],
    summary="This week's plan, the week's summary (minutes against "
    f"{AEROBIC_MINUTES_PER_WEEK.value}) and weekly minutes",
    responses=PATIENT_RESPONSES,
)
def api_exercise(
    request: Request, access: PatientAccess = Depends(patient_reader)
) -> dict[str, Any]:
    week = exercise.exercise_week(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id, today=date.today()
    )
    return {
        "plan": week.plan.as_dict(),
        "week": week.summary.as_dict(),
        "sessions": [{"id": i, **s.as_dict()} for i, s in week.entries],
        "weekly_minutes": [
            {"week_start": d.isoformat(), "minutes": m} for d, m in week.weekly_minutes
        ],
    }


@router.post(
    "/api/v1/patients/{patient_id}/exercise",
    status_code=201,
    tags=["exercise"],
    summary="Log a session she did (the patient herself only)",
    responses=PATIENT_RESPONSES,
)
def api_log_exercise(
    request: Request,
    body: SessionIn,
    access: PatientAccess = Depends(own_patient_writer),
    _strict: None = Depends(strict_json(SessionIn)),
) -> dict[str, Any]:
    logged = exercise.log_exercise(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        entry=body.model_dump(),
        today=date.today(),
    )
    return logged.as_dict()


@router.post(
    "/api/v1/patients/{patient_id}/exercise/{session_id}/correction",
    status_code=201,
    tags=["exercise"],
    summary="Correct one of her logged sessions with a reason; the original leaves her week "
    "and plan and stays in the audit trail (the patient herself only)",
    responses=PATIENT_RESPONSES,
)
def api_correct_exercise(
    request: Request,
    session_id: EntryId,
    body: SessionCorrectionIn,
    access: PatientAccess = Depends(own_patient_writer),
    _strict: None = Depends(strict_json(SessionCorrectionIn)),
) -> dict[str, Any]:
    try:
        logged = exercise.correct_session(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            session_id=session_id,
            reason=body.reason,
            entry=body.model_dump(exclude={"reason"}),
            today=date.today(),
        )
    except exercise.SessionNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return logged.as_dict()


@router.post(
    "/api/v1/patients/{patient_id}/exercise/{session_id}/withdrawal",
    tags=["exercise"],
    summary="Withdraw one of her logged sessions with a reason: it leaves her week and plan "
    "and stays in the audit trail (the patient herself only)",
    responses=PATIENT_RESPONSES,
)
def api_withdraw_exercise(
    request: Request,
    session_id: EntryId,
    body: WithdrawalIn,
    access: PatientAccess = Depends(own_patient_writer),
    _strict: None = Depends(strict_json(WithdrawalIn)),
) -> dict[str, Any]:
    try:
        original = exercise.withdraw_session(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            session_id=session_id,
            reason=body.reason,
        )
    except exercise.SessionNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return {"withdrawn": original.as_dict(), "reason": " ".join(body.reason.split())}
