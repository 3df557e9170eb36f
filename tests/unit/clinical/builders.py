"""Patient records for the clinical tests, built from a realistic base with overrides."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from bonewise.clinical.models import PatientRecord

AS_OF = date(2026, 11, 27)

NO_RISK_FACTORS: dict[str, Any] = {
    "prior_fragility_fracture_after_50": False,
    "vertebral_fracture": False,
    "parental_hip_fracture": False,
    "oral_glucocorticoids_over_6_months": False,
    "smoking": "never",
    "alcohol_3_or_more_units_per_day": False,
    "rheumatoid_arthritis": False,
    "falls_last_12_months": 0,
    "bone_metastases": False,
}


def base_data() -> dict[str, Any]:
    return {
        "id": "test-patient",
        "patient": {
            "birth_date": "1966-06-01",  # 60 on AS_OF
            "menopausal_status": "postmenopausal",
            "height": {"value": 165, "unit": "cm"},
            "weight": {"value": 65, "unit": "kg"},  # BMI 23.9
        },
        "therapy": {"agent": "anastrozole", "start_date": "2025-06-01"},
        "dxa_scans": [scan(lumbar_spine=-0.5, femoral_neck=-0.5, total_hip=-0.5)],
        "risk_factors": dict(NO_RISK_FACTORS),
        "labs": [
            {"kind": "25_oh_vitamin_d", "date": "2025-05-20", "value": 30, "unit": "ng/mL"},
            {"kind": "serum_calcium", "date": "2025-05-20", "value": 9.5, "unit": "mg/dL"},
            {"kind": "creatinine_clearance", "date": "2025-05-20", "value": 80, "unit": "mL/min"},
        ],
    }


def scan(day: str = "2025-05-20", make: str = "hologic", **t_scores: float) -> dict[str, Any]:
    return {
        "date": day,
        "scanner_make": make,
        "sites": {site: {"t_score": value} for site, value in t_scores.items()},
    }


def record(**changes: Any) -> PatientRecord:
    """The base record with top-level keys replaced; `risk_factors` and `patient` are merged."""
    data = base_data()
    for key, value in changes.items():
        if key in ("risk_factors", "patient") and isinstance(value, dict):
            data[key] = {**data[key], **copy.deepcopy(value)}
        else:
            data[key] = copy.deepcopy(value)
    return PatientRecord.parse(data, today=AS_OF)
