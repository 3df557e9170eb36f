"""The assessment: every guideline side by side, with its reasons, citations and alerts."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from markupsafe import Markup

from bonewise.clinical.bone_therapy import AGENT_LABELS
from bonewise.clinical.decision_words import verdicts
from bonewise.clinical.input_words import gap_field_words, inputs_words
from bonewise.clinical.models import SITE_LABELS
from bonewise.render.patient import where_bones_stand
from bonewise.services.access import InvalidInput
from bonewise.services.assessment import assessment_for, assessment_with_banner
from bonewise.services.views import kept
from bonewise.web import pages
from bonewise.web.deps import (
    DAY_PATTERN,
    PATIENT_RESPONSES,
    PatientPage,
    patient_page,
)
from bonewise.web.patient_view import patient_assessment

router = APIRouter()


def _day(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            [{"loc": ["query", "as_of"], "msg": f"{text!r} is not a date", "type": "value_error"}]
        ) from exc


@router.get("/patients/{patient_id}/assessment", include_in_schema=False)
def assessment_page(page: PatientPage = Depends(patient_page)) -> Response:
    today = date.today()
    with page.open() as (uow, access):
        found = assessment_with_banner(
            uow=uow, actor=access.user, patient_id=access.patient_id, as_of=today
        )
    clinician = access.user.is_clinician

    def body() -> Markup:
        record, assessment = found.record, found.assessment
        return pages.page_body(
            "_assessment_body.html",
            {
                "user": access.user,  # the body reads only user.role
                "patient_id": access.patient_id,
                "record": record,
                "a": assessment.to_json() if clinician else patient_assessment(assessment),
                "audience": "clinician" if clinician else "patient",
                "site_labels": SITE_LABELS,
                # The clinician's words per guideline, as the FHIR export and CDS cards say them.
                "verdicts": {v.guideline: v for v in verdicts(assessment)} if clinician else {},
                "agent_labels": AGENT_LABELS,
                "inputs_words": inputs_words,
                "gap_field_words": gap_field_words,
                # Where her bones stand, in her report's words, from this same assessment.
                "standing": None if clinician else where_bones_stand(assessment, record),
            },
        )

    return pages.render_kept(
        "assessment.html",
        principal=access.principal,
        patient_id=access.patient_id,
        banner=found.banner,
        body=kept(uow, "assessment page", access.patient_id, found.version, body, today, clinician),
    )


@router.get(
    "/api/v1/patients/{patient_id}/assessment",
    tags=["assessment"],
    summary="The Assessment: WHO category, each guideline's decision, recommendations with "
    "citations, alerts, monitoring and data gaps",
    responses=PATIENT_RESPONSES,
)
def api_assessment(
    page: PatientPage = Depends(patient_page),
    as_of: str | None = Query(
        default=None,
        pattern=DAY_PATTERN,
        description="evaluate on this day, YYYY-MM-DD (default today)",
    ),
) -> dict[str, Any]:
    with page.open() as (uow, access):
        # After the sign-in check: a visitor gets 401, not a complaint about the day.
        _, assessment = assessment_for(
            uow=uow, actor=access.user, patient_id=access.patient_id, as_of=_day(as_of)
        )
    return assessment.to_json()
