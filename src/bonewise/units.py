"""Unit conversions the clinical and nutrition code needs (clinical-reference.md, 'Unit conversions').

pint has no IU, and these conversions are per nutrient, so they live here as plain functions.
"""

from __future__ import annotations

from typing import Literal

VitaminDConcentrationUnit = Literal["ng/mL", "nmol/L"]
CalciumConcentrationUnit = Literal["mg/dL", "mmol/L"]

# [C] 1 ug vitamin D = 40 IU (NJ ICO fact sheet).
IU_PER_UG_VITAMIN_D = 40.0
# [C] 25(OH)D: 1 ng/mL = 2.496 nmol/L (MW 400.65).
NMOL_L_PER_NG_ML_25OHD = 2.496
# [C] serum calcium: 1 mmol/L = 4.008 mg/dL (Ca 40.08 g/mol).
MG_DL_PER_MMOL_L_CALCIUM = 4.008
CM_PER_INCH = 2.54  # exact by definition
KG_PER_POUND = 0.45359237  # exact by definition


def vitamin_d_ug_to_iu(ug: float) -> float:
    return ug * IU_PER_UG_VITAMIN_D


def vitamin_d_iu_to_ug(iu: float) -> float:
    return iu / IU_PER_UG_VITAMIN_D


# 25-OH vitamin D in ng/mL is the value divided by its unit's entry: the one conversion table,
# read by the core and by the population run (the terminology maps every spelling a record may
# use, e.g. ug/L, onto one of these keys).
CALCIDIOL_PER_NG_ML: dict[str, float] = {
    "ng/mL": 1.0,
    "nmol/L": NMOL_L_PER_NG_ML_25OHD,
}


def calcidiol_to_ng_ml(value: float, unit: VitaminDConcentrationUnit) -> float:
    """25-OH vitamin D in ng/mL from either of its units."""
    divisor = CALCIDIOL_PER_NG_ML.get(unit)
    if divisor is None:
        raise ValueError(f"unknown 25-OH vitamin D unit {unit!r}: use ng/mL or nmol/L")
    return value / divisor


def serum_calcium_to_mg_dl(value: float, unit: CalciumConcentrationUnit) -> float:
    if unit == "mg/dL":
        return value
    if unit == "mmol/L":
        return value * MG_DL_PER_MMOL_L_CALCIUM
    raise ValueError(f"unknown serum calcium unit {unit!r}: use mg/dL or mmol/L")


def bmi(height_cm: float, weight_kg: float) -> float:
    metres = height_cm / 100.0
    return weight_kg / (metres * metres)


_SHOWN_UNITS = {"ug": "µg", "mcg": "µg"}


def shown_unit(unit: str) -> str:
    """A unit as printed for a reader: µg, never the ASCII stand-in 'ug'."""
    return _SHOWN_UNITS.get(unit, unit)
