"""Safety: the checks before bone-directed therapy, denosumab lapses, and what stops automation.

clinical-reference.md section 3e: dental examination first; correct low 25-OH vitamin D or
hypocalcaemia first; renal function before zoledronic acid; stopping denosumab needs a
transition plan. Bone metastases or a recent fracture route to a clinician.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from bonewise import evidence as ev
from bonewise.clinical.bone_therapy import AGENT_LABELS, course_dates
from bonewise.clinical.facts import Facts
from bonewise.clinical.models import ANTIRESORPTIVES, BoneTherapy
from bonewise.clinical.results import Alert, Recommendation, alert, recommend
from bonewise.measures import windows
from bonewise.policies import policy
from bonewise.units import NMOL_L_PER_NG_ML_25OHD

CheckStatus = Literal["to do", "attention", "unknown"]

RULE_PREFIX = "safety"


@dataclass(frozen=True, slots=True)
class LapseStatus:
    last_dose: date
    next_due: date
    lapsed_after: date
    lapsed: bool
    followed_by: str | None  # another antiresorptive started after the last dose
    exposure_only: bool  # no dose dates: the course's last known date stands for the last dose
    course_ended: date | None  # the denosumab course was recorded as stopped on this day

    def months_since_last(self, as_of: date) -> int:
        return (as_of.year - self.last_dose.year) * 12 + as_of.month - self.last_dose.month

    def urgent(self, as_of: date) -> bool:
        """Recent enough that the dose or transition is due now (older: a rebound review)."""
        return self.months_since_last(as_of) <= ev.DENOSUMAB_LAPSE_URGENT_MONTHS.value


def denosumab_lapse(facts: Facts) -> LapseStatus | None:
    """The denosumab-lapse measure for one woman (measures.toml; windows from measures.windows):
    a dose more than 6 months + 4 weeks after the last is a lapse (Lyu 2020: on time within 4
    weeks), unless another antiresorptive is dated after the last dose. A course with no dose
    dates counts its last known date as the last dose, flagged."""
    known = [
        d
        for c in facts.record.bone_therapy
        if c.agent == "denosumab" and (d := course_dates(c, facts.as_of)) is not None
    ]
    if not known:
        return None
    latest = max(known, key=lambda d: (d.last_dose, d.exposure_only is False))
    last = latest.last_dose
    next_due = windows.denosumab_next_due(last)
    lapsed_after = windows.denosumab_lapse_after(last)
    followed_by = _antiresorptive_after(facts.record.bone_therapy, last, facts.as_of)
    ended = latest.course.end_date
    return LapseStatus(
        last_dose=last,
        next_due=next_due,
        lapsed_after=lapsed_after,
        lapsed=facts.as_of > lapsed_after and followed_by is None,
        followed_by=followed_by,
        exposure_only=latest.exposure_only,
        course_ended=ended if ended is not None and ended <= facts.as_of else None,
    )


def _antiresorptive_after(therapies: list[BoneTherapy], after: date, as_of: date) -> str | None:
    """Another antiresorptive dated (started, or a dose given) after the last denosumab dose:
    a switch, which ends the lapse (the measure counts every dated record the same way)."""
    later = sorted(
        (day, t.agent)
        for t in therapies
        if t.agent != "denosumab" and t.agent in ANTIRESORPTIVES
        for day in (t.start_date, *t.doses)
        if day is not None and after < day <= as_of
    )
    return later[0][1] if later else None


def shown(value: float, threshold: float, *, below: bool) -> str:
    """`value` with as many decimals (1 to 3) as it takes to stay on the side of `threshold`
    the verdict (`below`) puts it: 19.96 below 20 is shown 19.96, never "20.0 is below 20"."""
    for places in (1, 2, 3):
        text = f"{value:.{places}f}"
        if (float(text) < threshold) == below:
            return text
    return f"{value:.3f}"


def vitamin_d_below(low_ng_ml: float) -> str:
    """The site's vitamin D level in both units: '20 ng/mL (50 nmol/L)'."""
    return f"{low_ng_ml:g} ng/mL ({low_ng_ml * NMOL_L_PER_NG_ML_25OHD:.0f} nmol/L)"


def reduced_crcl() -> str:
    """The creatinine clearances at which the 4 mg regimen is dose-reduced: '30-60'."""
    low, high = ev.ZOLEDRONIC_4MG_REDUCED_CRCL_ML_MIN.value
    return f"{low:g}-{high:g}"


