"""asco-2019: ASCO guideline on osteoporosis in survivors of adult cancers (Shapiro et al. 2019).

Rec 3.4 (clinical-reference.md section 3b): offer an oral or i.v. bisphosphonate or denosumab at
osteoporosis doses if the T-score is <= -2.5 at the femoral neck, total hip or lumbar spine, or
US-adapted FRAX 10-year major osteoporotic fracture risk is >= 20% or hip >= 3%. FRAX is entered
by a clinician; bonewise never computes it.

A prior hip or vertebral fragility fracture is increased risk on clinical assessment: true.
With a DXA but no (current) FRAX the answer is false, provisional, "FRAX not entered", with the
FRAX inputs on record listed; with neither a DXA nor a qualifying fracture: undetermined (order a
DXA). A FRAX dated before the AI start or the latest DXA is stale and not used. Out of scope:
bone metastases (the guideline covers non-metastatic disease), a man.
"""

from __future__ import annotations

from typing import Any

from bonewise import evidence as ev
from bonewise.clinical.densitometry import lowest_t_score, near_threshold
from bonewise.clinical.facts import Facts
from bonewise.clinical.models import Site
from bonewise.clinical.results import GuidelineDecision, Recommendation, recommend
from bonewise.clinical.rules.scope import not_applicable, on_therapy_recommendations, out_of_scope

RULE_SET = "asco-2019"
VERSION = "2019"
# Rec 3.4 names these three sites; the 33% radius is not among them.
CENTRAL_SITES: tuple[Site, ...] = ("lumbar_spine", "femoral_neck", "total_hip")


def frax_inputs(facts: Facts) -> dict[str, Any]:
    """The FRAX tool's inputs already on her record, so a clinician can run it (blank = no)."""
    rf = facts.record.risk_factors
    patient = facts.record.patient

    def answer(value: bool | None) -> str:
        return "not recorded" if value is None else ("yes" if value else "no")

    fn = facts.latest_scan.sites.get("femoral_neck") if facts.latest_scan else None
    return {
        "age": facts.age,
        "sex": patient.sex,
        "weight_kg": None if patient.weight is None else round(patient.weight.kg, 1),
        "height_cm": None if patient.height is None else round(patient.height.cm, 1),
        "previous_fracture": answer(facts.fragility_fracture_after_50),
        "parent_fractured_hip": answer(rf.parental_hip_fracture),
        "current_smoking": "not recorded"
        if rf.smoking is None
        else answer(rf.smoking == "current"),
        "glucocorticoids": answer(rf.oral_glucocorticoids_over_6_months),
        "rheumatoid_arthritis": answer(rf.rheumatoid_arthritis),
        "secondary_osteoporosis": "yes (aromatase inhibitor)"
        if facts.record.therapy
        else "not recorded",
        "alcohol_3_or_more_units_per_day": answer(rf.alcohol_3_or_more_units_per_day),
        "femoral_neck_bmd_g_cm2": None if fn is None else fn.bmd_g_cm2,
        "femoral_neck_t_score": None if fn is None else fn.t_score,
        "scanner_make": None if facts.latest_scan is None else facts.latest_scan.scanner_make,
    }


FRAX_WOULD_CHANGE = (
    f"FRAX 10-year major osteoporotic fracture risk >= {ev.ASCO_FRAX_MOF_PCT.value:g}% or hip "
    f">= {ev.ASCO_FRAX_HIP_PCT.value:g}% (run FRAX with the inputs listed)"
)
FRACTURE_WOULD_CHANGE = "a prior hip or vertebral fragility fracture"


