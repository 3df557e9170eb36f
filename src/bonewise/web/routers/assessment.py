"""The assessment: every guideline side by side, with its reasons, citations and alerts."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from bonewise.clinical.models import SITE_LABELS
from bonewise.web import pages, services
from bonewise.web.deps import PATIENT_RESPONSES, PatientAccess, patient_reader
from bonewise.web.security import factory_of

router = APIRouter()


@router.get("/patients/{patient_id}/assessment", include_in_schema=False)
def assessment_page(request: Request, access: PatientAccess = Depends(patient_reader)) -> Response:
    record, assessment = services.assessment_for(
        factory_of(request), actor=access.user, patient_id=access.patient_id, as_of=date.today()
    )
    audience = "clinician" if access.user.is_clinician else "patient"
    return pages.render(
        request,
        "assessment.html",
        {
            "patient_id": access.patient_id,
            "record": record,
            "a": assessment.to_json(),
            "audience": audience,
            "site_labels": SITE_LABELS,
        },
    )


@router.get(
    "/api/v1/patients/{patient_id}/assessment",
    tags=["assessment"],
    summary="The Assessment: WHO category, each guideline's decision, recommendations with "
    "citations, alerts, monitoring and data gaps",
    responses=PATIENT_RESPONSES,
)
def api_assessment(
    request: Request,
    access: PatientAccess = Depends(patient_reader),
    as_of: date | None = Query(default=None, description="evaluate on this day (default today)"),
) -> dict[str, Any]:
    _, assessment = services.assessment_for(
        factory_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        as_of=as_of or date.today(),
    )
    return assessment.to_json()
