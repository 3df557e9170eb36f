"""Food diary: search SR28 as you type, log a food by household measure, see the day's calcium
and vitamin D against target."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import FormData

from bonewise.clinical.calendar import EARLIEST_DAY
from bonewise.nutrition.models import MAX_GRAMS_PER_ENTRY
from bonewise.nutrition.supplements import PLAUSIBLE_MAX
from bonewise.nutrition.totals import summary_json
from bonewise.render import web_charts as charts
from bonewise.services import nutrition
from bonewise.services.access import InvalidInput
from bonewise.services.corrections import quoted
from bonewise.store.base import MAX_REASON_CHARS
from bonewise.store.food import MEALS, FoodHit
from bonewise.store.uow import UnitOfWork
from bonewise.web import pages
from bonewise.web.deps import (
    AUTH_RESPONSES,
    DAY_PATTERN,
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
from bonewise.web.security import Principal, require_principal

router = APIRouter()


MEAL_CHARS = max(len(m) for m in MEALS)
MAX_QUANTITY = MAX_GRAMS_PER_ENTRY  # grams, or measures (each at least a gram): 5,000 at most


# Row ids are 32-bit on PostgreSQL (SERIAL); a larger number is no entry of hers, refused
# before it reaches the database (SQLite cannot even bind one past 64 bits).


class _FoodAmountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meal: str = Field(
        default="other", max_length=MEAL_CHARS, description=f"one of {', '.join(MEALS)}"
    )
    day: date | None = Field(
        default=None,
        ge=EARLIEST_DAY,
        description=f"default today; not in the future, not before {EARLIEST_DAY.isoformat()}",
    )
    measure: str | None = Field(
        default=None,
        max_length=8,
        description="the household measure's number (see /api/v1/foods); omit for grams",
    )
    quantity: float = Field(
        default=1, gt=0, le=MAX_QUANTITY, description="how many measures, or grams"
    )


class FoodEntryIn(_FoodAmountIn):
    ndb_no: str = Field(min_length=1, max_length=8, description="SR28 food number")


class FoodCorrectionIn(_FoodAmountIn):
    """A corrected entry (the same food; day, meal and amount as they should be) and why."""

    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS, description="why")


class SupplementCorrectionIn(BaseModel):
    """A corrected supplement dose (the same label; day, meal, how many and name as they
    should be) and why."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS, description="why")
    day: date | None = Field(
        default=None,
        ge=EARLIEST_DAY,
        description=f"default today; not in the future, not before {EARLIEST_DAY.isoformat()}",
    )
    meal: str = Field(
        default="other", max_length=MEAL_CHARS, description=f"one of {', '.join(MEALS)}"
    )
    units: float = Field(
        gt=0,
        le=PLAUSIBLE_MAX["units"],
        description="how many tablets, drops or scoops were taken",
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=nutrition.MAX_SUPPLEMENT_NAME_CHARS,
        description="the product name as on the label; omit to keep it",
    )


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS, description="why")


def _hit_json(hit: FoodHit) -> dict[str, Any]:
    return hit.as_json()


_entry_json = nutrition.entry_json


def _amount(measure: str | None, quantity: float) -> dict[str, Any]:
    """The pages and the API give grams as the measure "g" (or no measure)."""
    if measure in (None, "", "g"):
        return {"grams": quantity}
    return {"measure": measure, "quantity": quantity}


def _number(field: str, value: str) -> float:
    try:
        return float(value)
    except ValueError as exc:
        raise InvalidInput.field(field, f"{quoted(value)} is not a number") from exc


def _day_or_today(value: str) -> date:
    """The day a re-shown form was for, or today when that is what was wrong."""
    try:
        return _day(value)
    except InvalidInput:
        return date.today()


