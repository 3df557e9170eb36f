"""Turn submitted HTML forms into the dicts the validated models expect (pure functions).

Empty fields mean "not given" (None), never zero; tri-state questions map "yes"/"no"/"" to
True/False/None, so an unanswered risk factor stays a data gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bonewise.clinical.models import SITES

TRI_STATE_RISKS = (
    "prior_fragility_fracture_after_50",
    "vertebral_fracture",
    "parental_hip_fracture",
    "oral_glucocorticoids_over_6_months",
    "alcohol_3_or_more_units_per_day",
    "rheumatoid_arthritis",
    "bone_metastases",
)
RISK_LABELS = {
    "prior_fragility_fracture_after_50": "A broken bone after age 50 from a fall from standing "
    "height or less",
    "vertebral_fracture": "A spine (vertebral) fracture",
    "parental_hip_fracture": "A parent broke a hip",
    "oral_glucocorticoids_over_6_months": "Steroid tablets (e.g. prednisolone) for more than "
    "6 months",
    "alcohol_3_or_more_units_per_day": "Three or more units of alcohol a day",
    "rheumatoid_arthritis": "Rheumatoid arthritis",
    "bone_metastases": "Cancer that has spread to the bones (bone metastases)",
}


def text(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _number(form: Mapping[str, Any], name: str) -> float | str | None:
    value = text(form, name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return value  # let validation name the field and the bad value


def _tri_state(value: str | None) -> bool | str | None:
    if value is None:
        return None
    return {"yes": True, "no": False}.get(value, value)


def profile_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "birth_date": text(form, "birth_date"),
        "menopausal_status": text(form, "menopausal_status"),
    }
    height = _number(form, "height_value")
    if height is not None:
        patient["height"] = {"value": height, "unit": text(form, "height_unit") or "cm"}
    weight = _number(form, "weight_value")
    if weight is not None:
        patient["weight"] = {"value": weight, "unit": text(form, "weight_unit") or "kg"}
    profile: dict[str, Any] = {"patient": patient}
    agent = text(form, "agent")
    if agent is not None:
        therapy: dict[str, Any] = {
            "agent": agent,
            "start_date": text(form, "start_date"),
            "ovarian_suppression": form.get("ovarian_suppression") == "yes",
        }
        planned = _number(form, "planned_years")
        if planned is not None:
            therapy["planned_years"] = planned
        profile["therapy"] = therapy
    else:
        profile["therapy"] = None
    risks: dict[str, Any] = {name: _tri_state(text(form, name)) for name in TRI_STATE_RISKS}
    risks["smoking"] = text(form, "smoking")
    falls = _number(form, "falls_last_12_months")
    risks["falls_last_12_months"] = (
        int(falls) if isinstance(falls, float) and falls.is_integer() else falls
    )
    profile["risk_factors"] = risks
    return profile


def profile_to_form(record: Mapping[str, Any]) -> dict[str, Any]:
    """The stored record's values as form field values (for editing)."""
    patient = record.get("patient") or {}
    therapy = record.get("therapy") or {}
    risks = record.get("risk_factors") or {}
    values: dict[str, Any] = {
        "birth_date": patient.get("birth_date", ""),
        "menopausal_status": patient.get("menopausal_status", ""),
        "height_value": (patient.get("height") or {}).get("value", ""),
        "height_unit": (patient.get("height") or {}).get("unit", "cm"),
        "weight_value": (patient.get("weight") or {}).get("value", ""),
        "weight_unit": (patient.get("weight") or {}).get("unit", "kg"),
        "agent": therapy.get("agent", ""),
        "start_date": therapy.get("start_date", ""),
        "planned_years": therapy.get("planned_years", 5),
        "ovarian_suppression": "yes" if therapy.get("ovarian_suppression") else "",
        "smoking": risks.get("smoking") or "",
        "falls_last_12_months": ""
        if risks.get("falls_last_12_months") is None
        else risks["falls_last_12_months"],
    }
    for name in TRI_STATE_RISKS:
        value = risks.get(name)
        values[name] = "" if value is None else ("yes" if value else "no")
    return values


def dxa_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    sites: dict[str, Any] = {}
    for site in SITES:
        measured = {
            key: _number(form, f"{site}_{key}") for key in ("bmd_g_cm2", "t_score", "z_score")
        }
        measured = {k: v for k, v in measured.items() if v is not None}
        if measured:
            sites[site] = measured
    scan: dict[str, Any] = {
        "date": text(form, "date"),
        "scanner_make": text(form, "scanner_make"),
        "sites": sites,
    }
    model = text(form, "scanner_model")
    if model:
        scan["scanner_model"] = model
    facility = text(form, "facility")
    if facility:
        scan["facility"] = facility
    excluded = form.getlist("excluded_vertebrae") if hasattr(form, "getlist") else []
    if excluded:
        scan["excluded_vertebrae"] = [str(v) for v in excluded]
    return scan


def lab_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": text(form, "kind"),
        "date": text(form, "date"),
        "value": _number(form, "value"),
        "unit": text(form, "unit"),
    }


def frax_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """FRAX as calculated outside bonewise; an empty percentage stays unknown (None)."""
    return {
        "date": text(form, "date"),
        "major_osteoporotic_pct": _number(form, "major_osteoporotic_pct"),
        "hip_pct": _number(form, "hip_pct"),
        "with_bmd": _tri_state(text(form, "with_bmd")),
    }


def frax_to_form(frax: Mapping[str, Any] | None) -> dict[str, Any]:
    if not frax:
        return {}
    with_bmd = frax.get("with_bmd")
    return {
        "date": frax.get("date") or "",
        "major_osteoporotic_pct": ""
        if frax.get("major_osteoporotic_pct") is None
        else frax["major_osteoporotic_pct"],
        "hip_pct": "" if frax.get("hip_pct") is None else frax["hip_pct"],
        "with_bmd": "" if with_bmd is None else ("yes" if with_bmd else "no"),
    }


def bone_course_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """A new course: the agent, its start date and/or the date of its first dose."""
    course: dict[str, Any] = {"agent": text(form, "agent")}
    start = text(form, "start_date")
    if start is not None:
        course["start_date"] = start
    dose = text(form, "dose_date")
    course["doses"] = [dose] if dose is not None else []
    return course


def course_index(form: Mapping[str, Any]) -> int | str | None:
    """The chosen course's number (its position on record), or the text given, for the error."""
    value = text(form, "course")
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def errors_by_field(errors: list[dict[str, Any]]) -> dict[str, str]:
    """Map validation errors to the form field they belong to (the last named part)."""
    out: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err["loc"] if str(p) not in ("body",)]
        key = ".".join(loc) or "form"
        out[key] = err["msg"]
    return out
