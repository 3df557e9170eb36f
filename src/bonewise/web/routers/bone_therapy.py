"""Bone-directed therapy: her linked clinician starts a course, records each dose and ends a
course (the denosumab-lapse alert and the guideline checks read these dates); she may read
them, in words that name no drug and give no dose."""

from __future__ import annotations

from datetime import date
from typing import Any, get_args

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from bonewise.clinical.models import BoneAgent, BoneTherapy, PatientRecord
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
from bonewise.web.schemas import CourseEndIn, DoseIn

router = APIRouter()

AGENT_LABELS: dict[str, str] = {
    "denosumab": "Denosumab",
    "zoledronic_acid": "Zoledronic acid",
    "alendronate": "Alendronate",
    "risedronate": "Risedronate",
    "ibandronate": "Ibandronate",
}
assert set(AGENT_LABELS) == set(get_args(BoneAgent))
FORMS = ("course", "dose", "end")
CourseIndex = Path(
    ge=0,
    le=999,
    description="the course's position on record, from 0 (pages number courses from 1)",
)


def _page(
    request: Request,
    access: PatientAccess,
    *,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    correcting: str | None = None,
    correction_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    record = patients.read_record(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )
    return pages.render(
        request,
        "bone_therapy.html",
        {
            "patient_id": access.patient_id,
            "clinician": access.user.is_clinician,
            "courses": list(enumerate(record.bone_therapy)),
            "open_courses": [
                (i, c) for i, c in enumerate(record.bone_therapy) if c.end_date is None
            ],
            "agent_labels": AGENT_LABELS,
            "form": form,
            "values": values or {},
            "errors": errors or {},
            "today": date.today().isoformat(),
            "saved": request.query_params.get("saved") == "1",
            "correcting": correcting,
            "correction_errors": correction_errors or {},
        },
        status_code=status_code,
    )


def _form_errors(exc: InvalidInput, renames: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, message in forms.errors_by_field(exc.errors).items():
        out[renames.get(key.split(".")[0], key)] = message
    return out


@router.get("/patients/{patient_id}/bone-therapy", include_in_schema=False)
def bone_therapy_page(
    request: Request, access: PatientAccess = Depends(patient_reader)
) -> Response:
    return _page(request, access)


def _done(access: PatientAccess) -> Response:
    return RedirectResponse(f"/patients/{access.patient_id}/bone-therapy?saved=1", status_code=303)


def _course_or_error(form: Any) -> int:
    chosen = forms.course_index(form)
    if not isinstance(chosen, int):
        raise InvalidInput.field("course", f"choose a course on record (got {chosen!r})")
    return chosen


@router.post("/patients/{patient_id}/bone-therapy", include_in_schema=False)
def course_submit(
    request: Request,
    access: PatientAccess = Depends(clinician_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = submitted
    try:
        records.start_bone_therapy(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            course=forms.bone_course_from_form(form),
            today=date.today(),
        )
    except InvalidInput as exc:
        errors = _form_errors(exc, {"doses": "dose_date", "form": "dose_date"})
        values = {k: str(v) for k, v in form.items()}
        return _page(request, access, form="course", values=values, errors=errors, status_code=422)
    return _done(access)


@router.post("/patients/{patient_id}/bone-therapy/doses", include_in_schema=False)
def dose_submit(
    request: Request,
    access: PatientAccess = Depends(clinician_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = submitted
    try:
        records.add_bone_therapy_dose(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            course=_course_or_error(form),
            dose=forms.text(form, "date"),
            today=date.today(),
        )
    except InvalidInput as exc:
        values = {k: str(v) for k, v in form.items()}
        return _page(
            request,
            access,
            form="dose",
            values=values,
            errors=_form_errors(exc, {}),
            status_code=422,
        )
    return _done(access)


@router.post("/patients/{patient_id}/bone-therapy/end", include_in_schema=False)
def end_submit(
    request: Request,
    access: PatientAccess = Depends(clinician_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = submitted
    try:
        records.end_bone_therapy(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            course=_course_or_error(form),
            end_date=forms.text(form, "end_date"),
            today=date.today(),
        )
    except InvalidInput as exc:
        values = {k: str(v) for k, v in form.items()}
        return _page(
            request,
            access,
            form="end",
            values=values,
            errors=_form_errors(exc, {}),
            status_code=422,
        )
    return _done(access)


def _corrected(request: Request, access: PatientAccess, key: str, write: Any) -> Response:
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
    return _done(access)


@router.post("/patients/{patient_id}/bone-therapy/{course}/correct", include_in_schema=False)
def course_correct(
    request: Request,
    course: int = CourseIndex,
    access: PatientAccess = Depends(clinician_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    """Correct a course's start and end dates (action=correct) or withdraw the whole course
    (action=withdraw), with a reason."""
    form = submitted
    reason = forms.text(form, "reason")

    def write() -> None:
        if forms.text(form, "action") == "withdraw":
            records.withdraw_bone_therapy_course(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                course=course,
                reason=reason,
                today=date.today(),
            )
        else:
            records.correct_bone_therapy_course(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                course=course,
                start_date=forms.text(form, "start_date"),
                end_date=forms.text(form, "end_date"),
                reason=reason,
                today=date.today(),
            )

    return _corrected(request, access, f"course-{course}", write)


@router.post("/patients/{patient_id}/bone-therapy/{course}/doses/correct", include_in_schema=False)
def dose_correct(
    request: Request,
    course: int = CourseIndex,
    access: PatientAccess = Depends(clinician_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    """Move one dose to its right date (action=correct) or withdraw it (action=withdraw)."""
    form = submitted
    withdraw = forms.text(form, "action") == "withdraw"
    return _corrected(
        request,
        access,
        f"doses-{course}",
        lambda: records.correct_bone_therapy_dose(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            course=course,
            dose=forms.text(form, "dose"),
            corrected=None if withdraw else (forms.text(form, "corrected") or ""),
            reason=forms.text(form, "reason"),
            today=date.today(),
        ),
    )


# --- API -----------------------------------------------------------------------------------
@router.get(
    "/api/v1/patients/{patient_id}/bone-therapy",
    response_model=list[BoneTherapy],
    tags=["bone-therapy"],
    summary="Her bone-directed therapy courses; a course's number is its position here",
    responses=PATIENT_RESPONSES,
)
def api_courses(
    request: Request, access: PatientAccess = Depends(patient_reader)
) -> list[BoneTherapy]:
    record = patients.read_record(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id
    )
    return record.bone_therapy


@router.post(
    "/api/v1/patients/{patient_id}/bone-therapy",
    response_model=PatientRecord,
    status_code=201,
    tags=["bone-therapy"],
    responses=PATIENT_RESPONSES,
    summary="Start a course (linked clinician only): agent, start_date and/or dose dates, "
    "no future dates",
)
def api_start_course(
    request: Request,
    body: BoneTherapy,
    access: PatientAccess = Depends(clinician_writer),
    _strict: None = Depends(strict_json(BoneTherapy)),
) -> PatientRecord:
    return records.start_bone_therapy(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        course=body.model_dump(mode="json"),
        today=date.today(),
    )


@router.post(
    "/api/v1/patients/{patient_id}/bone-therapy/{course}/doses",
    response_model=PatientRecord,
    status_code=201,
    tags=["bone-therapy"],
    responses=PATIENT_RESPONSES,
    summary="Record a dose date in a course (linked clinician only; not in the future, not "
    "twice, not after the course ended)",
)
def api_add_dose(
    request: Request,
    body: DoseIn,
    course: int = CourseIndex,
    access: PatientAccess = Depends(clinician_writer),
    _strict: None = Depends(strict_json(DoseIn)),
) -> PatientRecord:
    return records.add_bone_therapy_dose(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        course=course,
        dose=body.date.isoformat(),
        today=date.today(),
    )


@router.post(
    "/api/v1/patients/{patient_id}/bone-therapy/{course}/end",
    response_model=PatientRecord,
    tags=["bone-therapy"],
    responses=PATIENT_RESPONSES,
    summary="End a course (linked clinician only; not before its last date, not in the future)",
)
def api_end_course(
    request: Request,
    body: CourseEndIn,
    course: int = CourseIndex,
    access: PatientAccess = Depends(clinician_writer),
    _strict: None = Depends(strict_json(CourseEndIn)),
) -> PatientRecord:
    return records.end_bone_therapy(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        course=course,
        end_date=body.end_date.isoformat(),
        today=date.today(),
    )
