"""seed-tiers: the seed article's three-tier plan by WHO category (patient education; its trial
basis is ARBI, Markopoulos et al. 2010).

normal -> lifestyle, calcium and vitamin D; osteopenia -> lifestyle, and a bisphosphonate may be
considered; osteoporosis -> lifestyle plus pharmacologic therapy.
"""

from __future__ import annotations

from bonewise import evidence as ev
from bonewise.clinical.facts import Facts
from bonewise.clinical.results import GuidelineDecision, Recommendation, recommend
from bonewise.clinical.rules.scope import not_applicable, on_therapy_text, out_of_scope

RULE_SET = "seed-tiers"
VERSION = "1"

_TIER = {
    "normal": (False, "normal BMD: lifestyle, calcium and vitamin D"),
    "osteopenia": (
        True,
        "osteopenia: lifestyle is essential; adding a bisphosphonate may be considered (ARBI)",
    ),
    "osteoporosis": (True, "osteoporosis: lifestyle plus pharmacologic therapy"),
}


def decide(facts: Facts) -> GuidelineDecision:
    base = {"guideline": RULE_SET, "version": VERSION, "citation": ev.MARKOPOULOS_2010.citation}
    scope = out_of_scope(facts, aibl=True)
    if scope is not None:
        return not_applicable(scope, **base)
    category = facts.who_category
    if category is None:
        why = "premenopausal (Z-scores)" if facts.premenopausal else "no DXA yet"
        return GuidelineDecision(
            **base,
            bone_directed_therapy=None,
            determinacy="undetermined",
            rule_id=f"{RULE_SET}.no-category",
            reasons=[f"no WHO category: {why}"],
            missing=["clinician review (premenopausal)" if facts.premenopausal else "DXA"],
        )
    therapy, reason = _TIER[category]
    return GuidelineDecision(
        **base,
        bone_directed_therapy=therapy,
        determinacy="complete",
        rule_id=f"{RULE_SET}.{category}",
        reasons=[reason],
    )


def recommendations(facts: Facts, decision: GuidelineDecision) -> list[Recommendation]:
    category = facts.who_category
    if category is None or decision.determinacy == "not-applicable":
        return []
    inputs = {
        "who_category": category,
        "lowest_t_score": facts.lowest_t.value if facts.lowest_t else None,
    }
    text = {
        "normal": "Normal bone density: lifestyle, calcium and vitamin D are the plan; keep "
        "monitoring while on the aromatase inhibitor.",
        "osteopenia": "Osteopenia (seed tier, patient education): lifestyle is essential; in "
        "ARBI, adding risedronate in this group raised spine BMD "
        f"({ev.arbi_moderate_spine_change()}). Whether to treat is decided by hadji-2017 and asco-2019, not by this tier.",
        "osteoporosis": "Osteoporosis (seed tier, patient education): lifestyle plus "
        "pharmacologic therapy (a bisphosphonate or denosumab) to prevent fragility fractures; "
        "whether to treat is decided by hadji-2017 and asco-2019.",
    }[category]
    if facts.bone_therapy.on_therapy and category != "normal":
        # Never "consider starting" for a woman already on therapy.
        text = {
            "osteopenia": "Osteopenia: lifestyle is essential. ",
            "osteoporosis": "Osteoporosis: lifestyle plus pharmacologic therapy. ",
        }[category] + on_therapy_text(facts)
    return [
        recommend(
            id=f"seed-tiers.{category}",
            audience="clinician",
            text=text,
            rule_id=f"seed-tiers.{category}",
            guideline=RULE_SET,
            basis=ev.SEED_TIER_PLAN,
            inputs=inputs,
            threshold="WHO: normal T >= -1.0; osteopenia -1.0 > T > -2.5; osteoporosis T <= -2.5",
        )
    ]
