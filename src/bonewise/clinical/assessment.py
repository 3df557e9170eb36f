"""The Assessment: every rule set side by side, with alerts, safety checks, monitoring and gaps.

`assess(record, as_of=...)` is pure: same record and day, same Assessment. Guidelines that
disagree are shown side by side; they are never merged into one verdict.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from bonewise import evidence as ev
from bonewise.clinical import densitometry, safety
from bonewise.clinical.densitometry import BmdChange, SiteScore, WhoCategory
from bonewise.clinical.facts import Facts, derive_facts
from bonewise.clinical.models import SITES, PatientRecord
from bonewise.clinical.monitoring import Monitoring, dxa_alerts, monitoring
from bonewise.clinical.results import (
    Alert,
    DataGap,
    GuidelineDecision,
    Recommendation,
    recommend,
)
from bonewise.clinical.rules import asco_2019, hadji_2017, seed_tiers

RULE_SETS = (hadji_2017, asco_2019, seed_tiers)
DISCLAIMER = (
    "Decision support for review by the care team, not a diagnosis or a prescription. "
    "Every recommendation names its rule, inputs, threshold and source."
)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ZScore(_Out):
    site: str
    value: float
    interpretation: str


class Automation(_Out):
    stopped: bool
    reasons: list[str]


class Assessment(_Out):
    patient_id: str
    as_of: date
    age: int
    bmi: float | None
    menopausal_status: str
    who_category: WhoCategory | None
    lowest_t_score: SiteScore | None
    site_t_scores: list[SiteScore]
    z_scores: list[ZScore]
    bmd_changes: list[BmdChange]
    guidelines: dict[str, GuidelineDecision]
    recommendations: list[Recommendation]
    safety_checks: list[Recommendation]
    alerts: list[Alert]
    monitoring: Monitoring
    data_gaps: list[DataGap]
    automation: Automation
    disclaimer: str = DISCLAIMER

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def assess(record: PatientRecord, *, as_of: date) -> Assessment:
    facts = derive_facts(record, as_of=as_of)
    decisions = {rules.RULE_SET: rules.decide(facts) for rules in RULE_SETS}
    recommendations = [
        rec
        for rules in RULE_SETS
        for rec in rules.recommendations(facts, decisions[rules.RULE_SET])
    ]
    any_therapy = any(d.bone_directed_therapy for d in decisions.values())
    transition = safety.denosumab_transition(facts)
    if transition is not None:
        recommendations.append(transition)
    if facts.premenopausal:
        recommendations.append(_premenopausal_note(facts))
    schedule = monitoring(facts)
    stops = safety.automation_stops(facts)
    if stops:
        recommendations = [r for r in recommendations if r.id not in AUTOMATED_PATIENT_PLANS]
        recommendations.append(_clinician_review(stops))
    return Assessment(
        patient_id=record.id,
        as_of=as_of,
        age=facts.age,
        bmi=None if facts.bmi is None else round(facts.bmi, 1),
        menopausal_status=record.patient.menopausal_status,
        who_category=facts.who_category,
        lowest_t_score=facts.lowest_t,
        site_t_scores=densitometry.site_scores(facts.latest_scan) if facts.latest_scan else [],
        z_scores=_z_scores(facts),
        bmd_changes=_changes(facts),
        guidelines=decisions,
        recommendations=recommendations,
        safety_checks=safety.pre_therapy_checks(facts) if any_therapy else [],
        alerts=safety.alerts(facts) + dxa_alerts(facts, schedule),
        monitoring=schedule,
        data_gaps=data_gaps(facts),
        automation=Automation(stopped=bool(stops), reasons=stops),
    )


# Patient advice that is an automated lifestyle plan, withheld while automation is stopped.
AUTOMATED_PATIENT_PLANS = frozenset({"hadji-2017.lifestyle"})


def _clinician_review(stops: list[str]) -> Recommendation:
    return recommend(
        id="automation.clinician-review",
        audience="patient",
        text="Your care team needs to look at your situation before bonewise suggests any "
        "exercise or lifestyle plan. Ask them which activities are safe for you for now.",
        rule_id="safety.automation-stop",
        guideline="safety",
        basis=ev.AUTOMATION_ROUTE,
        inputs={"reasons": stops},
    )


def _z_scores(facts: Facts) -> list[ZScore]:
    if facts.latest_scan is None:
        return []
    return [
        ZScore(
            site=site,
            value=r.z_score,
            interpretation=densitometry.z_score_interpretation(r.z_score),
        )
        for site, r in facts.latest_scan.sites.items()
        if r.z_score is not None
    ]


def _changes(facts: Facts) -> list[BmdChange]:
    """Change at each site between the two latest scans, against its least significant change."""
    scans = [s for s in facts.record.scans_by_date if s.date <= facts.as_of]
    if len(scans) < 2:
        return []
    earlier, later = scans[-2], scans[-1]
    changes = (densitometry.bmd_change(earlier, later, site) for site in SITES)
    return [change for change in changes if change is not None]


def _premenopausal_note(facts: Facts) -> Recommendation:
    low_z = [z for z in _z_scores(facts) if z.value <= ev.PREMENOPAUSAL_LOW_Z.value]
    text = (
        "Premenopausal: read the Z-scores, not the WHO categories; osteoporosis is not diagnosed "
        "from DXA alone. "
        + (
            "Z-score below the expected range for age at "
            + ", ".join(z.site.replace("_", " ") for z in low_z)
            + ": look for secondary causes."
            if low_z
            else "Z-scores are within the expected range for age."
        )
    )
    return recommend(
        id="densitometry.premenopausal",
        audience="clinician",
        text=text,
        rule_id="densitometry.z-score",
        guideline="iscd-2023",
        basis=ev.PREMENOPAUSAL_NO_DXA_DIAGNOSIS,
        inputs={"z_scores": {z.site: z.value for z in _z_scores(facts)}},
        threshold=f"Z <= {ev.PREMENOPAUSAL_LOW_Z.value}",
    )


def data_gaps(facts: Facts) -> list[DataGap]:
    record = facts.record
    rf = record.risk_factors
    gaps: list[DataGap] = []
    if facts.latest_scan is None:
        gaps.append(
            DataGap(
                field="dxa_scans",
                why="no DXA scan recorded",
                blocks=[
                    "who_category",
                    "hadji-2017 T-score criteria",
                    "asco-2019 T-score criterion",
                    "seed-tiers",
                ],
            )
        )
    if record.therapy is None:
        gaps.append(
            DataGap(
                field="therapy",
                why="no aromatase-inhibitor therapy recorded",
                blocks=["monitoring dates", "baseline DXA check"],
            )
        )
    if facts.bmi is None:
        gaps.append(
            DataGap(
                field="patient.height/weight",
                why="BMI unknown",
                blocks=["hadji-2017 risk factor BMI < 20"],
            )
        )
    unknown = [
        name
        for name, value in (
            ("parental_hip_fracture", rf.parental_hip_fracture),
            ("prior_fragility_fracture_after_50", facts.fragility_fracture_after_50),
            ("oral_glucocorticoids_over_6_months", rf.oral_glucocorticoids_over_6_months),
            ("smoking", rf.smoking),
        )
        if value is None
    ]
    if unknown:
        gaps.append(
            DataGap(
                field="risk_factors." + ",".join(unknown),
                why="not recorded: the hadji-2017 decision is left open where one of them could change it",
                blocks=["hadji-2017 risk-factor count"],
            )
        )
    if rf.bone_metastases is None:
        gaps.append(
            DataGap(
                field="risk_factors.bone_metastases",
                why="not recorded",
                blocks=["automated exercise and lifestyle plans"],
            )
        )
    if record.frax is None and not facts.premenopausal:
        gaps.append(
            DataGap(
                field="frax",
                why="no FRAX result entered by a clinician",
                blocks=["asco-2019 FRAX criterion"],
            )
        )
    for kind, label in (
        ("25_oh_vitamin_d", "25-OH vitamin D"),
        ("serum_calcium", "serum calcium"),
        ("creatinine_clearance", "creatinine clearance"),
    ):
        if record.latest_lab(kind, on_or_before=facts.as_of) is None:
            gaps.append(
                DataGap(
                    field=f"labs.{kind}",
                    why=f"no {label} result",
                    blocks=["pre-therapy safety checks"],
                )
            )
    return gaps
