"""hadji-2017: the joint position statement on aromatase-inhibitor-associated bone loss.

Hadji P et al., J Bone Oncol 2017;7:1-12 (clinical-reference.md section 3a). Start bone-directed
therapy (BTA) for the whole duration of AI treatment if
  - T-score < -2.0, or
  - T-score < -1.5 plus >= 1 further risk factor, or
  - >= 2 risk factors without a BMD measurement.
Everyone: exercise, calcium >= 1,200 mg/day and vitamin D 800-1,000 IU/day; repeat DXA at
12-24 months. Between T -2.0 and -1.5 one further risk factor decides: the decision is made on
the recorded factors (unrecorded ones taken as absent, as FRAX does), marked provisional, and
the factors that would flip it are named in `would_change_if`. Without BMD and with fewer than
two risk factors it is undetermined: order a DXA. Out of scope (not-applicable): a man, bone
metastases, no AI or the AI ended. Ovarian suppression: the statement applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from bonewise import evidence as ev
from bonewise.clinical.densitometry import near_threshold
from bonewise.clinical.facts import Facts
from bonewise.clinical.results import GuidelineDecision, Recommendation, recommend
from bonewise.clinical.rules.scope import not_applicable, on_therapy_recommendations, out_of_scope

RULE_SET = "hadji-2017"
VERSION = "2017"


@dataclass(frozen=True, slots=True)
class RiskFactor:
    name: str
    present: bool | None  # None: not recorded
    detail: str


def clinical_risk_factors(facts: Facts) -> list[RiskFactor]:
    """Hadji 2017's risk factors other than the T-score itself."""
    rf = facts.record.risk_factors
    smoking = None if rf.smoking is None else rf.smoking in ("current", "past")
    low_bmi = None if facts.bmi is None else facts.bmi < ev.HADJI_RISK_BMI_UNDER.value
    return [
        RiskFactor(
            "age over 65",
            facts.age > ev.HADJI_RISK_AGE_OVER.value,
            f"age {facts.age}",
        ),
        RiskFactor(
            "BMI under 20",
            low_bmi,
            "BMI not known (height and weight)" if facts.bmi is None else f"BMI {facts.bmi:.1f}",
        ),
        RiskFactor(
            "family history of hip fracture",
            rf.parental_hip_fracture,
            "parental hip fracture",
        ),
        RiskFactor(
            "fragility fracture after 50",
            facts.fragility_fracture_after_50,
            "personal fragility fracture at age 50 or over",
        ),
        RiskFactor(
            "oral glucocorticoids over 6 months",
            rf.oral_glucocorticoids_over_6_months,
            "oral corticosteroids for more than 6 months",
        ),
        RiskFactor(
            "smoking (current or past)", smoking, f"smoking: {rf.smoking or 'not recorded'}"
        ),
    ]


def decide(facts: Facts) -> GuidelineDecision:
    factors = clinical_risk_factors(facts)
    present = [f.name for f in factors if f.present]
    missing = [f.name for f in factors if f.present is None]
    base = {"guideline": RULE_SET, "version": VERSION, "citation": ev.HADJI_2017.citation}

    scope = out_of_scope(facts, aibl=True)
    if scope is not None:
        return not_applicable(scope, **base)
    if facts.premenopausal_without_suppression:
        return GuidelineDecision(
            **base,
            bone_directed_therapy=None,
            determinacy="undetermined",
            rule_id=f"{RULE_SET}.confirm-menopausal-status",
            reasons=[
                "premenopausal on an aromatase inhibitor with no ovarian suppression recorded: "
                "confirm her menopausal status (or record the ovarian suppression) before the "
                "statement's thresholds are applied"
            ],
            missing=["menopausal status confirmed, or ovarian suppression recorded"],
        )
    notes = (
        ["ovarian suppression: the 2017 statement applies; Z-scores are shown beside the T-scores"]
        if facts.premenopausal
        else []
    )

    def decided(
        therapy: bool,
        rule: str,
        reasons: list[str],
        would_change_if: list[str] | None = None,
        also_missing: tuple[str, ...] = (),
    ) -> GuidelineDecision:
        return GuidelineDecision(
            **base,
            bone_directed_therapy=therapy,
            determinacy="provisional" if would_change_if else "complete",
            rule_id=f"{RULE_SET}.{rule}",
            reasons=[*notes, *reasons],
            missing=[*also_missing, *missing],
            would_change_if=would_change_if or [],
        )

    clinical = facts.clinical_osteoporosis_reasons
    if clinical:
        return decided(
            True,
            "clinical-osteoporosis",
            [f"clinical osteoporosis: {'; '.join(clinical)}"],
        )

    t = facts.lowest_t
    needed = ev.HADJI_RISK_FACTORS_WITHOUT_BMD.value
    if t is None:
        no_t = (
            "no BMD measurement"
            if facts.latest_scan is None
            else "a DXA without a usable T-score (ask the DXA service for T-scores)"
        )
        # A Z-score-only scan is a DXA: what is missing is its T-scores, not the scan.
        needs = "DXA" if facts.latest_scan is None else "T-scores of the DXA on record"
        if len(present) >= needed:
            return decided(
                True,
                "risk-factors-without-bmd",
                [f"{no_t} and {len(present)} risk factors: {', '.join(present)}"],
                also_missing=(needs,),
            )
        return GuidelineDecision(
            **base,
            bone_directed_therapy=None,
            determinacy="undetermined",
            rule_id=f"{RULE_SET}.no-bmd",
            reasons=[
                *notes,
                f"{no_t} and {len(present)} risk factor(s) (>= {needed} decide without BMD): "
                + ("order a DXA scan" if facts.latest_scan is None else "obtain the T-scores"),
            ],
            missing=[needs, *missing],
        )

    where = f"T-score {t.value:+.1f} at {t.site.replace('_', ' ')}" + (
        " (computed)" if t.computed else ""
    )
    if facts.latest_scan is not None:
        near = near_threshold(
            t, facts.latest_scan, (ev.HADJI_THERAPY_T.value, ev.HADJI_RISK_T.value)
        )
        if near:
            notes = [*notes, near]
    if t.value < ev.HADJI_THERAPY_T.value:
        return decided(True, "t-below-2.0", [f"{where} is below {ev.HADJI_THERAPY_T.value}"])
    if t.value < ev.HADJI_RISK_T.value and present:
        return decided(
            True,
            "t-below-1.5-with-risk-factor",
            [f"{where} is below {ev.HADJI_RISK_T.value} with: {', '.join(present)}"],
        )
    if t.value < ev.HADJI_RISK_T.value:
        if missing:
            # One further risk factor decides: decided on the recorded ones (unrecorded taken
            # as absent, the FRAX convention) and the ones that would flip it are named.
            return decided(
                False,
                "t-below-1.5-no-risk-factor",
                [
                    f"{where} is below {ev.HADJI_RISK_T.value}: one further risk factor "
                    f"decides; none recorded, {len(missing)} not recorded (taken as absent)"
                ],
                would_change_if=missing,
            )
        return decided(
            False,
            "t-below-1.5-no-risk-factor",
            [f"{where} is below {ev.HADJI_RISK_T.value} but no further risk factor is present"],
        )
    reasons = [
        f"{where} is not below {ev.HADJI_RISK_T.value}"
        + (f" ({len(present)} further risk factor(s))" if present else "")
    ]
    if len(present) >= needed:
        reasons.append(
            f"{len(present)} clinical risk factors ({', '.join(present)}): the statement's "
            "'>= 2 risk factors' branch is for women without BMD; review clinically"
        )
    if not present:
        reasons.append(
            "no risk factor: managed by her BMD loss over the first year and local "
            "postmenopausal-osteoporosis guidance"
        )
    return decided(False, "t-not-below-1.5", reasons)


