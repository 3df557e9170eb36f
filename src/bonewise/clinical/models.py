"""The patient record the clinical core reasons about: validated, immutable, no I/O.

`PatientRecord.parse(data, today=...)` is the one way in: it validates ranges, units and dates
(nothing may lie after `today`) and raises `pydantic.ValidationError` naming the field, the value
and what is allowed.
"""

from __future__ import annotations

from datetime import date
from datetime import date as _Date  # a field named `date` shadows the type in some classes
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bonewise import evidence, units
from bonewise.clinical.calendar import completed_years

Site = Literal["lumbar_spine", "femoral_neck", "total_hip", "radius_33"]
SITES: tuple[Site, ...] = ("lumbar_spine", "femoral_neck", "total_hip", "radius_33")
SITE_LABELS: dict[str, str] = {
    "lumbar_spine": "lumbar spine (L1-L4)",
    "femoral_neck": "femoral neck",
    "total_hip": "total hip",
    "radius_33": "33% radius",
}
ScannerMake = Literal["hologic", "lunar", "norland", "other"]
AromataseInhibitor = Literal["anastrozole", "letrozole", "exemestane"]
BoneAgent = Literal["denosumab", "zoledronic_acid", "alendronate", "risedronate", "ibandronate"]
ANTIRESORPTIVES: tuple[BoneAgent, ...] = (
    "denosumab",
    "zoledronic_acid",
    "alendronate",
    "risedronate",
    "ibandronate",
)
MenopausalStatus = Literal["premenopausal", "perimenopausal", "postmenopausal"]
Smoking = Literal["never", "past", "current"]
Vertebra = Literal["L1", "L2", "L3", "L4"]

T_MIN, T_MAX = evidence.T_SCORE_RANGE.value
BMD_MIN, BMD_MAX = evidence.BMD_RANGE_G_CM2.value

# Input bounds (not clinical numbers): every text field has a maximum length, every list a
# maximum count, and no date lies before EARLIEST_DATE (a year-0001 scan is a typo).
EARLIEST_DATE = date(1900, 1, 1)
MAX_TEXT = 200  # free text: a facility, a scanner model, a fracture site
MAX_DOSES_PER_COURSE = 1000  # monthly refills for 80 years would still fit
MAX_ENTRIES: dict[str, int] = {
    "dxa_scans": 200,
    "fractures": 100,
    "labs": 5000,
    "bone_therapy": 100,
    "gnrh_agonists": 50,
    "switched_from": 10,
    "vertebral_imaging": 100,
    "dxa_procedures": 200,
    "assumptions": 50,
}

