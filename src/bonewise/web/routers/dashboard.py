"""The dashboard: today's calcium and vitamin D, this week's minutes, next DXA, alerts, charts."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bonewise.web import activity, charts, pages, services
from bonewise.web.deps import PATIENT_RESPONSES, PatientAccess, patient_reader
from bonewise.web.security import factory_of

router = APIRouter()


def _summary(request: Request, access: PatientAccess) -> dict[str, Any]:
    record, assessment = services.assessment_for(
        factory_of(request), actor=access.user, patient_id=access.patient_id, as_of=date.today()
    )
    a = assessment.to_json()
    return {
        "record": record,
        "patient_id": access.patient_id,
        "who_category": a["who_category"],
        "lowest_t_score": a["lowest_t_score"],
        "next_dxa_due": a["monitoring"]["next_dxa_due"],
        "overdue": a["monitoring"]["overdue"],
        "alerts": a["alerts"],
        "automation": a["automation"],
    }


@router.get("/patients/{patient_id}", include_in_schema=False)
def dashboard_page(request: Request, access: PatientAccess = Depends(patient_reader)) -> Response:
    summary = _summary(request, access)
    summary["bmd_chart"] = charts.bmd_chart(summary["record"])
    week = activity.exercise_week(
        factory_of(request), actor=access.user, patient_id=access.patient_id, today=date.today()
    )
    summary["exercise"] = {
        "minutes": week.summary.aerobic_minutes,
        "target": week.summary.aerobic_target,
    }
    summary["minutes_chart"] = charts.weekly_minutes_chart(
        week.weekly_minutes, target=week.summary.aerobic_target
    )
    return pages.render(request, "dashboard.html", summary)


@router.get(
    "/api/v1/patients/{patient_id}/dashboard",
    tags=["dashboard"],
    summary="Next DXA due, alerts, what is overdue, and this week's exercise minutes",
    responses=PATIENT_RESPONSES,
)
def api_dashboard(
    request: Request, access: PatientAccess = Depends(patient_reader)
) -> dict[str, Any]:
    summary = _summary(request, access)
    summary.pop("record")
    week = activity.exercise_week(
        factory_of(request), actor=access.user, patient_id=access.patient_id, today=date.today()
    )
    summary["exercise_week"] = {
        "aerobic_minutes": week.summary.aerobic_minutes,
        "target": week.summary.aerobic_target,
    }
    return summary
