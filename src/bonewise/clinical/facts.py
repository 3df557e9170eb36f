"""Facts derived once from a patient record on a given day, which every rule set reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bonewise import evidence
from bonewise.clinical.calendar import add_months
from bonewise.clinical.densitometry import (
    SiteScore,
    WhoCategory,
    lowest_t_score,
    uses_z_scores,
    who_category,
)
from bonewise.clinical.models import DxaScan, Fracture, PatientRecord


@dataclass(frozen=True, slots=True)
class Facts:
    record: PatientRecord
    as_of: date
    age: int
    bmi: float | None
    latest_scan: DxaScan | None
    lowest_t: SiteScore | None
    premenopausal: bool

    @property
    def who_category(self) -> WhoCategory | None:
        if self.premenopausal or self.lowest_t is None:
            return None
        return who_category(self.lowest_t.value)

    @property
    def fragility_fracture_after_50(self) -> bool | None:
        """Declared in the risk factors, or any recorded fragility fracture at age 50 or over."""
        born = self.record.patient.birth_date
        from_events = any(
            f.fragility and f.date >= add_months(born, 50 * 12) for f in self.fractures
        )
        declared = self.record.risk_factors.prior_fragility_fracture_after_50
        if from_events or declared:
            return True
        return declared

    @property
    def vertebral_fracture(self) -> bool | None:
        declared = self.record.risk_factors.vertebral_fracture
        if declared or any(f.vertebral for f in self.fractures):
            return True
        return declared

    @property
    def fractures(self) -> list[Fracture]:
        return [f for f in self.record.fractures if f.date <= self.as_of]

    @property
    def recent_fractures(self) -> list[Fracture]:
        since = add_months(self.as_of, -evidence.RECENT_FRACTURE_MONTHS.value)
        return [f for f in self.fractures if f.date >= since]

    @property
    def bone_metastases(self) -> bool | None:
        """True, False, or None when not recorded (which also stops automation)."""
        return self.record.risk_factors.bone_metastases


def derive_facts(record: PatientRecord, *, as_of: date) -> Facts:
    scans = [s for s in record.scans_by_date if s.date <= as_of]
    latest = scans[-1] if scans else None
    return Facts(
        record=record,
        as_of=as_of,
        age=record.patient.age_on(as_of),
        bmi=record.patient.bmi,
        latest_scan=latest,
        lowest_t=lowest_t_score(latest) if latest else None,
        premenopausal=uses_z_scores(record.patient.menopausal_status),
    )
