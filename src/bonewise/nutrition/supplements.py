"""Supplement doses (pure): elemental calcium from the compound, vitamin D in IU or ug, and a
multivitamin from its label. Each dose becomes the nutrient amounts it adds to the day.

Nothing here recommends a product or a dose; amounts are what she took, as written on the label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bonewise import evidence, units
from bonewise.evidence import Cited, Source
from bonewise.nutrition.models import NutrientValues

ODS_CALCIUM = Source(
    "ods-calcium",
    "NIH Office of Dietary Supplements, Calcium fact sheet for health professionals "
    "(absorption is highest in doses <= 500 mg)",
)

CALCIUM_CARBONATE_ELEMENTAL: Cited[float] = Cited(
    0.40,
    evidence.IOM_2011,
    "confirmed",
    "calcium carbonate is 40% elemental calcium (ch. 2, Dietary Supplements, p. 37)",
)
CALCIUM_CITRATE_ELEMENTAL: Cited[float] = Cited(
    0.21,
    evidence.IOM_2011,
    "confirmed",
    "calcium citrate is 21% elemental calcium (ch. 2, Dietary Supplements, p. 37)",
)
MAX_SINGLE_CALCIUM_DOSE_MG: Cited[int] = Cited(
    500,
    ODS_CALCIUM,
    "confirmed",
    "absorption is best at <= 500 mg elemental calcium per dose; split larger doses",
)
# Bad-input guard, not a clinical value: no label dose comes near these.
PLAUSIBLE_MAX: dict[str, float] = {
    "compound_mg": 5000.0,
    "calcium_mg": 2500.0,
    "vitamin_d_iu": 100000.0,
    "vitamin_k_ug": 10000.0,
    "magnesium_mg": 2000.0,
    "units": 20.0,
}

CalciumForm = Literal["carbonate", "citrate"]
VitaminDUnit = Literal["IU", "ug"]
SupplementKind = Literal["calcium_carbonate", "calcium_citrate", "vitamin_d3", "multivitamin"]
ELEMENTAL_FRACTION: dict[str, Cited[float]] = {
    "carbonate": CALCIUM_CARBONATE_ELEMENTAL,
    "citrate": CALCIUM_CITRATE_ELEMENTAL,
}
TAKING_ADVICE: dict[str, str] = {
    "carbonate": "Calcium carbonate is absorbed best when taken with a meal.",
    "citrate": "Calcium citrate can be taken with or without food.",
}


def _check(field_name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if value != value or value < 0:
        raise ValueError(f"{field_name}={value!r}: must be 0 or more")
    limit = PLAUSIBLE_MAX[field_name]
    if value > limit:
        raise ValueError(
            f"{field_name}={value:g} is more than {limit:g} for one dose: check the label and the unit"
        )
    return value


def elemental_calcium_mg(compound_mg: float, form: CalciumForm) -> float:
    """Elemental calcium in `compound_mg` of calcium carbonate or citrate."""
    if form not in ELEMENTAL_FRACTION:
        raise ValueError(f"form={form!r}: use carbonate or citrate")
    _check("compound_mg", compound_mg)
    return compound_mg * ELEMENTAL_FRACTION[form].value


def vitamin_d_iu(amount: float, unit: VitaminDUnit) -> float:
    """Vitamin D in IU from IU or ug (1 ug = 40 IU)."""
    if unit == "IU":
        return amount
    if unit == "ug":
        return units.vitamin_d_ug_to_iu(amount)
    raise ValueError(f"vitamin D unit {unit!r}: use IU or ug")


@dataclass(frozen=True, slots=True)
class SupplementDose:
    """One supplement taken: `units` tablets (or drops, scoops) of what one unit contains."""

    kind: SupplementKind
    name: str
    calcium_mg: float = 0.0  # elemental, per unit
    vitamin_d_iu: float = 0.0  # per unit
    vitamin_k_ug: float | None = None
    magnesium_mg: float | None = None
    units: float = 1.0
    label: dict[str, float | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("name: give the product name as on the label")
        if not self.units > 0:
            raise ValueError(f"units={self.units!r}: must be more than 0")
        _check("units", self.units)
        _check("calcium_mg", self.calcium_mg * self.units)
        _check("vitamin_d_iu", self.vitamin_d_iu * self.units)
        _check(
            "vitamin_k_ug", None if self.vitamin_k_ug is None else self.vitamin_k_ug * self.units
        )
        _check(
            "magnesium_mg", None if self.magnesium_mg is None else self.magnesium_mg * self.units
        )

    @property
    def nutrients(self) -> NutrientValues:
        """What the dose adds. A nutrient the label does not list adds nothing (not unknown):
        a supplement label lists everything it contains."""
        return {
            "calcium_mg": self.calcium_mg * self.units,
            "vitamin_d_iu": self.vitamin_d_iu * self.units,
            "vitamin_d_ug": units.vitamin_d_iu_to_ug(self.vitamin_d_iu * self.units),
            "vitamin_k_ug": (self.vitamin_k_ug or 0.0) * self.units,
            "magnesium_mg": (self.magnesium_mg or 0.0) * self.units,
        }

    @property
    def calcium_per_dose_mg(self) -> float:
        return self.calcium_mg * self.units

    @property
    def over_single_dose_limit(self) -> bool:
        return self.calcium_per_dose_mg > MAX_SINGLE_CALCIUM_DOSE_MG.value


def calcium(
    form: CalciumForm,
    *,
    name: str = "",
    compound_mg: float | None = None,
    elemental_mg: float | None = None,
    vitamin_d: float = 0.0,
    vitamin_d_unit: VitaminDUnit = "IU",
    units: float = 1.0,
) -> SupplementDose:
    """A calcium tablet from its compound weight (e.g. 1,250 mg carbonate) or its elemental
    calcium as labelled (e.g. 500 mg); exactly one of the two."""
    if (compound_mg is None) == (elemental_mg is None):
        raise ValueError("give either compound_mg (the salt) or elemental_mg (the calcium)")
    if compound_mg is not None:
        per_unit = elemental_calcium_mg(compound_mg, form)
        label: dict[str, float | str] = {"compound_mg": compound_mg, "form": form}
    else:
        per_unit = _check("calcium_mg", elemental_mg) or 0.0
        label = {"elemental_mg": per_unit, "form": form}
    d_iu = vitamin_d_iu(vitamin_d, vitamin_d_unit)
    if vitamin_d:
        label["vitamin_d"] = vitamin_d
        label["vitamin_d_unit"] = vitamin_d_unit
    kind: SupplementKind = "calcium_carbonate" if form == "carbonate" else "calcium_citrate"
    return SupplementDose(
        kind=kind,
        name=name or f"calcium {form}",
        calcium_mg=per_unit,
        vitamin_d_iu=d_iu,
        units=units,
        label=label,
    )


def vitamin_d3(
    amount: float, unit: VitaminDUnit = "IU", *, name: str = "", units: float = 1.0
) -> SupplementDose:
    if amount <= 0:
        raise ValueError(f"vitamin D amount={amount!r}: must be more than 0")
    return SupplementDose(
        kind="vitamin_d3",
        name=name or "vitamin D3",
        vitamin_d_iu=vitamin_d_iu(amount, unit),
        units=units,
        label={"amount": amount, "unit": unit},
    )


def multivitamin(
    *,
    name: str,
    calcium_mg: float = 0.0,
    vitamin_d: float = 0.0,
    vitamin_d_unit: VitaminDUnit = "IU",
    vitamin_k_ug: float = 0.0,
    magnesium_mg: float = 0.0,
    units: float = 1.0,
) -> SupplementDose:
    """A multivitamin from its label, per tablet."""
    return SupplementDose(
        kind="multivitamin",
        name=name,
        calcium_mg=calcium_mg,
        vitamin_d_iu=vitamin_d_iu(vitamin_d, vitamin_d_unit),
        vitamin_k_ug=vitamin_k_ug,
        magnesium_mg=magnesium_mg,
        units=units,
        label={
            "calcium_mg": calcium_mg,
            "vitamin_d": vitamin_d,
            "vitamin_d_unit": vitamin_d_unit,
            "vitamin_k_ug": vitamin_k_ug,
            "magnesium_mg": magnesium_mg,
        },
    )
