"""Turn submitted HTML forms into the dicts the validated models expect (pure functions).

Empty fields mean "not given" (None), never zero; tri-state questions map "yes"/"no"/"" to
True/False/None, so an unanswered risk factor stays a data gap.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any

from bonewise.clinical.models import SITES
from bonewise.evidence import ASSUMED_AI_PLANNED_YEARS
from bonewise.nutrition.models import MAX_GRAMS_PER_ENTRY

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


# What the profile form does not show of her AI therapy; kept as stored when she saves it.
THERAPY_FIELDS_NOT_ON_FORM: tuple[str, ...] = ("switched_from",)


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
            "end_date": text(form, "end_date"),  # empty: she still takes it
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
        "end_date": therapy.get("end_date") or "",
        "planned_years": therapy.get("planned_years", f"{ASSUMED_AI_PLANNED_YEARS.value:g}"),
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


# Each lab with only its own units (the clinical model checks the same pairs): one choice of
# test and unit together, so a unit that does not belong to the test cannot be picked.
LAB_CHOICES = (
    ("25_oh_vitamin_d", "ng/mL", "25-OH vitamin D, ng/mL"),
    ("25_oh_vitamin_d", "nmol/L", "25-OH vitamin D, nmol/L"),
    ("serum_calcium", "mg/dL", "Serum calcium, mg/dL"),
    ("serum_calcium", "mmol/L", "Serum calcium, mmol/L"),
    ("creatinine_clearance", "mL/min", "Creatinine clearance, mL/min"),
)


def lab_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """The lab form sends `lab_test` as "kind|unit"; separate `kind` and `unit` fields (older
    forms, scripts) are read too."""
    test = text(form, "lab_test")
    kind: str | None
    unit: str | None
    if test is not None and "|" in test:
        kind, unit = test.split("|", 1)
    else:
        kind, unit = text(form, "kind"), text(form, "unit")
    prefixed = "lab_value" in form or "lab_date" in form
    return {
        "kind": kind,
        "date": text(form, "lab_date" if prefixed else "date"),
        "value": _number(form, "lab_value" if prefixed else "value"),
        "unit": unit,
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


# The words each form shows beside a field, so an error names it as she sees it.
FIELD_LABELS = {
    "birth_date": "Date of birth",
    "menopausal_status": "Menopausal status",
    "height": "Height",
    "weight": "Weight",
    "agent": "Medicine",
    "start_date": "Start date",
    "planned_years": "Planned years",
    "smoking": "Smoking",
    "falls_last_12_months": "Falls in the last 12 months",
    "date": "Date",
    "scanner_make": "Scanner make",
    "scanner_model": "Scanner model",
    "facility": "Facility",
    "sites": "Results",
    "bmd_g_cm2": "BMD (g/cm²)",
    "t_score": "T-score",
    "z_score": "Z-score",
    "excluded_vertebrae": "Excluded vertebrae",
    "kind": "Test",
    "value": "Value",
    "unit": "Unit",
    "major_osteoporotic_pct": "Major osteoporotic fracture risk",
    "hip_pct": "Hip fracture risk",
    "with_bmd": "Calculated with femoral neck BMD",
    "dose_date": "Date given",
    "end_date": "End date",
    "course": "Course",
    "quantity": "Amount",
    "measure": "Measure",
    "meal": "Meal",
    "day": "Day",
    "minutes": "Minutes",
    "performed_on": "Day",
    "exercise_id": "Exercise",
    "effort": "Effort",
    "pain": "Pain",
    "answered_on": "Date of this check-in",
    "worst_pain": "Worst joint pain",
    "stiffness": "Morning stiffness",
    "missed_ai_days": "Days you missed your tablet",
    "reason": "Reason",
    "clinician_email": "Clinician's e-mail",
    "email": "E-mail",
    "name": "Name",
    "password": "Password",
    **RISK_LABELS,
}
LAB_LABELS = {
    "25_oh_vitamin_d": "25-OH vitamin D",
    "serum_calcium": "Serum calcium",
    "creatinine_clearance": "Creatinine clearance",
}
SITE_WORDS = {
    "lumbar_spine": "Lumbar spine",
    "femoral_neck": "Femoral neck",
    "total_hip": "Total hip",
    "radius_33": "Forearm (33% radius)",
}
_SCIENTIFIC = re.compile(r"\b\d+(?:\.\d+)?e[+-]?\d+\b")
_TOO_MANY_GRAMS = re.compile(r"grams=(?P<grams>[0-9.e+]+) g is more than")
_IMPLAUSIBLE_LAB = re.compile(
    r"^(?P<test>\w+) (?P<value>[\d.e+-]+) (?P<unit>\S+) is (?P<normal>[\d.e+-]+) "
    r"(?P<normal_unit>\S+), outside the plausible (?P<low>[\d.]+)\.\.(?P<high>[\d.]+) \S+: "
    r"check the unit \((?P<units>[^)]*)\)"
)
_NUMBER_IN = re.compile(r"-?\d+(?:\.\d+)?")


def field_label(loc: list[str]) -> str:
    """'sites.lumbar_spine.t_score' -> 'Lumbar spine T-score'; 'height.value' -> 'Height'."""
    parts = [p for p in loc if p not in ("body", "query", "value") or len(loc) == 1]
    if len(parts) > 1 and parts[0] == "sites":
        parts = parts[1:]  # "Lumbar spine T-score", not "Results Lumbar spine T-score"
    words = []
    for part in parts:
        if part in SITE_WORDS:
            words.append(SITE_WORDS[part])
        elif part in FIELD_LABELS:
            words.append(FIELD_LABELS[part])
    if not words:
        return FIELD_LABELS.get(loc[-1], loc[-1].replace("_", " ").capitalize()) if loc else "Form"
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _plain_numbers(text: str) -> str:
    """'5e+03' -> '5,000': numbers as people write them."""
    return _SCIENTIFIC.sub(lambda m: f"{float(m.group(0)):,.10g}", text)


def _plain_terms(text: str) -> str:
    for key, label in LAB_LABELS.items():
        text = text.replace(key, label)
    return text


def plain_error(err: Mapping[str, Any]) -> str:
    """One validation error in the form's words: the field's label, then what to enter."""
    loc = [str(p) for p in err.get("loc", [])]
    label = field_label(loc)
    kind = str(err.get("type", ""))
    raw = re.sub(r" \(got .*\)$", "", str(err.get("msg", "")), flags=re.S)
    raw = re.sub(r"^(Value error|Assertion failed), ", "", raw)
    bound = _NUMBER_IN.search(raw)
    limit = f"{float(bound.group(0)):,g}" if bound else None
    if kind == "missing":
        return f"{label}: this is needed. Please fill it in."
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        whole = kind.startswith("int")
        example = "3" if whole else "32.5"
        return f"{label}: enter a {'whole ' if whole else ''}number, for example {example}."
    if kind in (
        "date_parsing",
        "date_from_datetime_parsing",
        "date_type",
        "date_from_datetime_inexact",
    ):
        return f"{label}: enter a date, for example 2025-10-15."
    if kind in ("greater_than", "greater_than_equal") and limit is not None:
        word = "more than" if kind == "greater_than" else "at least"
        return f"{label}: enter a number {word} {limit}."
    if kind in ("less_than", "less_than_equal") and limit is not None:
        word = "less than" if kind == "less_than" else "at most"
        return f"{label}: enter a number {word} {limit}."
    if kind in ("literal_error", "enum"):
        return f"{label}: choose one of the options in the list."
    if kind == "too_short" and loc and loc[-1] == "sites":
        return f"{label}: enter at least one result: a BMD, T-score or Z-score for one site."
    if kind in ("string_too_long", "too_long"):
        return f"{label}: this is too long; {raw[:1].lower() + raw[1:]}."
    if loc and loc[-1] == "quantity" and "give more than 0" in raw:
        amount = raw.split(" ", 1)[0]
        with contextlib.suppress(ValueError):
            amount = f"{float(amount):,g}"
        return (
            f"{label}: enter how much you had, more than 0 and at most 5,000 "
            f"(for example 1 or 2.5); {amount} cannot be logged."
        )
    too_much = _TOO_MANY_GRAMS.search(raw)
    if too_much:
        grams = f"{float(too_much['grams']):,g}"
        return (
            f"{label}: enter how much you had, more than 0 and at most "
            f"{MAX_GRAMS_PER_ENTRY:,g} g in one entry; {grams} g cannot be logged."
        )
    if loc and loc[-1] == "exercise_id":
        return f"{label}: choose an exercise from the list."
    implausible = _IMPLAUSIBLE_LAB.match(raw)
    if implausible:
        g = implausible.groupdict()
        value, unit, same = f"{float(g['value']):,g}", g["unit"], g["unit"] == g["normal_unit"]
        shown = "" if same else f" (= {_plain_numbers(g['normal'])} {g['normal_unit']})"
        return (
            f"Value: {value} {unit}{shown} is outside what is possible for "
            f"{_plain_terms(g['test'])} ({g['low']} to {g['high']} {g['normal_unit']}). "
            f"Check the number and the unit ({g['units']})."
        )
    text = _plain_terms(_plain_numbers(raw)).rstrip(".")
    return f"{label}: {text[:1].lower() + text[1:]}."


def errors_by_field(errors: list[dict[str, Any]]) -> dict[str, str]:
    """Map validation errors to the form field they belong to, each in plain words that name
    the field as the form does (`plain_error`)."""
    out: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err["loc"] if str(p) not in ("body",)]
        key = ".".join(loc) or "form"
        out[key] = plain_error({**err, "loc": loc})
    return out
