"""The dashboard: today's calcium and vitamin D, this week's minutes, next DXA, alerts, charts."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from markupsafe import Markup

from bonewise.clinical.reminders import reminders_from
from bonewise.render import web_charts as charts
from bonewise.render.banner import patient_banner_for
from bonewise.services.dashboard import Dashboard, dashboard
from bonewise.services.nutrition import intake_tile
from bonewise.services.views import kept
from bonewise.web import pages
from bonewise.web.deps import (
    PATIENT_RESPONSES,
    PatientAccess,
    PatientPage,
    patient_page,
)
from bonewise.web.patient_view import patient_assessment

router = APIRouter()


def _summary(found: Dashboard, access: PatientAccess) -> dict[str, Any]:
    user = access.user
    a = found.assessment.to_json() if user.is_clinician else patient_assessment(found.assessment)
    return {
        "record": found.record,
        "patient_name": found.patient_name,
        "patient_id": found.record.id,
        "who_category": a["who_category"],
        "lowest_t_score": a["lowest_t_score"],
        "next_dxa_due": a["monitoring"]["next_dxa_due"],
        "overdue": a["monitoring"]["overdue"],
        "alerts": a["alerts"],
        "automation": a["automation"],
        "her": {} if user.is_clinician else a,
        "reminders": reminders_from(found.record, found.assessment),
    }


@router.get("/patients/{patient_id}", include_in_schema=False)
def dashboard_page(page: PatientPage = Depends(patient_page)) -> Response:
    today = date.today()
    with page.open() as (uow, access):
        found = dashboard(uow=uow, actor=access.user, patient_id=access.patient_id, today=today)
    clinician = access.user.is_clinician

    def body() -> Markup:
        return pages.page_body("_dashboard_body.html", _page_summary(found, access))

    pid = found.record.id
    return pages.render_kept(
        "dashboard.html",
        principal=access.principal,
        patient_id=pid,
        body=kept(uow, "dashboard page", pid, found.version, body, today, clinician),
        # Whose record this is (clinicians), from the record the page already read.
        banner=kept(
            uow,
            "banner",
            pid,
            found.version,
            lambda: patient_banner_for(found.record, name=found.owner_name, as_of=today),
            today,
        )
        if clinician
        else None,
    )


def _page_summary(found: Dashboard, access: PatientAccess) -> dict[str, Any]:
    summary = _summary(found, access)
    summary["user"] = access.user  # the body reads only user.role
    summary["bmd_chart"] = charts.bmd_chart(found.assessment.bmd_series)
    week = found.exercise
    summary["exercise"] = {
        "minutes": week.summary.aerobic_minutes,
        "target": week.summary.aerobic_target,
    }
    summary["minutes_chart"] = charts.weekly_minutes_chart(
        week.weekly_minutes, target=week.summary.aerobic_target
    )
    food = found.nutrition
    summary["nutrition"] = [
        intake_tile(food.summary.progress_for(n)) for n in ("calcium_mg", "vitamin_d_iu")
    ]
    summary["calcium_chart"] = charts.daily_bar_chart(
        food.calcium_by_day,
        target=food.summary.progress_for("calcium_mg").target.goal,
        unit="mg",
        title="Calcium per day, last 30 days",
    )
    summary["checkins"] = found.checkins.as_dict() if found.checkins else None
    return summary


@router.get(
    "/api/v1/patients/{patient_id}/dashboard",
    tags=["dashboard"],
    summary="Today's calcium and vitamin D against target, this week's exercise minutes, "
    "next DXA due, alerts and what is overdue",
    responses=PATIENT_RESPONSES,
)
def api_dashboard(page: PatientPage = Depends(patient_page)) -> dict[str, Any]:
    with page.open() as (uow, access):
        found = dashboard(
            uow=uow, actor=access.user, patient_id=access.patient_id, today=date.today()
        )
    summary = _summary(found, access)
    summary.pop("record")
    calcium = intake_tile(found.nutrition.summary.progress_for("calcium_mg"))
    vitamin_d = intake_tile(found.nutrition.summary.progress_for("vitamin_d_iu"))
    # Unknown is not zero: an amount is None when no logged item has a value for it, and the
    # status is "cannot tell", never "below goal", while part is unknown.
    summary["nutrition_today"] = {
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
    summary["exercise_week"] = {
        "aerobic_minutes": found.exercise.summary.aerobic_minutes,
        "target": found.exercise.summary.aerobic_target,
    }
    summary["checkins"] = found.checkins.as_dict() if found.checkins else None
    return summary
