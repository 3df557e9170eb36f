"""Safety: the checks before bone-directed therapy, denosumab lapses, and what stops automation.

clinical-reference.md section 3e: dental examination first; correct low 25-OH vitamin D or
hypocalcaemia first; renal function before zoledronic acid; stopping denosumab needs a
transition plan. Bone metastases or a recent fracture route to a clinician.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bonewise import evidence as ev
from bonewise.clinical.calendar import add_months
from bonewise.clinical.facts import Facts
from bonewise.clinical.models import ANTIRESORPTIVES, BoneTherapy
from bonewise.clinical.results import Alert, Recommendation, alert, recommend

CheckStatus = Literal["to do", "attention", "unknown"]

RULE_PREFIX = "safety"


@dataclass(frozen=True, slots=True)
class LapseStatus:
    last_dose: date
    next_due: date
    lapsed_after: date
    lapsed: bool
    followed_by: str | None  # another antiresorptive started after the last dose


def denosumab_lapse(facts: Facts) -> LapseStatus | None:
    """[C]/[S] A denosumab dose more than 6 months + 4 weeks after the last is a lapse, unless
    another antiresorptive was started after the last dose."""
    courses = [t for t in facts.record.bone_therapy if t.agent == "denosumab"]
    doses = sorted(d for t in courses for d in t.doses if d <= facts.as_of)
    if not doses:
        return None
    last = doses[-1]
    next_due = add_months(last, ev.DENOSUMAB_INTERVAL_MONTHS.value)
    lapsed_after = next_due + timedelta(weeks=ev.DENOSUMAB_GRACE_WEEKS.value)
    followed_by = _antiresorptive_after(facts.record.bone_therapy, last, facts.as_of)
    return LapseStatus(
        last_dose=last,
        next_due=next_due,
        lapsed_after=lapsed_after,
        lapsed=facts.as_of > lapsed_after and followed_by is None,
        followed_by=followed_by,
    )


def _antiresorptive_after(therapies: list[BoneTherapy], after: date, as_of: date) -> str | None:
    for therapy in therapies:
        if therapy.agent == "denosumab" or therapy.agent not in ANTIRESORPTIVES:
            continue
        if after < therapy.first_date <= as_of:
            return therapy.agent
    return None


def vitamin_d_ng_ml(facts: Facts) -> tuple[float, date] | None:
    """The latest 25-OH vitamin D in ng/mL, unrounded (thresholds compare the exact value)."""
    lab = facts.record.latest_lab("25_oh_vitamin_d", on_or_before=facts.as_of)
    return None if lab is None else (lab.normalised, lab.date)


def alerts(facts: Facts) -> list[Alert]:
    found: list[Alert] = []
    if facts.bone_metastases is True:
        found.append(
            alert(
                id="bone-metastases",
                severity="critical",
                text="Bone metastases recorded: automated lifestyle and exercise plans are "
                "stopped. A clinician decides the plan; exercise needs screening by lesion site.",
                rule_id=f"{RULE_PREFIX}.bone-metastases",
                basis=ev.BONE_METASTASES_ROUTE,
            )
        )
    recent = facts.recent_fractures
    if recent:
        latest = max(recent, key=lambda f: f.date)
        found.append(
            alert(
                id="recent-fracture",
                severity="critical",
                text=f"Fracture ({latest.site}) on {latest.date.isoformat()}, within the last "
                f"{ev.RECENT_FRACTURE_MONTHS.value} months: automated plans are stopped until a "
                "clinician reviews.",
                rule_id=f"{RULE_PREFIX}.recent-fracture",
                basis=ev.RECENT_FRACTURE_MONTHS,
            )
        )
    vitamin_d = vitamin_d_ng_ml(facts)
    if vitamin_d is not None and vitamin_d[0] < ev.VITAMIN_D_LOW_NG_ML.value:
        found.append(
            alert(
                id="vitamin-d-low",
                severity="warning",
                text=f"25-OH vitamin D {vitamin_d[0]:.1f} ng/mL on {vitamin_d[1].isoformat()} is below "
                f"{ev.VITAMIN_D_LOW_NG_ML.value:g} ng/mL (50 nmol/L): correct it before starting "
                "bone-directed therapy, and recheck.",
                rule_id=f"{RULE_PREFIX}.vitamin-d-low",
                basis=ev.VITAMIN_D_LOW_NG_ML,
            )
        )
    lapse = denosumab_lapse(facts)
    if lapse is not None and lapse.lapsed:
        found.append(
            alert(
                id="denosumab-lapse",
                severity="critical",
                text=f"Denosumab lapse: last dose {lapse.last_dose.isoformat()}, next was due "
                f"{lapse.next_due.isoformat()} and no other antiresorptive has been started. "
                "Stopping denosumab causes rebound bone loss and a risk of multiple vertebral "
                "fractures: give the dose or a planned transition without delay.",
                rule_id=f"{RULE_PREFIX}.denosumab-lapse",
                basis=ev.DENOSUMAB_GRACE_WEEKS,
            )
        )
    return found


def pre_therapy_checks(facts: Facts) -> list[Recommendation]:
    """The checks to do before any 'consider bone-directed therapy' result is acted on."""
    checks = [
        recommend(
            id="safety.dental",
            audience="clinician",
            text="Dental examination and any needed dental work before starting a bisphosphonate "
            "or denosumab (MRONJ risk is very low at osteoporosis doses).",
            rule_id="safety.dental",
            guideline="safety",
            basis=ev.DENTAL_CHECK,
        )
    ]
    vitamin_d = vitamin_d_ng_ml(facts)
    low = ev.VITAMIN_D_LOW_NG_ML.value
    if vitamin_d is None:
        vd_text = (
            "Measure 25-OH vitamin D before starting: correct it first if below "
            f"{low:g} ng/mL (50 nmol/L)."
        )
    elif vitamin_d[0] < low:
        vd_text = (
            f"25-OH vitamin D is {vitamin_d[0]:.1f} ng/mL: correct it before starting therapy."
        )
    else:
        vd_text = (
            f"25-OH vitamin D {vitamin_d[0]:.1f} ng/mL ({vitamin_d[1].isoformat()}) is adequate."
        )
    checks.append(
        recommend(
            id="safety.vitamin-d",
            audience="clinician",
            text=vd_text,
            rule_id="safety.vitamin-d",
            guideline="safety",
            basis=ev.VITAMIN_D_LOW_NG_ML,
            inputs={"25_oh_vitamin_d_ng_ml": None if vitamin_d is None else round(vitamin_d[0], 2)},
            threshold=f"< {low:g} ng/mL",
        )
    )
    calcium = facts.record.latest_lab("serum_calcium", on_or_before=facts.as_of)
    ca_low = ev.SERUM_CALCIUM_LOW_MG_DL.value
    if calcium is None:
        ca_text = "Measure serum calcium: hypocalcaemia must be corrected before starting."
    elif calcium.normalised < ca_low:
        ca_text = (
            f"Serum calcium {calcium.normalised:.1f} mg/dL looks low: correct "
            "hypocalcaemia before starting (check against the lab's reference range)."
        )
    else:
        ca_text = f"Serum calcium {calcium.normalised:.1f} mg/dL ({calcium.date.isoformat()})."
    checks.append(
        recommend(
            id="safety.calcium",
            audience="clinician",
            text=ca_text,
            rule_id="safety.calcium",
            guideline="safety",
            basis=ev.SERUM_CALCIUM_LOW_MG_DL,
            inputs={
                "serum_calcium_mg_dl": None if calcium is None else round(calcium.normalised, 2)
            },
            threshold=f"< {ca_low} mg/dL (lab reference range preferred)",
        )
    )
    crcl = facts.record.latest_lab("creatinine_clearance", on_or_before=facts.as_of)
    min_crcl = ev.ZOLEDRONIC_MIN_CRCL_ML_MIN.value
    if crcl is None:
        renal = "Check creatinine clearance before zoledronic acid (and before each dose)."
    elif crcl.value < min_crcl:
        renal = (
            f"Creatinine clearance {crcl.value:g} mL/min is below {min_crcl:g}: zoledronic "
            "acid is contraindicated."
        )
    else:
        renal = (
            f"Creatinine clearance {crcl.value:g} mL/min ({crcl.date.isoformat()}); recheck "
            "before each zoledronic acid dose."
        )
    checks.append(
        recommend(
            id="safety.renal",
            audience="clinician",
            text=renal,
            rule_id="safety.renal",
            guideline="safety",
            basis=ev.ZOLEDRONIC_MIN_CRCL_ML_MIN,
            inputs={"creatinine_clearance_ml_min": None if crcl is None else crcl.value},
            threshold=f"CrCl < {min_crcl:g} mL/min",
        )
    )
    return checks


def denosumab_transition(facts: Facts) -> Recommendation | None:
    """Stopping denosumab (or finishing the AI while on it) needs a transition plan."""
    lapse = denosumab_lapse(facts)
    if lapse is None or lapse.followed_by is not None:
        return None
    therapy = facts.record.therapy
    ai_ended = (
        therapy is not None and therapy.end_date is not None and therapy.end_date <= facts.as_of
    )
    stopped = any(
        t.agent == "denosumab" and t.end_date is not None and t.end_date <= facts.as_of
        for t in facts.record.bone_therapy
    )
    if not (ai_ended or stopped or lapse.lapsed):
        return None
    return recommend(
        id="safety.denosumab-transition",
        audience="clinician",
        text="Denosumab must not simply stop when the aromatase inhibitor ends: plan another "
        f"antiresorptive {ev.DENOSUMAB_INTERVAL_MONTHS.value} months after the last injection "
        f"(last: {lapse.last_dose.isoformat()}).",
        rule_id="safety.denosumab-transition",
        guideline="safety",
        basis=ev.DENOSUMAB_TRANSITION,
        inputs={"last_denosumab_dose": lapse.last_dose.isoformat(), "ai_ended": ai_ended},
    )


def automation_stops(facts: Facts) -> list[str]:
    """Why automated lifestyle plans must stop and route to a clinician (empty: they may run)."""
    reasons: list[str] = []
    if facts.bone_metastases is True:
        reasons.append("bone metastases recorded")
    elif facts.bone_metastases is None:
        reasons.append("bone metastases status not recorded")
    if facts.recent_fractures:
        reasons.append(f"fracture in the last {ev.RECENT_FRACTURE_MONTHS.value} months")
    return reasons