@dataclass(frozen=True, slots=True)
class VitaminD:
    """Her latest 25-OH vitamin D and the core's one verdict on it."""

    ng_ml: float  # unrounded: the threshold compares the exact value
    day: date
    low: bool  # below the site's level (vitamin_d_low)


def vitamin_d_low(ng_ml: float) -> bool:
    """Below the site's vitamin D level (policy VITAMIN_D_LOW_NG_ML): the one comparison the
    vitamin-d-low alert, the pre-therapy and on-therapy checks and the recheck schedule read."""
    return ng_ml < policy("VITAMIN_D_LOW_NG_ML").value


def latest_vitamin_d(facts: Facts) -> VitaminD | None:
    """The latest 25-OH vitamin D in ng/mL on or before her day, with its verdict."""
    lab = facts.record.latest_lab("25_oh_vitamin_d", on_or_before=facts.as_of)
    if lab is None:
        return None
    return VitaminD(ng_ml=lab.normalised, day=lab.date, low=vitamin_d_low(lab.normalised))


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
    vitamin_d = latest_vitamin_d(facts)
    level = policy("VITAMIN_D_LOW_NG_ML")
    if vitamin_d is not None and vitamin_d.low:
        found.append(
            alert(
                id="vitamin-d-low",
                severity="warning",
                text=f"25-OH vitamin D {shown(vitamin_d.ng_ml, level.value, below=vitamin_d.low)} ng/mL on "
                f"{vitamin_d.day.isoformat()} is below {vitamin_d_below(level.value)}: "
                + (
                    "correct it (she is on bone-directed therapy: low vitamin D adds to the risk "
                    "of hypocalcaemia), and recheck."
                    if facts.bone_therapy.on_therapy
                    else "correct it before starting bone-directed therapy, and recheck."
                ),
                rule_id=f"{RULE_PREFIX}.vitamin-d-low",
                basis=level,
            )
        )
    lapse = denosumab_lapse(facts)
    if lapse is not None and lapse.lapsed:
        found.append(_lapse_alert(facts, lapse))
    bt = facts.bone_therapy
    if bt.status == "overdue" and bt.agent != "denosumab":
        found.append(
            alert(
                id="bone-therapy-overdue",
                severity="warning",
                text=f"{AGENT_LABELS[bt.agent or ''].capitalize()} overdue: last dose {_day(bt.last_dose)}"
                + (" (course date; no dose dates recorded)" if bt.exposure_only else "")
                + f", next was due {_day(bt.next_dose_due)} ({bt.regimen}). Check whether it "
                "was given elsewhere, and adherence.",
                rule_id=f"{RULE_PREFIX}.bone-therapy-overdue",
                basis=ev.ZOLEDRONIC_GRACE_WEEKS
                if bt.agent == "zoledronic_acid"
                else ev.ORAL_BISPHOSPHONATE_GRACE_WEEKS,
            )
        )
    for conflict in facts.same_day_conflicts:
        found.append(
            alert(
                id="same-day-conflict",
                severity="warning",
                text=f"{conflict[0].upper()}{conflict[1:]}; both are kept: check which is right.",
                rule_id=f"{RULE_PREFIX}.same-day-conflict",
                basis=ev.SAME_DAY_LOWEST,
            )
        )
    if facts.premenopausal_without_suppression and facts.on_ai:
        found.append(
            alert(
                id="confirm-menopausal-status",
                severity="warning",
                text="Recorded as premenopausal and on an aromatase inhibitor with no ovarian "
                "suppression: an AI alone is for postmenopausal women. Confirm her menopausal "
                "status, or record the ovarian suppression (goserelin, leuprorelin, "
                "triptorelin).",
                rule_id=f"{RULE_PREFIX}.confirm-menopausal-status",
                basis=ev.AI_NEEDS_MENOPAUSE,
            )
        )
    return found


def _day(day: date | None) -> str:
    return "?" if day is None else day.isoformat()


