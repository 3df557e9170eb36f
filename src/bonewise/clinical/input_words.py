"""A rule's inputs and a data gap's field in words (pure): label, value and unit.

The one place an input is worded: the clinician report's appendix, the assessment page, the CLI
and the FRAX inputs all read `inputs_words`, so no screen prints a field name (`weight_kg`) or a
Python value (`None`, `['age over 65']`). Unknown is "not recorded", never blank or zero.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bonewise.clinical.models import SITE_LABELS

NOT_RECORDED = "not recorded"
_IDENTIFIER = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+")

# Names the suffix rule below cannot word well.
_LABELS: dict[str, tuple[str, str]] = {
    "25_oh_vitamin_d_ng_ml": ("25-OH vitamin D", "ng/mL"),
    "25_oh_vitamin_d": ("25-OH vitamin D", ""),
    "frax_mof_pct": ("FRAX major osteoporotic fracture risk", "%"),
    "frax_hip_pct": ("FRAX hip fracture risk", "%"),
    "ai_end_date": ("aromatase inhibitor ended on", ""),
    "ai_ended": ("aromatase inhibitor ended", ""),
    "alcohol_3_or_more_units_per_day": ("alcohol 3 or more units a day", ""),
    "who_category": ("WHO category", ""),
    "latest_dxa": ("latest DXA", ""),
    "next_due": ("next due", ""),
    "would_change_if": ("would change if", ""),
}
# Field-name suffix -> unit, longest first.
_UNITS: tuple[tuple[str, str], ...] = (
    ("_g_cm2", "g/cm²"),
    ("_mg_dl", "mg/dL"),
    ("_ml_min", "mL/min"),
    ("_ng_ml", "ng/mL"),
    ("_pct", "%"),
    ("_kg", "kg"),
    ("_cm", "cm"),
)
_WORDS = {"t": "T", "z": "Z", "bmd": "BMD", "dxa": "DXA", "ai": "AI", "frax": "FRAX"}
# Data-gap field groups, as a clinician reads them.
_GAP_GROUPS = {"labs": "lab", "risk_factors": "risk factor", "patient": "", "therapy": ""}


def _label(words: str) -> str:
    text = " ".join(_WORDS.get(word, word) for word in words.split("_"))
    return text.replace("T score", "T-score").replace("Z score", "Z-score")


def label_and_unit(name: str) -> tuple[str, str]:
    """'femoral_neck_bmd_g_cm2' -> ('femoral neck BMD', 'g/cm²')."""
    if name in _LABELS:
        return _LABELS[name]
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return _label(name.removesuffix(suffix)), unit
    return _label(name), ""


def value_words(value: Any, unit: str = "") -> str:
    if value is None:
        return NOT_RECORDED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(value_words(item) for item in value) or "none"
    if isinstance(value, Mapping):
        return (
            ", ".join(
                f"{SITE_LABELS.get(str(k), _label(str(k)))} {value_words(v)}"
                for k, v in value.items()
            )
            or "none"
        )
    if isinstance(value, str) and _IDENTIFIER.fullmatch(value):
        value = value.replace("_", " ")  # a code such as zoledronic_acid
    if not unit:
        return str(value)
    return f"{value}{unit}" if unit == "%" else f"{value} {unit}"


def input_words(name: str, value: Any) -> str:
    """'weight_kg', None -> 'weight: not recorded'; 'femoral_neck_bmd_g_cm2', 0.665 ->
    'femoral neck BMD: 0.665 g/cm²'."""
    label, unit = label_and_unit(name)
    return f"{label}: {value_words(value, unit)}"


def inputs_words(inputs: Mapping[str, Any], sep: str = "; ") -> str:
    """A rule's inputs in the order the rule gave them."""
    return sep.join(input_words(name, value) for name, value in inputs.items())


def gap_field_words(field: str) -> str:
    """A data gap's field: 'labs.serum_calcium' -> 'serum calcium (lab)';
    'risk_factors.smoking,parental_hip_fracture' -> 'smoking, parental hip fracture (risk
    factor)'; 'patient.height/weight' -> 'height/weight'."""
    group, _, rest = field.partition(".")
    if not rest:
        return label_and_unit(group)[0]
    names = ", ".join(label_and_unit(name)[0] for name in rest.split(","))
    kind = _GAP_GROUPS.get(group, _label(group))
    return f"{names} ({kind})" if kind else names