def _day(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput.field("day", f"{quoted(value)} is not a date (YYYY-MM-DD)") from exc
    if day > date.today():
        raise InvalidInput.field("day", f"{value} is in the future")
    if day < EARLIEST_DAY:
        raise InvalidInput.field(
            "day", f"{value} is before {EARLIEST_DAY.isoformat()}: give the day you ate it"
        )
    return day


def _page(
    request: Request,
    access: PatientAccess,
    *,
    day: date,
    query: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    correcting: int | None = None,
    correcting_supplement: int | None = None,
    status_code: int = 200,
    uow: UnitOfWork | None = None,
) -> Response:
    """The food page; `uow`: the request's held unit of work (its GET), else a new one."""
    # A clinician's banner, in the GET's one transaction (before the page's block).
    banner = (
        pages.banner_before_block(uow, access.principal, access.patient_id)
        if uow is not None
        else {}
    )
    uow = uow or uow_of(request)
    view = nutrition.diary_day(uow=uow, actor=access.user, patient_id=access.patient_id, day=day)
    hits = nutrition.search_foods(uow=uow, query=query) if query.strip() else []
    calcium = view.summary.progress_for("calcium_mg")
    return pages.render(
        request,
        "nutrition.html",
        {
            "patient_id": access.patient_id,
            **banner,
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
            "values": values or {},
            "correcting": correcting,
            "supplements": view.supplements,
            "correcting_supplement": correcting_supplement,
            "base": f"/patients/{access.patient_id}/nutrition",
            "max_reason": MAX_REASON_CHARS,
            "max_supplement_name": nutrition.MAX_SUPPLEMENT_NAME_CHARS,
            "earliest_day": EARLIEST_DAY.isoformat(),
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


@router.get("/patients/{patient_id}/nutrition", include_in_schema=False)
def nutrition_page(
    page: PatientPage = Depends(patient_page),
    day: str | None = Query(default=None, max_length=10),
    q: str = Query(default="", max_length=100),
) -> Response:
    with page.open() as (uow, access):
        return _page(page.request, access, day=_day(day), query=q, uow=uow)


@router.get("/patients/{patient_id}/nutrition/results", include_in_schema=False)
def nutrition_results_fragment(
    request: Request,
    access: PatientAccess = Depends(patient_reader),
    day: str | None = Query(default=None, max_length=10),
    q: str = Query(default="", max_length=100),
) -> Response:
    """The search results alone (HTML), for search-as-you-type."""
    hits = nutrition.search_foods(uow=uow_of(request), query=q) if q.strip() else []
    return pages.render(
        request,
        "_nutrition_results.html",
        {
            "patient_id": access.patient_id,
            "hits": hits,
            "q": q,
            "meals": MEALS,
            "day": _day(day).isoformat(),
            "can_log": access.user.patient_id == access.patient_id,
        },
    )


@router.post("/patients/{patient_id}/nutrition", include_in_schema=False)
def nutrition_submit(
    request: Request,
    access: PatientAccess = Depends(own_patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    form = {k: str(v) for k, v in submitted.items() if k != "csrf_token"}
    day_text = form.get("day", "")
    try:
        day = _day(day_text)
        nutrition.log_food(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            day=day,
            today=date.today(),
            meal=form.get("meal") or "other",
            ndb_no=form.get("ndb_no", ""),
            **_amount(form.get("measure") or "g", _number("quantity", form.get("quantity") or "1")),
        )
    except InvalidInput as exc:
        # The page again with her search and what she typed for that food (nothing lost).
        return _page(
            request,
            access,
            day=_day_or_today(day_text),
            query=form.get("q", "")[: nutrition.MAX_QUERY_CHARS],
            errors=errors_by_field(exc.errors),
            values=form,
            status_code=422,
        )
    return RedirectResponse(
        f"/patients/{access.patient_id}/nutrition?day={day.isoformat()}", status_code=303
    )


@router.post("/patients/{patient_id}/nutrition/entries/{entry_id}", include_in_schema=False)
def food_entry_submit(
    request: Request,
    entry_id: EntryId,
    access: PatientAccess = Depends(own_patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    """Correct (day, meal, grams) or remove one of her entries, with a reason."""
    form = {k: str(v) for k, v in submitted.items() if k != "csrf_token"}
    day_text = form.get("day", "")
    try:
        if form.get("action") == "withdraw":
            withdrawn = nutrition.withdraw_food_entry(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                entry_id=entry_id,
                reason=form.get("reason", ""),
            )
            day = withdrawn.day
        else:
            day = _day(day_text)
            nutrition.correct_food_entry(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                entry_id=entry_id,
                reason=form.get("reason", ""),
                day=day,
                today=date.today(),
                meal=form.get("meal") or "other",
                grams=_number("quantity", form.get("grams", "")),
            )
    except nutrition.DiaryEntryNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except InvalidInput as exc:
        return _page(
            request,
            access,
            day=_day_or_today(day_text),
            errors=errors_by_field(exc.errors),
            values=form,
            correcting=entry_id,
            status_code=422,
        )
    return RedirectResponse(
        f"/patients/{access.patient_id}/nutrition?day={day.isoformat()}#diary", status_code=303
    )


@router.post("/patients/{patient_id}/nutrition/supplements/{entry_id}", include_in_schema=False)
def supplement_entry_submit(
    request: Request,
    entry_id: EntryId,
    access: PatientAccess = Depends(own_patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    """Correct (day, meal, how many, name) or remove one of her supplement doses, with a
    reason."""
    form = {k: str(v) for k, v in submitted.items() if k != "csrf_token"}
    day_text = form.get("day", "")
    try:
        if form.get("action") == "withdraw":
            changed = nutrition.withdraw_supplement_entry(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                entry_id=entry_id,
                reason=form.get("reason", ""),
            )
        else:
            changed = nutrition.correct_supplement_entry(
                uow=uow_of(request),
                actor=access.user,
                patient_id=access.patient_id,
                entry_id=entry_id,
                reason=form.get("reason", ""),
                day=_day(day_text),
                today=date.today(),
                meal=form.get("meal") or "other",
                units=_number("units", form.get("units", "")),
                name=form.get("name", "")[: nutrition.MAX_SUPPLEMENT_NAME_CHARS + 1],
            )
    except nutrition.DiaryEntryNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except InvalidInput as exc:
        return _page(
            request,
            access,
            day=_day_or_today(form.get("shown_day", "") or day_text),
            errors=errors_by_field(exc.errors),
            values=form,
            correcting_supplement=entry_id,
            status_code=422,
        )
    return RedirectResponse(
        f"/patients/{access.patient_id}/nutrition?day={changed.day.isoformat()}#supplements",
        status_code=303,
    )


@router.post(
    "/patients/{patient_id}/nutrition/supplements/{entry_id}/withdraw", include_in_schema=False
)
def supplement_withdraw_submit(
    request: Request,
    entry_id: EntryId,
    access: PatientAccess = Depends(own_patient_writer),
    submitted: FormData = Depends(submitted_form),
) -> Response:
    """Withdraw one of her supplement doses, with a reason."""
    form = {k: str(v) for k, v in submitted.items() if k != "csrf_token"}
    try:
        withdrawn = nutrition.withdraw_supplement_entry(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            entry_id=entry_id,
            reason=form.get("reason", ""),
        )
    except nutrition.DiaryEntryNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except InvalidInput as exc:
        return _page(
            request,
            access,
            day=_day_or_today(form.get("day", "")),
            errors=errors_by_field(exc.errors),
            values=form,
            correcting_supplement=entry_id,
            status_code=422,
        )
    return RedirectResponse(
        f"/patients/{access.patient_id}/nutrition?day={withdrawn.day.isoformat()}#supplements",
        status_code=303,
    )


# --- the old /food URLs: permanent redirects, so bookmarks and open forms keep working -----
def _moved(request: Request, patient_id: str, rest: str = "") -> Response:
    """The same page under /nutrition: 301 for a read, 308 for a form (the browser sends the
    form again, with its CSRF token, to the new URL, where access is checked)."""
    url = f"/patients/{quote(patient_id, safe='')}/nutrition{rest}"
    if request.url.query:
        url += f"?{request.url.query}"
    return RedirectResponse(url, status_code=301 if request.method == "GET" else 308)


@router.get("/patients/{patient_id}/food", include_in_schema=False)
@router.post("/patients/{patient_id}/food", include_in_schema=False)
def old_food_page(request: Request, patient_id: str) -> Response:
    return _moved(request, patient_id)


@router.get("/patients/{patient_id}/food/results", include_in_schema=False)
def old_food_results(request: Request, patient_id: str) -> Response:
    return _moved(request, patient_id, "/results")


@router.post("/patients/{patient_id}/food/entries/{entry_id}", include_in_schema=False)
def old_food_entry(request: Request, patient_id: str, entry_id: int) -> Response:
    return _moved(request, patient_id, f"/entries/{entry_id}")


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
        "supplements": [nutrition.supplement_json(s) for s in view.supplements],
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


@router.post(
    "/api/v1/patients/{patient_id}/food-diary/{entry_id}/correction",
    status_code=201,
    tags=["nutrition"],
    responses=PATIENT_RESPONSES,
    summary="Correct one of her food entries (day, meal, amount) with a reason; the original "
    "leaves her totals and stays in the audit trail (the patient herself only)",
)
def api_correct_food(
    request: Request,
    entry_id: EntryId,
    body: FoodCorrectionIn,
    access: PatientAccess = Depends(own_patient_writer),
    _strict: None = Depends(strict_json(FoodCorrectionIn)),
) -> dict[str, Any]:
    try:
        entry = nutrition.correct_food_entry(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            entry_id=entry_id,
            reason=body.reason,
            day=body.day or date.today(),
            today=date.today(),
            meal=body.meal,
            **_amount(body.measure, body.quantity),
        )
    except nutrition.DiaryEntryNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return _entry_json(entry)


@router.post(
    "/api/v1/patients/{patient_id}/food-diary/{entry_id}/withdrawal",
    tags=["nutrition"],
    responses=PATIENT_RESPONSES,
    summary="Withdraw one of her food entries with a reason: it leaves her totals and stays "
    "in the audit trail (the patient herself only)",
)
def api_withdraw_food(
    request: Request,
    entry_id: EntryId,
    body: WithdrawalIn,
    access: PatientAccess = Depends(own_patient_writer),
    _strict: None = Depends(strict_json(WithdrawalIn)),
) -> dict[str, Any]:
    try:
        entry = nutrition.withdraw_food_entry(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            entry_id=entry_id,
            reason=body.reason,
        )
    except nutrition.DiaryEntryNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return {"withdrawn": _entry_json(entry), "reason": " ".join(body.reason.split())}


@router.post(
    "/api/v1/patients/{patient_id}/supplements/{entry_id}/correction",
    status_code=201,
    tags=["nutrition"],
    responses=PATIENT_RESPONSES,
    summary="Correct one of her supplement doses (day, meal, how many, name) with a reason; "
    "the original leaves her totals and stays in the audit trail (the patient herself only)",
)
def api_correct_supplement(
    request: Request,
    entry_id: EntryId,
    body: SupplementCorrectionIn,
    access: PatientAccess = Depends(own_patient_writer),
    _strict: None = Depends(strict_json(SupplementCorrectionIn)),
) -> dict[str, Any]:
    try:
        entry = nutrition.correct_supplement_entry(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            entry_id=entry_id,
            reason=body.reason,
            day=body.day or date.today(),
            today=date.today(),
            meal=body.meal,
            units=body.units,
            name=body.name,
        )
    except nutrition.DiaryEntryNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return nutrition.supplement_json(entry)


@router.post(
    "/api/v1/patients/{patient_id}/supplements/{entry_id}/withdrawal",
    tags=["nutrition"],
    responses=PATIENT_RESPONSES,
    summary="Withdraw one of her supplement doses with a reason: it leaves her totals and "
    "stays in the audit trail (the patient herself only)",
)
def api_withdraw_supplement(
    request: Request,
    entry_id: EntryId,
    body: WithdrawalIn,
    access: PatientAccess = Depends(own_patient_writer),
    _strict: None = Depends(strict_json(WithdrawalIn)),
) -> dict[str, Any]:
    try:
        entry = nutrition.withdraw_supplement_entry(
            uow=uow_of(request),
            actor=access.user,
            patient_id=access.patient_id,
            entry_id=entry_id,
            reason=body.reason,
        )
    except nutrition.DiaryEntryNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return {"withdrawn": nutrition.supplement_json(entry), "reason": " ".join(body.reason.split())}