def _lapse_alert(facts: Facts, lapse: LapseStatus) -> Alert:
    last = lapse.last_dose.isoformat() + (
        " (course date; no dose dates recorded)" if lapse.exposure_only else ""
    )
    if lapse.urgent(facts.as_of):
        text = (
            f"Denosumab lapse: last dose {last}, next was due {lapse.next_due.isoformat()} and no "
            "other antiresorptive has been started. Stopping denosumab causes rebound bone loss "
            "and a risk of multiple vertebral fractures: give the dose or a planned transition "
            "without delay."
        )
    else:
        text = (
            f"Denosumab stopped: last dose {last}, {lapse.months_since_last(facts.as_of)} months "
            "ago, and no other antiresorptive recorded since. The rebound after stopping "
            "denosumab carries a risk of multiple vertebral fractures: check for vertebral "
            "fractures and review whether another antiresorptive is needed."
        )
    return alert(
        id="denosumab-lapse",
        severity="critical" if lapse.urgent(facts.as_of) else "warning",
        text=text,
        rule_id=f"{RULE_PREFIX}.denosumab-lapse",
        basis=ev.DENOSUMAB_ON_TIME_WEEKS,
    )


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
    vitamin_d = latest_vitamin_d(facts)
    level = policy("VITAMIN_D_LOW_NG_ML")
    low = level.value
    if vitamin_d is None:
        vd_text = (
            "Measure 25-OH vitamin D before starting: correct it first if below "
            f"{vitamin_d_below(low)}."
        )
    elif vitamin_d.low:
        vd_text = (
            f"25-OH vitamin D is {shown(vitamin_d.ng_ml, low, below=vitamin_d.low)} ng/mL: correct it before starting "
            "therapy."
        )
    else:
        vd_text = (
            f"25-OH vitamin D {shown(vitamin_d.ng_ml, low, below=vitamin_d.low)} ng/mL ({vitamin_d.day.isoformat()}) "
            "is adequate."
        )
    checks.append(
        recommend(
            id="safety.vitamin-d",
            audience="clinician",
            text=vd_text,
            rule_id="safety.vitamin-d",
            guideline="safety",
            basis=level,
            inputs={
                "25_oh_vitamin_d_ng_ml": None if vitamin_d is None else round(vitamin_d.ng_ml, 2)
            },
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
    regimens = (
        f"the 5 mg yearly label contraindicates it below {min_crcl:g} mL/min; the 4 mg "
        f"6-monthly adjuvant regimen is dose-reduced at {reduced_crcl()} mL/min"
    )
    if crcl is None:
        renal = (
            f"Check creatinine clearance before zoledronic acid (and before each dose): {regimens}."
        )
    elif crcl.value < min_crcl:
        renal = (
            f"Creatinine clearance {crcl.value:g} mL/min is below {min_crcl:g}: zoledronic "
            f"acid 5 mg is contraindicated; the 4 mg regimen needs dose reduction ({regimens})."
        )
    else:
        renal = (
            f"Creatinine clearance {crcl.value:g} mL/min ({crcl.date.isoformat()}); recheck "
            f"before each zoledronic acid dose ({regimens})."
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
    """Stopping denosumab (or finishing the AI while on it) needs a transition plan; the text
    says what has actually happened by `as_of`."""
    lapse = denosumab_lapse(facts)
    if lapse is None or lapse.followed_by is not None:
        return None
    ai_ended = facts.ai_ended
    if not (ai_ended or lapse.course_ended or lapse.lapsed):
        return None
    if lapse.lapsed and not lapse.urgent(facts.as_of):
        return None  # the lapse alert already asks for a rebound review
    last = lapse.last_dose.isoformat()
    plan = (
        f"plan another antiresorptive {ev.DENOSUMAB_INTERVAL_MONTHS.value} months after the "
        f"last injection (last: {last}; due from {lapse.next_due.isoformat()})"
    )
    therapy = facts.record.therapy
    if ai_ended and therapy is not None and therapy.end_date is not None:
        text = (
            f"The aromatase inhibitor ended on {therapy.end_date.isoformat()}: denosumab must "
            f"not simply stop; {plan}."
        )
    elif lapse.course_ended is not None:
        text = f"Denosumab recorded as stopped on {lapse.course_ended.isoformat()}: {plan}."
    else:
        text = f"Denosumab is past due: give the next dose, or if it is to stop, {plan}."
    return recommend(
        id="safety.denosumab-transition",
        audience="clinician",
        text=text,
        rule_id="safety.denosumab-transition",
        guideline="safety",
        basis=ev.DENOSUMAB_TRANSITION,
        inputs={"last_denosumab_dose": last, "ai_ended": ai_ended},
    )


def automation_stops(facts: Facts) -> list[str]:
    """Why automated lifestyle plans must stop and route to a clinician (empty: they may run)."""
    reasons: list[str] = []
    if facts.bone_metastases is True:
        reasons.append("bone metastases recorded")
    if facts.recent_fractures:
        reasons.append(f"fracture in the last {ev.RECENT_FRACTURE_MONTHS.value} months")
    return reasons


def exercise_limits(facts: Facts) -> list[str]:
    """Why the exercise plan is limited to low impact with no loaded spinal flexion or twisting
    (nutrition and the clinician's recommendations go ahead)."""
    if facts.bone_metastases is not None:
        return []
    provenance = facts.record.risk_factors.provenance.get("bone_metastases")
    said = "she answered 'not sure'" if provenance and provenance.unsure else "not recorded"
    return [
        f"bone metastases status {said}: exercise limited to low impact with no loaded spinal "
        "flexion or twisting until a clinician confirms"
    ]


def on_therapy_checks(facts: Facts) -> list[Recommendation]:
    """The checks while she is on bone-directed therapy (in place of the pre-therapy checks)."""
    bt = facts.bone_therapy
    agent = AGENT_LABELS.get(bt.agent or "", "bone-directed therapy")
    checks = [
        recommend(
            id="safety.on-therapy.dental",
            audience="clinician",
            text=f"Dental care on {agent}: regular check-ups, and before any invasive dental "
            "work (extraction, implant) the dentist needs to know she is on it (MRONJ risk is "
            "very low at osteoporosis doses).",
            rule_id="safety.on-therapy.dental",
            guideline="safety",
            basis=ev.ON_THERAPY_CHECKS,
        )
    ]
    vitamin_d = latest_vitamin_d(facts)
    calcium = facts.record.latest_lab("serum_calcium", on_or_before=facts.as_of)
    low = policy("VITAMIN_D_LOW_NG_ML").value
    parts = [
        "25-OH vitamin D not measured"
        if vitamin_d is None
        else f"25-OH vitamin D {shown(vitamin_d.ng_ml, low, below=vitamin_d.low)} ng/mL ({vitamin_d.day.isoformat()})"
        + (f", below {low:g}: correct it" if vitamin_d.low else ""),
        "serum calcium not measured"
        if calcium is None
        else f"serum calcium {calcium.normalised:.1f} mg/dL ({calcium.date.isoformat()})",
    ]
    checks.append(
        recommend(
            id="safety.on-therapy.calcium-vitamin-d",
            audience="clinician",
            text="Keep calcium and vitamin D adequate on therapy: " + "; ".join(parts) + ".",
            rule_id="safety.on-therapy.calcium-vitamin-d",
            guideline="safety",
            basis=ev.ON_THERAPY_CHECKS,
            inputs={
                "25_oh_vitamin_d_ng_ml": None if vitamin_d is None else round(vitamin_d.ng_ml, 2),
                "serum_calcium_mg_dl": None if calcium is None else round(calcium.normalised, 2),
            },
        )
    )
    if bt.agent == "zoledronic_acid":
        crcl = facts.record.latest_lab("creatinine_clearance", on_or_before=facts.as_of)
        min_crcl = ev.ZOLEDRONIC_MIN_CRCL_ML_MIN.value
        latest = (
            "no creatinine clearance on record"
            if crcl is None
            else f"latest {crcl.value:g} mL/min ({crcl.date.isoformat()})"
        )
        checks.append(
            recommend(
                id="safety.on-therapy.renal",
                audience="clinician",
                text=f"Creatinine clearance before each zoledronic acid dose ({latest}; "
                f"{bt.regimen}). The 5 mg label contraindicates it below {min_crcl:g} mL/min; "
                f"the 4 mg oncology regimen is dose-reduced at {reduced_crcl()} mL/min.",
                rule_id="safety.on-therapy.renal",
                guideline="safety",
                basis=ev.ZOLEDRONIC_MIN_CRCL_ML_MIN,
                inputs={"creatinine_clearance_ml_min": None if crcl is None else crcl.value},
                threshold=f"5 mg: CrCl < {min_crcl:g} mL/min; 4 mg: reduce at "
                f"{reduced_crcl()} mL/min",
            )
        )
    return checks