def decide(facts: Facts) -> GuidelineDecision:
    base = {"guideline": RULE_SET, "version": VERSION, "citation": ev.ASCO_2019.citation}
    scope = out_of_scope(facts, aibl=False)
    if scope is not None:
        return not_applicable(scope, **base)
    clinical = facts.clinical_osteoporosis_reasons
    if clinical:
        return GuidelineDecision(
            **base,
            bone_directed_therapy=True,
            determinacy="complete",
            rule_id=f"{RULE_SET}.3.4-clinical-risk",
            reasons=[f"increased fracture risk on clinical assessment: {'; '.join(clinical)}"],
        )
    if facts.premenopausal_without_suppression:
        return GuidelineDecision(
            **base,
            bone_directed_therapy=None,
            determinacy="undetermined",
            rule_id=f"{RULE_SET}.premenopausal",
            reasons=["premenopausal: no osteoporosis diagnosis from DXA alone; clinician review"],
            missing=["clinician review (premenopausal)"],
        )
    rf = facts.record.risk_factors
    fracture_unknown = rf.vertebral_fracture is None or facts.fragility_fracture_after_50 is None
    reasons: list[str] = []
    missing: list[str] = []
    central = lowest_t_score(facts.latest_scan, sites=CENTRAL_SITES) if facts.latest_scan else None
    if central is not None:
        label = f"T-score {central.value:+.1f} at {central.site.replace('_', ' ')}"
        if central.computed:
            label += " (computed)"
        near = (
            near_threshold(central, facts.latest_scan, (ev.ASCO_THERAPY_T.value,))
            if facts.latest_scan is not None
            else None
        )
        if near:
            reasons.append(near)
        if central.value <= ev.ASCO_THERAPY_T.value:
            return GuidelineDecision(
                **base,
                bone_directed_therapy=True,
                determinacy="complete",
                rule_id=f"{RULE_SET}.3.4-t-score",
                reasons=[*reasons, f"{label} is at or below {ev.ASCO_THERAPY_T.value}"],
            )
        reasons.append(f"{label} is above {ev.ASCO_THERAPY_T.value}")
    elif facts.latest_scan is None:
        missing.append("DXA (femoral neck, total hip or lumbar spine)")
    else:  # a DXA on record (Z-scores or BMD only): its central T-scores are what is missing
        missing.append(
            "T-score at the femoral neck, total hip or lumbar spine of the DXA on record"
        )

    stale = facts.frax_stale_because
    frax = None if stale else facts.record.frax
    if stale:
        reasons.append(stale)
    mof = None if frax is None else frax.major_osteoporotic_pct
    hip = None if frax is None else frax.hip_pct
    for value, cut, words in (
        (mof, ev.ASCO_FRAX_MOF_PCT.value, "major osteoporotic fracture"),
        (hip, ev.ASCO_FRAX_HIP_PCT.value, "hip fracture"),
    ):
        if value is not None and value >= cut:  # words as before: "31.5% >= 20.0%"
            return GuidelineDecision(
                **base,
                bone_directed_therapy=True,
                determinacy="complete",
                rule_id=f"{RULE_SET}.3.4-frax",
                reasons=[*reasons, f"FRAX {words} {value}% >= {cut}%"],
            )
    if mof is not None and hip is not None:
        reasons.append(
            f"FRAX major osteoporotic {mof}% < {ev.ASCO_FRAX_MOF_PCT.value}% and hip {hip}% < "
            f"{ev.ASCO_FRAX_HIP_PCT.value}%"
        )
    elif mof is not None:
        reasons.append(
            f"FRAX (hip not entered): major osteoporotic {mof}% < {ev.ASCO_FRAX_MOF_PCT.value}%"
        )
    elif hip is not None:
        reasons.append(
            f"FRAX (major osteoporotic not entered): hip {hip}% < {ev.ASCO_FRAX_HIP_PCT.value}%"
        )
    if central is None:
        return GuidelineDecision(
            **base,
            bone_directed_therapy=None,
            determinacy="undetermined",
            rule_id=f"{RULE_SET}.2.1-order-dxa",
            reasons=[
                *reasons,
                "no DXA and no qualifying fracture: order a central DXA scan"
                if facts.latest_scan is None
                else "a DXA without a usable central T-score and no qualifying fracture: ask the "
                "DXA service for the T-scores",
            ],
            missing=missing,
        )
    would_change: list[str] = []
    rule = f"{RULE_SET}.3.4-not-met"
    extra: dict[str, Any] = {}
    if mof is None and hip is None:
        rule = f"{RULE_SET}.3.4-frax-not-entered"
        if not stale:
            reasons.append("FRAX not entered")
        missing.append("FRAX result entered by a clinician")
        would_change.append(FRAX_WOULD_CHANGE)
        extra["frax_inputs"] = frax_inputs(facts)
    elif mof is None or hip is None:
        absent = "major osteoporotic" if mof is None else "hip"
        missing.append(f"FRAX {absent} fracture risk")
        would_change.append(f"FRAX {absent} fracture risk at or above its threshold (not entered)")
    if fracture_unknown:
        would_change.append(FRACTURE_WOULD_CHANGE)
    return GuidelineDecision(
        **base,
        bone_directed_therapy=False,
        determinacy="provisional" if would_change else "complete",
        rule_id=rule,
        reasons=reasons,
        missing=missing,
        would_change_if=would_change,
        **extra,
    )