Score = Annotated[float, Field(ge=T_MIN, le=T_MAX)]
Bmd = Annotated[float, Field(ge=BMD_MIN, le=BMD_MAX, description="areal BMD, g/cm2")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _not_after_today(value: date | None, info: ValidationInfo) -> date | None:
    """A date on her record: not before EARLIEST_DATE, and (when `today` is given) not after
    today. Named for its second check, which came first; the field's name is in the error."""
    if value is not None and value < EARLIEST_DATE:
        raise ValueError(f"date {value.isoformat()} is before {EARLIEST_DATE.year}: check the year")
    today = (info.context or {}).get("today")
    if value is not None and today is not None and value > today:
        raise ValueError(
            f"date {value.isoformat()} is in the future (today is {today.isoformat()})"
        )
    return value


class Length(_Frozen):
    value: float = Field(gt=0)
    unit: Literal["cm", "in"]

    @property
    def cm(self) -> float:
        return self.value if self.unit == "cm" else self.value * units.CM_PER_INCH

    @model_validator(mode="after")
    def _plausible(self) -> Length:
        low, high = evidence.HEIGHT_RANGE_CM.value
        if not low <= self.cm <= high:
            raise ValueError(
                f"height {self.value} {self.unit} is {self.cm:.0f} cm, outside {low:g}..{high:g} cm: "
                "check the unit (cm or in)"
            )
        return self


class Mass(_Frozen):
    value: float = Field(gt=0)
    unit: Literal["kg", "lb"]

    @property
    def kg(self) -> float:
        return self.value if self.unit == "kg" else self.value * units.KG_PER_POUND

    @model_validator(mode="after")
    def _plausible(self) -> Mass:
        low, high = evidence.WEIGHT_RANGE_KG.value
        if not low <= self.kg <= high:
            raise ValueError(
                f"weight {self.value} {self.unit} is {self.kg:.0f} kg, outside {low:g}..{high:g} kg: "
                "check the unit (kg or lb)"
            )
        return self


class RecordedBmi(_Frozen):
    """A body-mass index recorded as such (an EHR's BMI Observation, LOINC 39156-5)."""

    value: float = Field(ge=evidence.BMI_RANGE_KG_M2.value[0], le=evidence.BMI_RANGE_KG_M2.value[1])
    date: date | None  # required, may be null: the Observation's day if it had one

    _date_not_future = field_validator("date")(_not_after_today)


class Patient(_Frozen):
    birth_date: date
    sex: Literal["female", "male"] = "female"
    menopausal_status: MenopausalStatus
    height: Length | None = None
    weight: Mass | None = None
    recorded_bmi: RecordedBmi | None = Field(
        default=None,
        description="a BMI (kg/m2) recorded as such; used only when height and weight are not "
        "both known (they decide when they are)",
    )

    @field_validator("birth_date")
    @classmethod
    def _adult_birth_date(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today")
        if today is None:  # a stored record: the age range was checked on the way in
            return _not_after_today(value, info) or value
        if value > today:
            _not_after_today(value, info)
        youngest, oldest = evidence.PATIENT_AGE_RANGE_YEARS.value
        age = completed_years(value, today)
        if not youngest <= age <= oldest:
            raise ValueError(
                f"birth_date {value.isoformat()} makes her {age} today; bonewise is for adults "
                f"aged {youngest}..{oldest}"
            )
        return value

    @property
    def bmi(self) -> float | None:
        """From height and weight; else the BMI recorded as such; else unknown (facts rounds it
        to one decimal, as displayed, before any comparison)."""
        if self.height is None or self.weight is None:
            return None if self.recorded_bmi is None else self.recorded_bmi.value
        return units.bmi(self.height.cm, self.weight.kg)

    def age_on(self, day: date) -> int:
        return completed_years(self.birth_date, day)


class EarlierAromataseInhibitor(_Frozen):
    """An aromatase inhibitor she took before switching to the current one."""

    agent: AromataseInhibitor
    start_date: date
    end_date: date | None = None

    _dates_not_future = field_validator("start_date", "end_date")(_not_after_today)


class CancerTherapy(_Frozen):
    agent: AromataseInhibitor
    start_date: date
    planned_years: float = Field(default=evidence.ASSUMED_AI_PLANNED_YEARS.value, gt=0, le=15)
    end_date: date | None = None
    ovarian_suppression: bool = False
    switched_from: list[EarlierAromataseInhibitor] = Field(
        default_factory=list,
        max_length=MAX_ENTRIES["switched_from"],
        description="earlier aromatase inhibitors (a switch, e.g. for side effects, continues "
        "AI therapy: bone loss runs from the first start)",
    )

    _dates_not_future = field_validator("start_date", "end_date")(_not_after_today)

    @model_validator(mode="after")
    def _end_after_start(self) -> CancerTherapy:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError(
                f"the end date {self.end_date} is before the start date {self.start_date}"
            )
        for i, earlier in enumerate(self.switched_from):
            if earlier.start_date > self.start_date:
                raise ValueError(
                    f"switched_from[{i}] starts on {earlier.start_date}, after the current "
                    f"{self.agent} start {self.start_date}: list earlier courses only"
                )
        return self

    @property
    def first_start(self) -> date:
        """The first aromatase-inhibitor start: AI-associated bone loss, and the baseline-DXA
        clock, start with the first AI (a switch continues AI therapy)."""
        return min([self.start_date, *(c.start_date for c in self.switched_from)])

    @property
    def first_agent(self) -> str:
        return min(
            [(self.start_date, self.agent), *((c.start_date, c.agent) for c in self.switched_from)]
        )[1]


class SiteResult(_Frozen):
    bmd_g_cm2: Bmd | None = None
    t_score: Score | None = None
    z_score: Score | None = None

    @model_validator(mode="after")
    def _something_measured(self) -> SiteResult:
        if self.bmd_g_cm2 is None and self.t_score is None and self.z_score is None:
            raise ValueError("a measured site needs at least one of bmd_g_cm2, t_score, z_score")
        return self


class DxaScan(_Frozen):
    date: date
    scanner_make: ScannerMake
    scanner_model: str | None = Field(default=None, max_length=MAX_TEXT)
    facility: str | None = Field(default=None, max_length=MAX_TEXT)
    sites: dict[Site, SiteResult] = Field(min_length=1, max_length=len(SITES))
    excluded_vertebrae: list[Vertebra] = Field(default_factory=list, max_length=4)
    facility_precision_pct: dict[Site, Annotated[float, Field(gt=0, le=10)]] = Field(
        default_factory=dict,
        description="the facility's own short-term precision (%CV) per site for this scanner; "
        "where given it replaces the cited default in the least significant change",
    )

    _date_not_future = field_validator("date")(_not_after_today)

    @model_validator(mode="after")
    def _precision_for_measured_sites(self) -> DxaScan:
        unmeasured = sorted(set(self.facility_precision_pct) - set(self.sites))
        if unmeasured:
            raise ValueError(
                f"facility_precision_pct names {', '.join(unmeasured)}, not measured in this scan"
            )
        return self

    @model_validator(mode="after")
    def _at_least_two_vertebrae(self) -> DxaScan:
        # [C] ISCD: never report a single vertebra; two are acceptable.
        if len(set(self.excluded_vertebrae)) > 2:
            raise ValueError(
                "more than two vertebrae excluded: ISCD does not allow a spine result from fewer "
                "than two vertebrae; leave lumbar_spine out instead"
            )
        return self


class Fracture(_Frozen):
    date: date
    site: str = Field(
        min_length=1, max_length=MAX_TEXT, description="e.g. wrist, hip, vertebra, rib"
    )
    fragility: bool | None = Field(
        default=None,
        description="true: from a fall from standing height or less; false: traumatic; "
        "left out: not recorded (at 50 or over it counts as a fragility fracture)",
    )
    traumatic: bool | None = Field(
        default=None, description="true when recorded as high-trauma (same as fragility false)"
    )

    _date_not_future = field_validator("date")(_not_after_today)

    @model_validator(mode="after")
    def _consistent_mechanism(self) -> Fracture:
        if self.fragility is True and self.traumatic is True:
            raise ValueError("a fracture cannot be both fragility and traumatic")
        return self

    @property
    def vertebral(self) -> bool:
        return "vertebra" in self.site.lower() or "spine" in self.site.lower()

    @property
    def hip(self) -> bool:
        site = self.site.lower()
        return "hip" in site or "femoral neck" in site or "proximal femur" in site

    @property
    def recorded_traumatic(self) -> bool:
        return self.traumatic is True or self.fragility is False

    def counts_as_fragility(self, birth_date: _Date) -> bool:
        """Recorded as fragility; or at 50 or over and not recorded as traumatic."""
        if self.recorded_traumatic:
            return False
        if self.fragility:
            return True
        return completed_years(birth_date, self.date) >= evidence.FRAGILITY_FRACTURE_AGE.value


RiskSource = Literal["patient", "clinician", "ehr-import"]
RISK_FACTOR_FIELDS: tuple[str, ...] = (
    "prior_fragility_fracture_after_50",
    "vertebral_fracture",
    "parental_hip_fracture",
    "oral_glucocorticoids_over_6_months",
    "smoking",
    "alcohol_3_or_more_units_per_day",
    "rheumatoid_arthritis",
    "falls_last_12_months",
    "bone_metastases",
)
_WORD_ANSWERS: dict[str, bool | None] = {"yes": True, "no": False, "not recorded": None}


# Why a value was taken without anyone stating it (an EHR source: the problem and medication
# lists are the record): not on the lists, inferred from other facts, a default, or left unknown
# because a code bonewise does not know names the fact (to confirm).
AssumptionBasis = Literal["absent-from-record", "inferred", "defaulted", "unrecognised-code"]


class Provenance(_Frozen):
    """Who recorded a risk-factor answer and when. `unsure`: she answered "not sure".
    `basis`: set when nobody stated the answer and it was assumed (see RecordAssumption)."""

    source: RiskSource | None = None
    recorded_on: date | None = None
    unsure: bool = False
    basis: AssumptionBasis | None = None

    _date_not_future = field_validator("recorded_on")(_not_after_today)


class RiskFactors(_Frozen):
    """Hadji 2017 and ASCO 2019 risk factors. None means not recorded (a data gap), not 'no'.

    Each factor is given either as a plain value (true/false/null, as in older files: its source
    is then unknown) or as `{"answer": ..., "source": "patient"|"clinician"|"ehr-import",
    "recorded_on": "YYYY-MM-DD"}`, where answer may also be "yes", "no", "not sure" or
    "not recorded". The plain value stays on the field; who and when go to `provenance`.
    """

    prior_fragility_fracture_after_50: bool | None = None
    vertebral_fracture: bool | None = None
    parental_hip_fracture: bool | None = None
    oral_glucocorticoids_over_6_months: bool | None = None
    smoking: Smoking | None = None
    alcohol_3_or_more_units_per_day: bool | None = None
    rheumatoid_arthritis: bool | None = None
    falls_last_12_months: int | None = Field(default=None, ge=0, le=100)
    bone_metastases: bool | None = None
    provenance: dict[str, Provenance] = Field(
        default_factory=dict, description="per factor: who recorded the answer and when"
    )

    @model_validator(mode="before")
    @classmethod
    def _split_answers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        given_provenance = data.get("provenance") or {}
        if not isinstance(given_provenance, dict):
            raise ValueError(
                "provenance must be an object naming risk factors, e.g. "
                '{"smoking": {"source": "patient", "recorded_on": "2026-01-31"}}'
            )
        provenance = dict(given_provenance)
        for name in RISK_FACTOR_FIELDS:
            given = data.get(name)
            if not isinstance(given, dict):
                continue
            unknown = set(given) - {"answer", "source", "recorded_on"}
            if unknown or "answer" not in given:
                raise ValueError(
                    f"{name}: give answer (yes, no, not sure, not recorded), and optionally "
                    "source and recorded_on"
                    + (f"; unknown key(s) {', '.join(sorted(unknown))}" if unknown else "")
                )
            answer = given.get("answer")
            unsure = isinstance(answer, str) and answer.strip().lower() == "not sure"
            if unsure:
                answer = None
            elif isinstance(answer, str) and answer.strip().lower() in _WORD_ANSWERS:
                answer = _WORD_ANSWERS[answer.strip().lower()]
            data[name] = answer
            provenance[name] = {
                "source": given.get("source"),
                "recorded_on": given.get("recorded_on"),
                "unsure": unsure,
            }
        if provenance:
            data["provenance"] = provenance
        return data

    @model_validator(mode="after")
    def _provenance_names_factors(self) -> RiskFactors:
        unknown = sorted(set(self.provenance) - set(RISK_FACTOR_FIELDS))
        if unknown:
            raise ValueError(f"provenance names unknown risk factor(s): {', '.join(unknown)}")
        return self


class Lab(_Frozen):
    kind: Literal["25_oh_vitamin_d", "serum_calcium", "creatinine_clearance"]
    date: date
    value: float = Field(gt=0)
    unit: str = Field(
        max_length=16,
        description="25-OH vitamin D: ng/mL or nmol/L; calcium: mg/dL or mmol/L; "
        "creatinine clearance: mL/min",
    )

    _date_not_future = field_validator("date")(_not_after_today)

    @model_validator(mode="after")
    def _known_unit(self) -> Lab:
        allowed = {
            "25_oh_vitamin_d": ("ng/mL", "nmol/L"),
            "serum_calcium": ("mg/dL", "mmol/L"),
            "creatinine_clearance": ("mL/min",),
        }[self.kind]
        if self.unit not in allowed:
            raise ValueError(f"{self.kind} unit {self.unit!r} is not one of {', '.join(allowed)}")
        low, high = evidence.LAB_PLAUSIBLE_RANGES.value[self.kind]
        if not low <= self.normalised <= high:
            normal_unit = allowed[0]
            raise ValueError(
                f"{self.kind} {self.value:g} {self.unit} is {self.normalised:.3g} {normal_unit}, "
                f"outside the plausible {low:g}..{high:g} {normal_unit}: check the unit "
                f"({' or '.join(allowed)})"
            )
        return self

    @property
    def normalised(self) -> float:
        """ng/mL for 25-OH vitamin D, mg/dL for calcium, mL/min for creatinine clearance."""
        if self.kind == "25_oh_vitamin_d":
            return units.calcidiol_to_ng_ml(self.value, self.unit)  # type: ignore[arg-type]
        if self.kind == "serum_calcium":
            return units.serum_calcium_to_mg_dl(self.value, self.unit)  # type: ignore[arg-type]
        return self.value


class BoneTherapy(_Frozen):
    """A course of bone-directed therapy. Dose dates are injections, infusions or (oral
    bisphosphonates) refill or statement dates; a course with only start/end dates (what an EHR
    order or statement gives) counts as exposure up to its last known date."""

    agent: BoneAgent
    dose_mg: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="dose per administration, e.g. zoledronic acid 4 or 5",
    )
    doses: list[date] = Field(
        default_factory=list,
        max_length=MAX_DOSES_PER_COURSE,
        description="dates given (injections, infusions)",
    )
    start_date: date | None = None
    end_date: date | None = None

    _dates_not_future = field_validator("start_date", "end_date")(_not_after_today)

    @field_validator("doses")
    @classmethod
    def _doses_not_future(cls, value: list[date], info: ValidationInfo) -> list[date]:
        for dose in value:
            _not_after_today(dose, info)
        return sorted(value)

    @model_validator(mode="after")
    def _has_a_date(self) -> BoneTherapy:
        if not self.doses and self.start_date is None:
            raise ValueError(f"{self.agent}: give the dose dates or a start_date")
        return self

    @model_validator(mode="after")
    def _doses_not_before_start(self) -> BoneTherapy:
        early = [d for d in self.doses if self.start_date is not None and d < self.start_date]
        if early:
            raise ValueError(
                f"dose date {early[0].isoformat()} is before the course started "
                f"({self.start_date}): correct the dose date or the start date"
            )
        return self

    @property
    def first_date(self) -> date:
        return self.doses[0] if self.doses else self.start_date  # type: ignore[return-value]

    @property
    def started_on(self) -> date:
        """When the course started, as every screen says it: its start date when recorded,
        otherwise its first dose (no dose precedes the start date)."""
        return self.start_date if self.start_date is not None else self.doses[0]

    @property
    def last_date(self) -> date:
        candidates = [d for d in (*self.doses[-1:], self.start_date) if d is not None]
        return max(candidates)

    def active_on(self, day: date) -> bool:
        return self.first_date <= day and (self.end_date is None or self.end_date >= day)


GnrhAgonist = Literal["goserelin", "leuprorelin", "triptorelin"]


class GnrhAgonistCourse(_Frozen):
    """Ovarian suppression by a GnRH agonist; current while it has no end date (or ends later)."""

    agent: GnrhAgonist
    start_date: date
    end_date: date | None = None

    _dates_not_future = field_validator("start_date", "end_date")(_not_after_today)

    def current_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class VertebralImaging(_Frozen):
    """Vertebral fracture assessment on DXA, or thoracolumbar radiographs, CT or MRI."""

    date: date
    kind: Literal["vfa", "radiograph", "ct", "mri"]
    fracture_found: bool | None = None

    _date_not_future = field_validator("date")(_not_after_today)


class Frax(_Frozen):
    """FRAX results entered by a clinician. bonewise never computes FRAX (it is proprietary)."""

    date: date
    major_osteoporotic_pct: float | None = Field(default=None, ge=0, le=100)
    hip_pct: float | None = Field(default=None, ge=0, le=100)
    with_bmd: bool | None = None

    _date_not_future = field_validator("date")(_not_after_today)


class RecordAssumption(_Frozen):
    """A value the record holds that no one stated (an EHR import took it), kept with the record
    so every screen and report can say so. `field`: the record path, e.g.
    "risk_factors.bone_metastases"; `statement`: one line in the clinician's words; `confirm`:
    the clinician should confirm it."""

    field: str = Field(min_length=1, max_length=64)
    value: bool | int | float | str | None = None
    basis: AssumptionBasis
    statement: str = Field(min_length=1, max_length=2 * MAX_TEXT)
    source: RiskSource = "ehr-import"
    confirm: bool = False


class PatientRecord(_Frozen):
    id: str = Field(min_length=1, max_length=64)
    patient: Patient
    therapy: CancerTherapy | None = None
    dxa_scans: list[DxaScan] = Field(default_factory=list, max_length=MAX_ENTRIES["dxa_scans"])
    risk_factors: RiskFactors = Field(default_factory=RiskFactors)
    fractures: list[Fracture] = Field(default_factory=list, max_length=MAX_ENTRIES["fractures"])
    labs: list[Lab] = Field(default_factory=list, max_length=MAX_ENTRIES["labs"])
    bone_therapy: list[BoneTherapy] = Field(
        default_factory=list, max_length=MAX_ENTRIES["bone_therapy"]
    )
    frax: Frax | None = None
    gnrh_agonists: list[GnrhAgonistCourse] = Field(
        default_factory=list, max_length=MAX_ENTRIES["gnrh_agonists"]
    )
    vertebral_imaging: list[VertebralImaging] = Field(
        default_factory=list, max_length=MAX_ENTRIES["vertebral_imaging"]
    )
    dxa_procedures: list[date] = Field(
        default_factory=list,
        max_length=MAX_ENTRIES["dxa_procedures"],
        description="days a DXA was done whose results are not in the record (an EHR's "
        "Procedure): it counts as a DXA for the baseline and repeat-DXA windows, never for a "
        "T-score decision",
    )
    assumptions: list[RecordAssumption] = Field(
        default_factory=list,
        max_length=MAX_ENTRIES["assumptions"],
        description="values taken without anyone stating them (an EHR import's assumptions)",
    )

    @field_validator("dxa_procedures")
    @classmethod
    def _dxa_procedures_not_future(cls, value: list[date], info: ValidationInfo) -> list[date]:
        for day in value:
            _not_after_today(day, info)
        return sorted(set(value))

    @classmethod
    def parse(cls, data: Any, *, today: date) -> PatientRecord:
        """Validate a patient record; no date in it may be after `today`."""
        return cls.model_validate(data, context={"today": today})

    @model_validator(mode="after")
    def _events_after_birth(self) -> PatientRecord:
        born = self.patient.birth_date
        dated = [("therapy.start_date", self.therapy.start_date)] if self.therapy else []
        dated += [(f"dxa_scans[{i}].date", s.date) for i, s in enumerate(self.dxa_scans)]
        dated += [(f"fractures[{i}].date", f.date) for i, f in enumerate(self.fractures)]
        dated += [(f"labs[{i}].date", lab.date) for i, lab in enumerate(self.labs)]
        dated += [("frax.date", self.frax.date)] if self.frax else []
        for i, course in enumerate(self.bone_therapy):
            dated += [(f"bone_therapy[{i}] first date", course.first_date)]
        dated += [
            (f"gnrh_agonists[{i}].start_date", c.start_date)
            for i, c in enumerate(self.gnrh_agonists)
        ]
        dated += [
            (f"vertebral_imaging[{i}].date", v.date) for i, v in enumerate(self.vertebral_imaging)
        ]
        for name, day in dated:
            if day < born:
                raise ValueError(f"{name} {day} is before birth_date {born}")
        return self

    @property
    def scans_by_date(self) -> list[DxaScan]:
        """Oldest first. Scans of one day are ordered so the one with the lowest reported T-score
        comes last (it is the day's 'latest' for decisions): order in the file never decides."""

        def key(scan: DxaScan) -> tuple[date, float, str]:
            reported = [r.t_score for r in scan.sites.values() if r.t_score is not None]
            return (scan.date, -min(reported, default=T_MAX), scan.model_dump_json())

        return sorted(self.dxa_scans, key=key)

    def latest_lab(self, kind: str, *, on_or_before: date) -> Lab | None:
        """The latest result of `kind`; on a day with several, the lowest (order never decides)."""
        found = [lab for lab in self.labs if lab.kind == kind and lab.date <= on_or_before]
        return max(found, key=lambda lab: (lab.date, -lab.normalised), default=None)