def recommendations(facts: Facts, decision: GuidelineDecision) -> list[Recommendation]:
    if decision.determinacy == "not-applicable":
        return []
    inputs = {
        "lowest_t_score": None if facts.lowest_t is None else facts.lowest_t.value,
        "risk_factors": [f.name for f in clinical_risk_factors(facts) if f.present],
    }
    calcium = ev.HADJI_CALCIUM_MG.value
    vit_d_low, vit_d_high = ev.HADJI_VITAMIN_D_IU.value
    repeat_low, repeat_high = ev.HADJI_REPEAT_DXA_MONTHS.value
    recs = [
        recommend(
            id="hadji-2017.lifestyle",
            audience="patient",
            text=(
                "Weight-bearing and muscle-strengthening exercise most days. Aim for about "
                f"{calcium:,} mg of calcium and {vit_d_low:,}-{vit_d_high:,} IU of vitamin D a "
                "day in total, mostly from food; ask your team whether you need a supplement."
            ),
            rule_id="hadji-2017.everyone",
            guideline=RULE_SET,
            basis=ev.HADJI_CALCIUM_MG,
            inputs={},
            threshold=f"calcium >= {calcium} mg/day; vitamin D {vit_d_low}-{vit_d_high} IU/day",
        ),
        recommend(
            id="hadji-2017.repeat-dxa",
            audience="clinician",
            text=f"Repeat DXA and reassess fracture risk every {repeat_low}-{repeat_high} months "
            "while on the aromatase inhibitor; check adherence.",
            rule_id="hadji-2017.monitoring",
            guideline=RULE_SET,
            basis=ev.HADJI_REPEAT_DXA_MONTHS,
            inputs={
                "latest_dxa": None
                if facts.latest_scan is None
                else facts.latest_scan.date.isoformat()
            },
            threshold=f"{repeat_low}-{repeat_high} months",
        ),
    ]
    if facts.bone_therapy.on_therapy:
        recs += on_therapy_recommendations(facts, RULE_SET, basis=ev.HADJI_BTA_DURATION)
    elif decision.bone_directed_therapy:
        recs.append(
            recommend(
                id="hadji-2017.bta",
                audience="clinician",
                text="Consider bone-directed therapy (denosumab or a bisphosphonate) for the whole "
                "duration of aromatase-inhibitor treatment; " + "; ".join(decision.reasons) + ".",
                rule_id="hadji-2017.bta",
                guideline=RULE_SET,
                basis=ev.HADJI_BTA_DURATION,
                inputs=inputs,
                threshold=(
                    f"T < {ev.HADJI_THERAPY_T.value}; or T < {ev.HADJI_RISK_T.value} plus >= 1 "
                    f"risk factor; or >= {ev.HADJI_RISK_FACTORS_WITHOUT_BMD.value} risk factors "
                    "without BMD"
                ),
            )
        )
        recs.append(
            recommend(
                id="hadji-2017.bta-patient",
                audience="patient",
                text="Your results suggest a medicine to protect your bones may help. Ask your "
                "team whether bone-protecting treatment is right for you, and what checks "
                "(such as a dental check-up) come first.",
                rule_id="hadji-2017.bta",
                guideline=RULE_SET,
                basis=ev.HADJI_BTA_DURATION,
                inputs=inputs,
            )
        )
    return recs
