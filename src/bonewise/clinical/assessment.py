"""The Assessment: every rule set side by side, with alerts, safety checks, monitoring and gaps.

`assess(record, as_of=...)` is pure: same record and day, same Assessment. Guidelines that
disagree are shown side by side; they are never merged into one verdict.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bonewise import evidence as ev
from bonewise.clinical import densitometry, safety
from bonewise.clinical.bmd_series import SiteSeries, bmd_series
from bonewise.clinical.bone_therapy import BoneTherapyStatus
from bonewise.clinical.densitometry import BmdChange, SiteScore, WhoCategory
from bonewise.clinical.facts import Facts, derive_facts
from bonewise.clinical.models import (
    RISK_FACTOR_FIELDS,
    SITES,
    AssumptionBasis,
    PatientRecord,
    Provenance,
    RiskSource,
)
from bonewise.clinical.monitoring import Monitoring, dxa_alerts, monitoring, therapy_alerts
from bonewise.clinical.results import (
    Alert,
    DataGap,
    GuidelineDecision,
    Recommendation,
    recommend,
)
from bonewise.clinical.rules import asco_2019, hadji_2017, seed_tiers

RULE_SETS = (hadji_2017, asco_2019, seed_tiers)
NO_FRAX = "no FRAX result entered by a clinician"  # the FRAX gap's why when none is entered
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
    """`stopped`: automated exercise and lifestyle plans are withheld (route to a clinician).
    `limited`: the exercise plan runs at low impact with no loaded spinal flexion or twisting
    until a clinician confirms (e.g. bone metastases status unknown)."""

    stopped: bool
    reasons: list[str]
    limited: bool = False
    limited_reasons: list[str] = Field(default_factory=list)


class ClinicalOsteoporosis(_Out):
    """Osteoporosis established clinically by a hip or vertebral fragility fracture, shown beside
    the densitometric `who_category` (which stays T-score based)."""

    present: bool
    reasons: list[str]
    plain_words: str | None = Field(default=None, description="for the patient's own page")
    citation: str
    evidence: ev.Evidence


RiskAnswer = Literal["yes", "no", "not recorded", "not sure"]


class RiskFactorAnswer(_Out):
    """One risk factor with its provenance: 'no' (asked) and 'not recorded' (never asked) differ."""

    name: str
    answer: RiskAnswer
    value: bool | int | str | None
    source: RiskSource | None = Field(description="patient, clinician, ehr-import; None: unknown")
    recorded_on: date | None
    basis: AssumptionBasis | None = Field(
        default=None, description="set when the answer was assumed, not stated (EHR import)"
    )
    words: str = Field(
        default="",
        description="the answer as a clinician reads it: 'no (asked)' only when someone was "
        "asked, 'no (assumed: ...)' for an assumption",
    )


class AssumedValue(_Out):
    """A value the decision used that no one stated (the record's assumptions still in force)."""

    field: str
    value: bool | int | float | str | None
    basis: AssumptionBasis
    statement: str
    confirm: bool
    line: str = Field(description="one line in the clinician's words")


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
    bmd_series: list[SiteSeries]  # the one BMD series every screen and report draws
    bmd_changes: list[BmdChange]  # each series' change verdict (the latest scan vs baseline)
    guidelines: dict[str, GuidelineDecision]
    recommendations: list[Recommendation]
    safety_checks: list[Recommendation]
    alerts: list[Alert]
    monitoring: Monitoring
    data_gaps: list[DataGap]
    automation: Automation
    bone_therapy: BoneTherapyStatus
    clinical_osteoporosis: ClinicalOsteoporosis
    ovarian_suppression: bool
    risk_factors: list[RiskFactorAnswer]
    assumptions: list[AssumedValue] = Field(default_factory=list)
    disclaimer: str = DISCLAIMER

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @property
    def therapy_indicated_by(self) -> list[str]:
        """The guidelines whose answer is bone-directed therapy: the one answer the panel, the CDS
        cards, her page and her report read. Only the therapy-deciding rule sets count; seed-tiers
        is patient education and never makes anyone a therapy gap."""
        return [
            name
            for name in THERAPY_DECIDING_RULE_SETS
            if name in self.guidelines and self.guidelines[name].bone_directed_therapy
        ]

    @staticmethod
    def decides_therapy(rule_set: str) -> bool:
        """False for a rule set that is patient education (seed-tiers): shown as such."""
        return rule_set in THERAPY_DECIDING_RULE_SETS


def assess(record: PatientRecord, *, as_of: date) -> Assessment:
    facts = derive_facts(record, as_of=as_of)
    decisions = {rules.RULE_SET: rules.decide(facts) for rules in RULE_SETS}
    recommendations = [
        rec
        for rules in RULE_SETS
        for rec in rules.recommendations(facts, decisions[rules.RULE_SET])
    ]
    if facts.bone_metastases is True and not facts.male:
        recommendations.append(_oncology_route())
    transition = safety.denosumab_transition(facts)
    if transition is not None:
        recommendations.append(transition)
    if facts.premenopausal:
        recommendations.append(_premenopausal_note(facts))
    recommendations += _therapy_for_patient(facts)
    recommendations += _questions_for_team(decisions)
    vfa = _vertebral_imaging(facts)
    if vfa is not None:
        recommendations.append(vfa)
    if facts.ai_ended and not facts.male:
        recommendations.append(_standard_screening(facts))
    schedule = monitoring(facts)
    stops = safety.automation_stops(facts)
    if stops:
        recommendations = [r for r in recommendations if r.id not in AUTOMATED_PATIENT_PLANS]
        recommendations.append(_clinician_review(stops))
    limits = safety.exercise_limits(facts)
    series = bmd_series(facts.scans)
    return Assessment(
        patient_id=record.id,
        as_of=as_of,
        age=facts.age,
        bmi=None if facts.bmi is None else round(facts.bmi, 1),
        menopausal_status="not-applicable" if facts.male else record.patient.menopausal_status,
        who_category=facts.who_category,
        lowest_t_score=facts.lowest_t,
        site_t_scores=densitometry.site_scores(facts.latest_scan) if facts.latest_scan else [],
        z_scores=_z_scores(facts),
        bmd_series=list(series),
        bmd_changes=[s.change for s in series if s.change is not None],
        guidelines=decisions,
        recommendations=recommendations,
        safety_checks=_safety_checks(facts, decisions),
        alerts=safety.alerts(facts)
        + dxa_alerts(facts, schedule)
        + therapy_alerts(facts, decisions[hadji_2017.RULE_SET]),
        monitoring=schedule,
        data_gaps=data_gaps(facts),
        automation=Automation(
            stopped=bool(stops), reasons=stops, limited=bool(limits), limited_reasons=limits
        ),
        bone_therapy=facts.bone_therapy,
        clinical_osteoporosis=_clinical_osteoporosis(facts),
        ovarian_suppression=facts.ovarian_suppression,
        risk_factors=risk_factor_answers(facts),
        assumptions=assumptions_in_force(record),
    )


# Rule sets whose "true" means bone-directed therapy is indicated (a therapy gap when none is
# active) and triggers the pre-therapy safety checks. seed-tiers is patient education (issue 12):
# its tiers never do either.
THERAPY_DECIDING_RULE_SETS = (hadji_2017.RULE_SET, asco_2019.RULE_SET)
SAFETY_TRIGGERING_RULE_SETS = THERAPY_DECIDING_RULE_SETS
# Recommendations that suggest starting bone-directed therapy: never while she is on it.
STARTING_RECOMMENDATIONS = frozenset(
    {"hadji-2017.bta", "hadji-2017.bta-patient", "asco-2019.therapy"}
)


def _safety_checks(facts: Facts, decisions: dict[str, GuidelineDecision]) -> list[Recommendation]:
    if facts.bone_therapy.on_therapy:
        return safety.on_therapy_checks(facts)
    if any(decisions[name].bone_directed_therapy for name in SAFETY_TRIGGERING_RULE_SETS):
        return safety.pre_therapy_checks(facts)
    return []


def _oncology_route() -> Recommendation:
    return recommend(
        id="oncology.bone-metastases",
        audience="clinician",
        text="Bone metastases recorded: the osteoporosis rule sets do not apply. Bone-modifying "
        "agent choice and dosing are an oncology decision; refer to her oncology team.",
        rule_id="scope.bone-metastases",
        guideline="scope",
        basis=ev.ASCO_NONMETASTATIC_ONLY,
    )


def _therapy_for_patient(facts: Facts) -> list[Recommendation]:
    """Her own treatment's next date, never to start, stop or change it. The words name no drug
    (her pages may show the name from `Assessment.bone_therapy.agent` where they choose to)."""
    bt = facts.bone_therapy
    if not bt.on_therapy or bt.agent is None:
        return []
    text = "Your record shows a bone-protecting treatment"
    if bt.started is not None:
        text += f" since {bt.started.isoformat()}"
    text += "."
    if bt.next_dose_due is not None:
        text += (
            f" The next one was due on {bt.next_dose_due.isoformat()}: ask your team about it."
            if bt.status == "overdue"
            else f" The next one is due on {bt.next_dose_due.isoformat()}."
        )
    return [
        recommend(
            id="bone-therapy.patient",
            audience="patient",
            text=text,
            rule_id=bt.rule_id,
            guideline="bone-therapy",
            basis=ev.ON_THERAPY_CHECKS,
            inputs={"status": bt.status, "next_due": _iso(bt.next_dose_due)},
        )
    ]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _questions_for_team(decisions: dict[str, GuidelineDecision]) -> list[Recommendation]:
    """Provisional decisions: the facts that would change them, as questions for her team."""
    asked = list(
        dict.fromkeys(q for d in decisions.values() for q in d.would_change_if if "FRAX" not in q)
    )
    if not asked:
        return []
    return [
        recommend(
            id="decisions.questions-for-team",
            audience="patient",
            text="Some answers are not on your record yet, and they could change the advice about "
            "protecting your bones. Your team may ask you about: " + "; ".join(asked) + ".",
            rule_id="decisions.provisional",
            guideline="decisions",
            basis=ev.PROVISIONAL_CONVENTION,
            inputs={"would_change_if": asked},
        )
    ]


def _vertebral_imaging(facts: Facts) -> Recommendation | None:
    """RACGP rec 37: vertebral fracture assessment at baseline where no spine imaging is recorded."""
    if facts.male or facts.bone_metastases is True or not (facts.on_ai or _starting(facts)):
        return None
    if facts.record.vertebral_imaging or facts.vertebral_fracture:
        return None
    low_z = any(z.value <= ev.VFA_PREMENOPAUSAL_Z.value for z in _z_scores(facts))
    if facts.premenopausal_without_suppression and not low_z:
        return None
    return recommend(
        id="racgp.vfa-baseline",
        audience="clinician",
        text="No vertebral imaging recorded: vertebral fracture assessment (VFA on DXA, or "
        "thoracolumbar radiographs) at baseline to exclude subclinical vertebral fractures.",
        rule_id="racgp-37.vfa",
        guideline="racgp-osteoporosis",
        basis=ev.VFA_AT_BASELINE,
    )


def _starting(facts: Facts) -> bool:
    therapy = facts.record.therapy
    return therapy is not None and therapy.start_date > facts.as_of


def _standard_screening(facts: Facts) -> Recommendation:
    therapy = facts.record.therapy
    end = therapy.end_date.isoformat() if therapy and therapy.end_date else "?"
    return recommend(
        id="monitoring.ai-ended",
        audience="clinician",
        text=f"The aromatase inhibitor ended on {end}: AI bone-loss monitoring stops and she "
        "returns to standard osteoporosis screening.",
        rule_id="monitoring.ai-ended",
        guideline="monitoring",
        basis=ev.AI_ENDED_STANDARD_SCREENING,
        inputs={"ai_end_date": end},
    )


def _clinical_osteoporosis(facts: Facts) -> ClinicalOsteoporosis:
    reasons = [] if facts.male else facts.clinical_osteoporosis_reasons
    return ClinicalOsteoporosis(
        present=bool(reasons),
        reasons=reasons,
        plain_words=(
            "You have had a broken bone in the spine or hip from a minor fall or without a "
            "clear injury. Doctors treat this as osteoporosis, whatever your bone scan number."
        )
        if reasons
        else None,
        citation=ev.CLINICAL_OSTEOPOROSIS_FRACTURE.citation,
        evidence=ev.CLINICAL_OSTEOPOROSIS_FRACTURE.evidence,
    )


def risk_factor_answers(facts: Facts) -> list[RiskFactorAnswer]:
    rf = facts.record.risk_factors
    answers: list[RiskFactorAnswer] = []
    for name in RISK_FACTOR_FIELDS:
        value = getattr(rf, name)
        provenance = rf.provenance.get(name)
        answer: RiskAnswer
        if value is None:
            answer = "not sure" if provenance is not None and provenance.unsure else "not recorded"
        elif name == "smoking":
            answer = "no" if value == "never" else "yes"
        else:
            answer = "yes" if value else "no"
        basis = None if provenance is None else provenance.basis
        answers.append(
            RiskFactorAnswer(
                name=name,
                answer=answer,
                value=value,
                source=None if provenance is None else provenance.source,
                recorded_on=None if provenance is None else provenance.recorded_on,
                basis=basis,
                words=_answer_words(answer, provenance),
            )
        )
    return answers


_BASIS_WORDS: dict[str, str] = {
    "absent-from-record": "assumed: not on the EHR's lists",
    "inferred": "inferred from the EHR record",
    "defaulted": "assumed by default",
    "unrecognised-code": "an EHR code bonewise does not know: please confirm",
}


def _answer_words(answer: RiskAnswer, provenance: Provenance | None) -> str:
    """'no (asked)' only when someone was asked (she or her clinician answered); an assumed
    answer says so; 'not recorded (never asked)' stays apart from a 'no'."""
    if provenance is not None and provenance.basis is not None:
        return f"{answer} ({_BASIS_WORDS[provenance.basis]})"
    if answer == "not recorded":
        return "not recorded (never asked)"
    asked = provenance is not None and provenance.source in ("patient", "clinician")
    if answer == "no" and asked:
        return "no (asked)"
    return answer


def _current_value(record: PatientRecord, field: str) -> Any:
    """The record's value at a dotted path ("therapy.planned_years"); a list path ("[]") has
    no single value and returns the marker `_LIST`."""
    if "[]" in field:
        return _LIST
    value: Any = record
    for part in field.split("."):
        value = getattr(value, part, _MISSING)
        if value is _MISSING:
            return _MISSING
    return value


_LIST = object()
_MISSING = object()


def assumptions_in_force(record: PatientRecord) -> list[AssumedValue]:
    """The record's assumptions that still hold: a risk factor whose provenance still names an
    assumption basis, any other field still holding the value taken (a clinician's correction
    ends the assumption). Screens, reports, cards and exports read this list."""
    kept: list[AssumedValue] = []
    provenance = record.risk_factors.provenance
    for a in record.assumptions:
        name = a.field.removeprefix("risk_factors.")
        if name != a.field:
            given = provenance.get(name)
            if given is None or given.basis is None:
                continue
        else:
            current = _current_value(record, a.field)
            if isinstance(current, date):  # an assumption keeps a date as its ISO text
                current = current.isoformat()
            if current is _MISSING or (current is not _LIST and current != a.value):
                continue
        kept.append(
            AssumedValue(
                field=a.field,
                value=a.value,
                basis=a.basis,
                statement=a.statement,
                confirm=a.confirm,
                line=a.statement + (" - please confirm" if a.confirm else ""),
            )
        )
    return kept


# Patient advice that is an automated lifestyle plan, withheld while automation is stopped.
AUTOMATED_PATIENT_PLANS = frozenset({"hadji-2017.lifestyle"})


def _clinician_review(stops: list[str]) -> Recommendation:
    return recommend(
        id="automation.clinician-review",
        audience="patient",
        text="Your care team needs to look at your situation before bonewise suggests any "
        "exercise or lifestyle plan. Ask them which kinds of exercise are safe for you for now.",
        rule_id="safety.automation-stop",
        guideline="safety",
        basis=ev.AUTOMATION_ROUTE,
        inputs={"reasons": stops},
    )


def _z_scores(facts: Facts) -> list[ZScore]:
    if facts.latest_scan is None:
        return []
    sites = facts.latest_scan.sites
    # in the fixed site order: the order the scan's sites were written in never shows
    return [
        ZScore(
            site=site,
            value=r.z_score,
            interpretation=densitometry.z_score_interpretation(r.z_score),
        )
        for site in SITES
        if (r := sites.get(site)) is not None and r.z_score is not None
    ]


def _premenopausal_note(facts: Facts) -> Recommendation:
    z_scores = _z_scores(facts)
    low_z = [z for z in z_scores if z.interpretation == densitometry.BELOW_EXPECTED_FOR_AGE]
    if low_z:
        verdict = (
            "Z-score below the expected range for age at "
            + ", ".join(z.site.replace("_", " ") for z in low_z)
            + ": look for secondary causes."
        )
    elif z_scores:
        verdict = "Z-scores are within the expected range for age."
    elif facts.latest_scan is not None:
        verdict = "No Z-scores reported: ask the DXA service for them."
    else:
        verdict = "No DXA yet."
    text = (
        "Premenopausal: read the Z-scores, not the WHO categories; osteoporosis is not diagnosed "
        "from DXA alone. " + verdict
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
                    "WHO category",
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
                why="not recorded or not sure",
                blocks=["full exercise plan (limited to low impact until a clinician confirms)"],
            )
        )
    if (record.frax is None or facts.frax_stale_because) and not facts.male:
        gaps.append(
            DataGap(
                field="frax",
                why=facts.frax_stale_because or NO_FRAX,
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
