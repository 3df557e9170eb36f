"""Food diary: search SR28 as you type, log a food by household measure, see the day's calcium
and vitamin D against target."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from bonewise.nutrition.totals import summary_json
from bonewise.render import web_charts as charts
from bonewise.services import nutrition
from bonewise.services.access import InvalidInput
from bonewise.store.food import MEALS, DiaryEntry, FoodHit
from bonewise.web import pages
from bonewise.web.deps import (
    AUTH_RESPONSES,
    DAY_PATTERN,
    PATIENT_RESPONSES,
    PatientAccess,
    own_patient_writer,
    patient_reader,
    strict_json,
    uow_of,
)
from bonewise.web.forms import errors_by_field
from bonewise.web.security import Principal, require_principal

router = APIRouter()


class FoodEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ndb_no: str = Field(min_length=1, max_length=8, description="SR28 food number")
    meal: str = Field(default="other", description=f"one of {', '.join(MEALS)}")
    day: date | None = Field(default=None, description="default today; not in the future")
    measure: str | None = Field(
        default=None,
        max_length=8,
        description="the household measure's number (see /api/v1/foods); omit for grams",
    )
    quantity: float = Field(default=1, gt=0, le=5000, description="how many measures, or grams")


def _hit_json(hit: FoodHit) -> dict[str, Any]:
    return hit.as_json()


def _entry_json(e: DiaryEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "day": e.day.isoformat(),
        "meal": e.meal,
        "ndb_no": e.ndb_no,
        "description": e.description,
        "grams": e.grams,
        "measure": e.measure,
        "quantity": e.quantity,
        "calcium_mg": e.nutrients.get("calcium_mg"),
        "vitamin_d_iu": e.nutrients.get("vitamin_d_iu"),
        "source": e.source,
    }


def _amount(measure: str | None, quantity: float) -> dict[str, Any]:
    """The pages and the API give grams as the measure "g" (or no measure)."""
    if measure in (None, "", "g"):
        return {"grams": quantity}
    return {"measure": measure, "quantity": quantity}


def _day(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput.field("day", f"{value!r} is not a date (YYYY-MM-DD)") from exc
    if day > date.today():
        raise InvalidInput.field("day", f"{value} is in the future")
    return day


def _page(
    request: Request,
    access: PatientAccess,
    *,
    day: date,
    query: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = nutrition.diary_day(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id, day=day
    )
    hits = nutrition.search_foods(uow=uow_of(request), query=query) if query.strip() else []
    calcium = view.summary.progress_for("calcium_mg")
    return pages.render(
        request,
        "food.html",
        {
            "patient_id": access.patient_id,
            "day": day.isoformat(),
            "today": date.today().isoformat(),
            "entries": view.entries,
            "tiles": [
                nutrition.intake_tile(view.summary.progress_for(n))
                for n in ("calcium_mg", "vitamin_d_iu")
            ],
            "warnings": view.summary.warnings,
            "q": query,
            "hits": hits,
            "meals": MEALS,
            "errors": errors or {},
            "can_log": access.user.patient_id == access.patient_id,
            "chart": charts.daily_bar_chart(
                view.calcium_by_day,
                target=calcium.target.goal,
                unit="mg",
                title="Calcium per day, last 30 days",
            ),
        },
        status_code=status_code,
    )


@router.get("/patients/{patient_id}/food", include_in_schema=False)
def food_page(
    request: Request,
    access: PatientAccess = Depends(patient_reader),
    day: str | None = Query(default=None, max_length=10),
    q: str = Query(default="", max_length=100),
) -> Response:
    return _page(request, access, day=_day(day), query=q)


@router.get("/patients/{patient_id}/food/results", include_in_schema=False)
def food_results_fragment(
    request: Request,
    access: PatientAccess = Depends(patient_reader),
    day: str | None = Query(default=None, max_length=10),
    q: str = Query(default="", max_length=100),
) -> Response:
    """The search results alone (HTML), for search-as-you-type."""
    hits = nutrition.search_foods(uow=uow_of(request), query=q) if q.strip() else []
    return pages.render(
        request,
        "_food_results.html",
        {
            "patient_id": access.patient_id,
            "hits": hits,
            "q": q,
            "meals": MEALS,
            "day": _day(day).isoformat(),
            "can_log": access.user.patient_id == access.patient_id,
        },
    )


@router.post("/patients/{patient_id}/food", include_in_schema=False)
async def food_submit(
    request: Request, access: PatientAccess = Depends(own_patient_writer)
) -> Response:
    form = await request.form()
    day_text = str(form.get("day") or "")
    try:
        day = _day(day_text)
        quantity_text = str(form.get("quantity") or "1")
        try:
            quantity = float(quantity_text)
        except ValueError as exc:
            raise InvalidInput.field("quantity", f"{quantity_text!r} is not a number") from exc
        nutrition.log_food(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            day=day,
            today=date.today(),
            meal=str(form.get("meal") or "other"),
            ndb_no=str(form.get("ndb_no") or ""),
            **_amount(str(form.get("measure") or "g"), quantity),
        )
    except InvalidInput as exc:
        return _page(
            request, access, day=date.today(), errors=errors_by_field(exc.errors), status_code=422
        )
    return RedirectResponse(
        f"/patients/{access.patient_id}/food?day={day.isoformat()}", status_code=303
    )


# --- API -----------------------------------------------------------------------------------
@router.get(
    "/api/v1/foods",
    tags=["nutrition"],
    responses=AUTH_RESPONSES,
    summary="Search USDA SR28 foods (every word must match); with calcium, vitamin D, "
    "vitamin K per 100 g (null = not analysed) and household measures",
)
def api_foods(
    request: Request,
    q: str = Query(min_length=1, max_length=100),
    limit: int = Query(default=nutrition.SEARCH_LIMIT, ge=1, le=50),
    _principal: Principal = Depends(require_principal),
) -> list[dict[str, Any]]:
    return [_hit_json(h) for h in nutrition.search_foods(uow=uow_of(request), query=q, limit=limit)]


@router.get(
    "/api/v1/patients/{patient_id}/food-diary",
    tags=["nutrition"],
    responses=PATIENT_RESPONSES,
    summary="One day's food diary, totals against targets, and 30 days of calcium",
)
def api_diary(
    request: Request,
    access: PatientAccess = Depends(patient_reader),
    day: str | None = Query(
        default=None, pattern=DAY_PATTERN, description="YYYY-MM-DD, default today"
    ),
) -> dict[str, Any]:
    when = _day(day)
    view = nutrition.diary_day(
        uow=uow_of(request), actor=access.user, patient_id=access.patient_id, day=when
    )
    return {
        "day": when.isoformat(),
        "entries": [_entry_json(e) for e in view.entries],
        "summary": summary_json(view.summary),
        "calcium_by_day": [{"day": d.isoformat(), "calcium_mg": v} for d, v in view.calcium_by_day],
    }


@router.post(
    "/api/v1/patients/{patient_id}/food-diary",
    status_code=201,
    tags=["nutrition"],
    responses=PATIENT_RESPONSES,
    summary="Log a food she ate (the patient herself only)",
)
def api_log_food(
    request: Request,
    body: FoodEntryIn,
    access: PatientAccess = Depends(own_patient_writer),
    _strict: None = Depends(strict_json(FoodEntryIn)),
) -> dict[str, Any]:
    entry = nutrition.log_food(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        day=body.day or date.today(),
        today=date.today(),
        meal=body.meal,
        ndb_no=body.ndb_no,
        **_amount(body.measure, body.quantity),
    )
    return _entry_json(entry)
