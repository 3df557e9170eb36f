"""Facts derived once from a patient record on a given day, which every rule set reads."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bonewise import evidence
from bonewise.clinical.bone_therapy import BoneTherapyStatus, therapy_status
from bonewise.clinical.calendar import add_months, completed_years
from bonewise.clinical.densitometry import (
    SiteScore,
    WhoCategory,
    decision_t_score,
    uses_z_scores,
    who_category,
)
from bonewise.clinical.models import CancerTherapy, DxaScan, Fracture, PatientRecord


@dataclass(frozen=True, slots=True)
class Facts:
    record: PatientRecord
    as_of: date
    age: int
    bmi: float | None
    latest_scan: DxaScan | None
    lowest_t: SiteScore | None
    premenopausal: bool
    bone_therapy: BoneTherapyStatus
    scans: tuple[DxaScan, ...] = ()  # one per day up to as_of (the day's lowest), oldest first
    same_day_conflicts: tuple[str, ...] = ()

    @property
    def male(self) -> bool:
        return self.record.patient.sex == "male"

    @property
    def who_category(self) -> WhoCategory | None:
        if self.male or self.premenopausal or self.lowest_t is None:
            return None
        return who_category(self.lowest_t.value)

    @property
    def dxa_dates(self) -> list[date]:
        """Every day up to today with a DXA: a scan with results, or a DXA procedure whose
        results are not in the record (the measures' definition of a DXA)."""
        days = {s.date for s in self.scans}
        days.update(d for d in self.record.dxa_procedures if d <= self.as_of)
        return sorted(days)

    @property
    def on_ai(self) -> bool:
        """An aromatase inhibitor started on or before today and not ended."""
        return on_aromatase_inhibitor(self.record.therapy, self.as_of)

    @property
    def ai_ended(self) -> bool:
        t = self.record.therapy
        return t is not None and t.end_date is not None and t.end_date <= self.as_of

    @property
    def ovarian_suppression(self) -> bool:
        """Recorded with the AI, or a current GnRH agonist (goserelin, leuprorelin, triptorelin)."""
        t = self.record.therapy
        recorded = t is not None and t.ovarian_suppression and not self.ai_ended
        return recorded or any(c.current_on(self.as_of) for c in self.record.gnrh_agonists)

    @property
    def premenopausal_without_suppression(self) -> bool:
        return self.premenopausal and not self.ovarian_suppression

    @property
    def fractures(self) -> list[Fracture]:
        return sorted(
            (f for f in self.record.fractures if f.date <= self.as_of),
            key=lambda f: (f.date, f.site, f.model_dump_json()),
        )

    @property
    def fragility_fractures(self) -> list[Fracture]:
        """Recorded as fragility, or at 50 or over and not recorded as traumatic."""
        born = self.record.patient.birth_date
        return [f for f in self.fractures if f.counts_as_fragility(born)]

    @property
    def fragility_fracture_after_50(self) -> bool | None:
        """Declared in the risk factors, or any fragility fracture at age 50 or over."""
        born = self.record.patient.birth_date
        # her age on the day, in completed years, as a fracture counts as fragility and as the
        # population's risk factor reckons it (a 29 February birthday turns on 1 March)
        from_events = any(
            completed_years(born, f.date) >= evidence.HADJI_RISK_FRACTURE_AGE.value
            for f in self.fragility_fractures
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
    def clinical_osteoporosis_reasons(self) -> list[str]:
        """A prior fragility fracture of hip or spine (clinical osteoporosis, whatever the BMD)."""
        return clinical_osteoporosis_reasons(
            self.fractures,
            self.record.patient.birth_date,
            vertebral_fracture_declared=self.record.risk_factors.vertebral_fracture,
        )

    @property
    def recent_fractures(self) -> list[Fracture]:
        since = add_months(self.as_of, -evidence.RECENT_FRACTURE_MONTHS.value)
        return [f for f in self.fractures if f.date >= since]

    @property
    def bone_metastases(self) -> bool | None:
        """True, False, or None when not recorded or she is not sure."""
        return self.record.risk_factors.bone_metastases

    @property
    def frax_stale_because(self) -> str | None:
        """Why the entered FRAX result is not used (None: usable or absent)."""
        frax = self.record.frax
        if frax is None:
            return None
        therapy = self.record.therapy
        if therapy is not None and frax.date < therapy.start_date:
            return (
                f"FRAX of {frax.date.isoformat()} predates the aromatase-inhibitor start "
                f"({therapy.start_date.isoformat()}): not used; re-run FRAX"
            )
        if self.latest_scan is not None and frax.date < self.latest_scan.date:
            return (
                f"FRAX of {frax.date.isoformat()} predates the latest DXA "
                f"({self.latest_scan.date.isoformat()}): not used; re-run FRAX with it"
            )
        return None


def clinical_osteoporosis_reasons(
    fractures: Iterable[Fracture], birth_date: date, *, vertebral_fracture_declared: bool | None
) -> list[str]:
    """Why she has clinical osteoporosis (a fragility fracture of hip or spine, whatever the
    BMD), from her fractures up to the day: empty if she has none. The population run calls it
    for the women whose flat rows hold a fracture (population.rules.therapy_core_answers)."""
    fractures = list(fractures)
    reasons = [
        f"{'vertebral' if f.vertebral else 'hip'} fragility fracture ({f.site}) on "
        f"{f.date.isoformat()}"
        + ("" if f.fragility else ": at 50 or over and not recorded as traumatic")
        for f in fractures
        if (f.vertebral or f.hip) and f.counts_as_fragility(birth_date)
    ]
    if vertebral_fracture_declared and not any(f.vertebral for f in fractures):
        reasons.append("vertebral fracture recorded in the risk factors")
    return reasons


def _day_key(scan: DxaScan) -> tuple[float, str]:
    t = decision_t_score(scan)
    return (float("inf") if t is None else t.value, scan.model_dump_json())


def scans_by_day(scans: Iterable[DxaScan], as_of: date) -> list[DxaScan]:
    """One scan per day up to `as_of` (the one with the lowest decision T-score), oldest first:
    the scans every decision and the BMD series read (the population run calls it too)."""
    return [ranked[0] for ranked in _ranked_days(scans, as_of).values()]


def _ranked_days(scans: Iterable[DxaScan], as_of: date) -> dict[date, list[DxaScan]]:
    days: dict[date, list[DxaScan]] = {}
    for scan in scans:
        if scan.date <= as_of:
            days.setdefault(scan.date, []).append(scan)
    # a day of one scan has nothing to rank (its key reads its decision T-score)
    return {
        day: sorted(days[day], key=_day_key) if len(days[day]) > 1 else days[day]
        for day in sorted(days)
    }


def _scans_by_day(record: PatientRecord, as_of: date) -> tuple[list[DxaScan], list[str]]:
    """One scan per day (the one with the lowest decision T-score); conflicts named."""
    chosen: list[DxaScan] = []
    conflicts: list[str] = []
    for day, ranked in _ranked_days(record.dxa_scans, as_of).items():
        chosen.append(ranked[0])
        values = {s.model_dump_json(include={"sites", "excluded_vertebrae"}) for s in ranked}
        if len(ranked) > 1 and len(values) > 1:
            shown = ", ".join(
                "no T-score"
                if (t := decision_t_score(s)) is None
                else f"{t.value:+.1f} at {t.site}"
                for s in ranked
            )
            conflicts.append(
                f"{len(ranked)} DXA results on {day.isoformat()} differ ({shown}): the lowest is "
                "used for decisions"
            )
    labs: dict[tuple[str, date], set[float]] = {}
    for lab in record.labs:
        if lab.date <= as_of:
            labs.setdefault((lab.kind, lab.date), set()).add(round(lab.normalised, 2))
    for (kind, day), lab_values in sorted(labs.items()):
        if len(lab_values) > 1:
            conflicts.append(
                f"{len(lab_values)} {kind.replace('_', ' ')} results on {day.isoformat()} differ "
                f"({', '.join(f'{v:g}' for v in sorted(lab_values))}): the lowest is used"
            )
    return chosen, conflicts


BMI_SHOWN_DECIMALS = 1


def shown_bmi(bmi: float) -> float:
    """The BMI as displayed, which every comparison uses (one decimal)."""
    return round(bmi, BMI_SHOWN_DECIMALS)


def largest_bmi_shown_below(threshold: float) -> float:
    """The largest BMI whose displayed value (`shown_bmi`) is below `threshold`, so an engine
    compares `bmi <= this` and never rounds: Spark rounds 19.95 half up to 20.0 from its
    decimal text, while Python (the display) rounds the binary value 19.9499... to 19.9."""
    cut = threshold - 0.5 * 10.0**-BMI_SHOWN_DECIMALS
    while shown_bmi(cut) >= threshold:
        cut = math.nextafter(cut, -math.inf)
    while shown_bmi(math.nextafter(cut, math.inf)) < threshold:
        cut = math.nextafter(cut, math.inf)
    return cut


def on_aromatase_inhibitor(therapy: CancerTherapy | None, day: date) -> bool:
    """On an aromatase inhibitor on `day`: started on or before it and not ended (the end day
    is off it). The one answer the rules, reminders and nutrition targets read."""
    return (
        therapy is not None
        and therapy.start_date <= day
        and (therapy.end_date is None or therapy.end_date > day)
    )


def derive_facts(record: PatientRecord, *, as_of: date) -> Facts:
    scans, conflicts = _scans_by_day(record, as_of)
    latest = scans[-1] if scans else None
    bmi = record.patient.bmi
    return Facts(
        record=record,
        as_of=as_of,
        age=record.patient.age_on(as_of),
        # Compared as displayed (one decimal): 160 cm / 51.2 kg is 20.0, not "under 20".
        bmi=None if bmi is None else shown_bmi(bmi),
        latest_scan=latest,
        lowest_t=decision_t_score(latest) if latest else None,
        premenopausal=uses_z_scores(record.patient.menopausal_status),
        bone_therapy=therapy_status(record, as_of=as_of),
        scans=tuple(scans),
        same_day_conflicts=tuple(conflicts),
    )