def recommendations(facts: Facts, decision: GuidelineDecision) -> list[Recommendation]:
    if decision.determinacy == "not-applicable":
        return []
    frax = facts.record.frax
    inputs = {
        "lowest_central_t_score": (
            None
            if facts.latest_scan is None
            or (t := lowest_t_score(facts.latest_scan, sites=CENTRAL_SITES)) is None
            else t.value
        ),
        "frax_mof_pct": None if frax is None else frax.major_osteoporotic_pct,
        "frax_hip_pct": None if frax is None else frax.hip_pct,
    }
    ca_low, ca_high = ev.ASCO_CALCIUM_MG.value
    d_low, d_high = ev.ASCO_VITAMIN_D_IU.value
    recs = [
        recommend(
            id="asco-2019.calcium-vitamin-d",
            audience="clinician",
            text=f"Calcium {ca_low:,}-{ca_high:,} mg/day and vitamin D >= {d_low:,}-{d_high:,} "
            "IU/day, supplemented if intake from food falls short.",
            rule_id="asco-2019.3.1",
            guideline=RULE_SET,
            basis=ev.ASCO_CALCIUM_MG,
            threshold=f"calcium {ca_low}-{ca_high} mg/day; vitamin D >= {d_low}-{d_high} IU/day",
        ),
        recommend(
            id="asco-2019.lifestyle",
            audience="clinician",
            text="Combined exercise (balance, flexibility, endurance, resistance) tailored to the "
            "patient; refer for gait or balance problems; stop smoking; limit alcohol.",
            rule_id="asco-2019.3.2",
            guideline=RULE_SET,
            basis=ev.ASCO_LIFESTYLE,
        ),
    ]
    if facts.latest_scan is None:
        recs.append(
            recommend(
                id="asco-2019.offer-dxa",
                audience="clinician",
                text="Offer a central DXA scan: an aromatase inhibitor is itself a risk factor.",
                rule_id="asco-2019.2.1",
                guideline=RULE_SET,
                basis=ev.ASCO_DXA_IF_RISK,
                inputs={
                    "aromatase_inhibitor": None
                    if facts.record.therapy is None
                    else facts.record.therapy.agent
                },
            )
        )
    if facts.bone_therapy.on_therapy:
        recs += on_therapy_recommendations(facts, RULE_SET, basis=ev.ASCO_THERAPY_T)
    elif decision.bone_directed_therapy:
        recs.append(
            recommend(
                id="asco-2019.therapy",
                audience="clinician",
                text="Offer an oral or i.v. bisphosphonate or denosumab at osteoporosis doses; "
                + "; ".join(decision.reasons)
                + ".",
                rule_id="asco-2019.3.4",
                guideline=RULE_SET,
                basis=ev.ASCO_THERAPY_T,
                inputs=inputs,
                threshold=(
                    f"T <= {ev.ASCO_THERAPY_T.value} at femoral neck, total hip or lumbar spine; "
                    f"or FRAX MOF >= {ev.ASCO_FRAX_MOF_PCT.value}% or hip >= "
                    f"{ev.ASCO_FRAX_HIP_PCT.value}%"
                ),
            )
        )
    if frax is not None:
        recs.append(
            recommend(
                id="asco-2019.frax-caution",
                audience="clinician",
                text="FRAX is not validated in women on aromatase inhibitors and may underestimate "
                "their risk: weigh it with clinical judgment.",
                rule_id="asco-2019.1.3",
                guideline=RULE_SET,
                basis=ev.ASCO_FRAX_NOT_VALIDATED,
                inputs=inputs,
            )
        )
    return recs
