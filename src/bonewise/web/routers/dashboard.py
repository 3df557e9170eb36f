"""The dashboard: today's calcium and vitamin D, this week's minutes, next DXA, alerts, charts."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bonewise.render import web_charts as charts
from bonewise.services import exercise as activity
from bonewise.services import nutrition as diet
from bonewise.services import patients as services
from bonewise.web import pages
from bonewise.web.deps import PATIENT_RESPONSES, PatientAccess, patient_reader
from bonewise.web.patient_view import patient_assessment
from bonewise.web.security import factory_of

router = APIRouter()


def _summary(request: Request, access: PatientAccess) -> dict[str, Any]:
    record, assessment = services.assessment_for(
        factory_of(request), actor=access.user, patient_id=access.patient_id, as_of=date.today()
    )
    a = assessment.to_json() if access.user.is_clinician else patient_assessment(assessment)
    return {
        "record": record,
        "patient_name": services.patient_name(
            factory_of(request), actor=access.user, patient_id=access.patient_id
        ),
        "patient_id": access.patient_id,
        "who_category": a["who_category"],
        "lowest_t_score": a["lowest_t_score"],
        "next_dxa_due": a["monitoring"]["next_dxa_due"],
        "overdue": a["monitoring"]["overdue"],
        "alerts": a["alerts"],
        "automation": a["automation"],
    }


def _nutrition(food: diet.DiaryDay) -> dict[str, Any]:
    """Today's calcium and vitamin D. An amount is None (unknown) when no logged item has a
    value for it; `*_status` is "cannot tell", never "below goal", while part is unknown."""
    calcium = diet.intake_tile(food.summary.progress_for("calcium_mg"))
    vitamin_d = diet.intake_tile(food.summary.progress_for("vitamin_d_iu"))
    return {
        "calcium_mg": calcium.amount,
        "calcium_target_mg": calcium.goal,
        "calcium_status": calcium.status,
        "vitamin_d_iu": vitamin_d.amount,
        "vitamin_d_target_iu": vitamin_d.goal,
        "vitamin_d_status": vitamin_d.status,
        "unknown_note": "; ".join(
            t.note for t in (calcium, vitamin_d) if t.at_least or t.amount is None
        ),
    }


def _tiles(food: diet.DiaryDay) -> list[diet.IntakeTile]:
    return [diet.intake_tile(food.summary.progress_for(n)) for n in ("calcium_mg", "vitamin_d_iu")]


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
    food = diet.diary_day(
        factory_of(request), actor=access.user, patient_id=access.patient_id, day=date.today()
    )
    summary["nutrition"] = _tiles(food)
    summary["calcium_chart"] = charts.daily_bar_chart(
        food.calcium_by_day,
        target=food.summary.progress_for("calcium_mg").target.goal,
        unit="mg",
        title="Calcium per day, last 30 days",
    )
    return pages.render(request, "dashboard.html", summary)


@router.get(
    "/api/v1/patients/{patient_id}/dashboard",
    tags=["dashboard"],
    summary="Today's calcium and vitamin D against target, this week's exercise minutes, "
    "next DXA due, alerts and what is overdue",
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
    food = diet.diary_day(
        factory_of(request), actor=access.user, patient_id=access.patient_id, day=date.today()
    )
    summary["nutrition_today"] = _nutrition(food)
    summary["exercise_week"] = {
        "aerobic_minutes": week.summary.aerobic_minutes,
        "target": week.summary.aerobic_target,
    }
    return summary
