"""asco-2019: ASCO guideline on osteoporosis in survivors of adult cancers (Shapiro et al. 2019).

Rec 3.4 (clinical-reference.md section 3b): offer an oral or i.v. bisphosphonate or denosumab at
osteoporosis doses if the T-score is <= -2.5 at the femoral neck, total hip or lumbar spine, or
US-adapted FRAX 10-year major osteoporotic fracture risk is >= 20% or hip >= 3%. FRAX is entered
by a clinician; bonewise never computes it.
"""

from __future__ import annotations

from bonewise import evidence as ev
from bonewise.clinical.densitometry import lowest_t_score
from bonewise.clinical.facts import Facts
from bonewise.clinical.models import Site
from bonewise.clinical.results import GuidelineDecision, Recommendation, recommend

RULE_SET = "asco-2019"
VERSION = "2019"
# Rec 3.4 names these three sites; the 33% radius is not among them.
CENTRAL_SITES: tuple[Site, ...] = ("lumbar_spine", "femoral_neck", "total_hip")


def decide(facts: Facts) -> GuidelineDecision:
    base = {"guideline": RULE_SET, "version": VERSION, "citation": ev.ASCO_2019.citation}
    if facts.premenopausal:
        return GuidelineDecision(
            **base,
            bone_directed_therapy=None,
            reasons=["premenopausal: no osteoporosis diagnosis from DXA alone; clinician review"],
            missing=["clinician review (premenopausal)"],
        )
    reasons: list[str] = []
    missing: list[str] = []
    central = lowest_t_score(facts.latest_scan, sites=CENTRAL_SITES) if facts.latest_scan else None
    if central is not None:
        label = f"T-score {central.value:+.1f} at {central.site.replace('_', ' ')}"
        if central.computed:
            label += " (computed)"
        if central.value <= ev.ASCO_THERAPY_T.value:
            return GuidelineDecision(
                **base,
                bone_directed_therapy=True,
                reasons=[f"{label} is at or below {ev.ASCO_THERAPY_T.value}"],
            )
        reasons.append(f"{label} is above {ev.ASCO_THERAPY_T.value}")
    else:
        missing.append("DXA (femoral neck, total hip or lumbar spine)")

    frax = facts.record.frax
    mof = None if frax is None else frax.major_osteoporotic_pct
    hip = None if frax is None else frax.hip_pct
    if mof is not None and mof >= ev.ASCO_FRAX_MOF_PCT.value:
        return GuidelineDecision(
            **base,
            bone_directed_therapy=True,
            reasons=[
                *reasons,
                f"FRAX major osteoporotic fracture {mof}% >= {ev.ASCO_FRAX_MOF_PCT.value}%",
            ],
        )
    if hip is not None and hip >= ev.ASCO_FRAX_HIP_PCT.value:
        return GuidelineDecision(
            **base,
            bone_directed_therapy=True,
            reasons=[*reasons, f"FRAX hip fracture {hip}% >= {ev.ASCO_FRAX_HIP_PCT.value}%"],
        )
    if mof is not None and hip is not None:
        reasons.append(
            f"FRAX major osteoporotic {mof}% < {ev.ASCO_FRAX_MOF_PCT.value}% and hip {hip}% < "
            f"{ev.ASCO_FRAX_HIP_PCT.value}%"
        )
        if central is None:
            return GuidelineDecision(
                **base, bone_directed_therapy=None, reasons=reasons, missing=missing
            )
        return GuidelineDecision(**base, bone_directed_therapy=False, reasons=reasons)
    if mof is None:
        missing.append("FRAX 10-year major osteoporotic fracture risk (entered by a clinician)")
    if hip is None:
        missing.append("FRAX 10-year hip fracture risk (entered by a clinician)")
    reasons.append("the FRAX criterion cannot be checked without the clinician's FRAX result")
    return GuidelineDecision(**base, bone_directed_therapy=None, reasons=reasons, missing=missing)


def recommendations(facts: Facts, decision: GuidelineDecision) -> list[Recommendation]:
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
            "IU/day, supplemented if the diet falls short.",
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
    if decision.bone_directed_therapy:
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
