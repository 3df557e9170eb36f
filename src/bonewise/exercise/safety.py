"""What decides whether and how she may exercise: a small profile taken from her assessment.

The planner reads only this profile. It comes from the clinical Assessment (WHO category,
Z-scores, alerts, automation stops) plus the record's vertebral fractures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bonewise.clinical.assessment import Assessment, assess
from bonewise.clinical.densitometry import BELOW_EXPECTED_FOR_AGE, WhoCategory
from bonewise.clinical.facts import derive_facts
from bonewise.clinical.models import PatientRecord
from bonewise.exercise.guidance import RECENT_FRACTURE_BLOCK_MONTHS

BLOCKING_ALERTS = ("bone-metastases", "recent-fracture")
# Automation stops that the blocking alerts above already explain.
STOPS_SHOWN_BY_ALERTS = ("bone metastases recorded", "fracture in the last")
LOW_FOR_AGE = BELOW_EXPECTED_FOR_AGE  # the core's Z-score interpretation, read as it says


@dataclass(frozen=True, slots=True)
class SafetyProfile:
    """The facts the planner adapts to, with the reasons they were set."""

    who_category: WhoCategory | None
    low_for_age: bool | None  # premenopausal Z-scores; None when there are none
    vertebral_fracture: bool
    blocked_reasons: tuple[str, ...] = ()
    basis: tuple[str, ...] = ()
    # Bone metastases not confirmed either way ("not sure" or not recorded): low impact, no
    # loaded spinal flexion or twisting until a clinician confirms (Assessment.automation.limited).
    metastases_unconfirmed: bool = False

    @property
    def osteoporosis(self) -> bool:
        return self.who_category == "osteoporosis"

    @property
    def bone_density_known(self) -> bool:
        return self.who_category is not None or self.low_for_age is not None

    @property
    def spine_sparing(self) -> bool:
        """Osteoporosis, a vertebral fracture, bone density below the expected range for age,
        or no bone density result yet (unknown is not normal): no high impact, no loaded
        flexion or twisting, daily posture work."""
        return (
            self.osteoporosis
            or self.vertebral_fracture
            or bool(self.low_for_age)
            or not self.bone_density_known
            or self.metastases_unconfirmed
        )

    @property
    def blocked(self) -> bool:
        return bool(self.blocked_reasons)

    @property
    def spine_sparing_because(self) -> str:
        reasons = []
        if self.osteoporosis:
            reasons.append("osteoporosis")
        if self.low_for_age:
            reasons.append("bone density below the expected range for your age")
        if self.vertebral_fracture:
            reasons.append("a spine (vertebral) fracture")
        if not self.bone_density_known:
            reasons.append("no bone density result on record yet")
        if self.metastases_unconfirmed:
            reasons.append(
                "the open question of whether the cancer has spread to your bones, which your "
                "care team has not yet confirmed"
            )
        # noun phrases, read after "Because of"
        return reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]


def safety_profile_from(assessment: Assessment, record: PatientRecord) -> SafetyProfile:
    """The profile from an assessment already made for `record`."""
    as_of = assessment.as_of
    basis = [f"WHO category: {assessment.who_category or 'unknown'}"]
    if assessment.lowest_t_score is not None:
        t = assessment.lowest_t_score
        basis[0] += f" (lowest T-score {t.value:+.1f} at {t.site}, {t.scan_date.isoformat()})"
    low_for_age: bool | None = None
    if assessment.z_scores:
        low_for_age = any(z.interpretation == LOW_FOR_AGE for z in assessment.z_scores)
        basis.append(
            "Z-scores: "
            + ", ".join(
                f"{z.site} {z.value:+.1f} ({z.interpretation})" for z in assessment.z_scores
            )
        )
    facts = derive_facts(record, as_of=as_of)
    vertebral = bool(facts.vertebral_fracture)  # the core's answer: declared or on record
    if vertebral:
        basis.append("vertebral fracture on record")
    reasons: list[str] = []
    alert_ids = {a.id for a in assessment.alerts}
    if "bone-metastases" in alert_ids:
        reasons.append("bone metastases are recorded")
    if "recent-fracture" in alert_ids:
        latest = max(facts.recent_fractures, key=lambda f: f.date, default=None)
        reasons.append(
            f"a {latest.site} fracture on {latest.date.isoformat()} is within the last "
            f"{RECENT_FRACTURE_BLOCK_MONTHS.value} months"
            if latest is not None
            else f"a fracture is recorded within the last {RECENT_FRACTURE_BLOCK_MONTHS.value} "
            "months"
        )
    for stop in assessment.automation.reasons:
        if stop.startswith(STOPS_SHOWN_BY_ALERTS):
            continue
        reasons.append(stop)
    basis += [f"limited: {why}" for why in assessment.automation.limited_reasons]
    basis += [f"alert {a.id}: {a.text}" for a in assessment.alerts if a.id in BLOCKING_ALERTS]
    return SafetyProfile(
        who_category=assessment.who_category,
        low_for_age=low_for_age,
        vertebral_fracture=vertebral,
        blocked_reasons=tuple(reasons),
        basis=tuple(basis),
        metastases_unconfirmed=assessment.automation.limited,
    )


def safety_profile(record: PatientRecord, *, as_of: date) -> SafetyProfile:
    """The exercise safety profile of `record` on `as_of`."""
    return safety_profile_from(assess(record, as_of=as_of), record)
