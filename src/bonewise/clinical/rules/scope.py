"""Who a rule set covers, and what every rule set says to a woman already on therapy.

Shared by the rule sets so the not-applicable reasons and the on-therapy words are one text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bonewise import evidence as ev
from bonewise.clinical.bone_therapy import AGENT_LABELS
from bonewise.clinical.facts import Facts
from bonewise.clinical.results import GuidelineDecision, Recommendation, recommend

METASTATIC = "metastatic bone disease: bone-agent dosing is an oncology decision"
MALE = (
    "a man: bonewise's rule sets are for women with breast cancer on an aromatase inhibitor "
    "and are not applied"
)


@dataclass(frozen=True, slots=True)
class OutOfScope:
    rule: str
    reason: str
    basis: ev.Cited[str]


def out_of_scope(facts: Facts, *, aibl: bool) -> OutOfScope | None:
    """Why the guideline does not cover her (None: it does). `aibl`: the rule set is about
    aromatase-inhibitor-associated bone loss and needs her to be on (or starting) an AI."""
    if facts.male:
        return OutOfScope("scope.male", MALE, ev.HADJI_ASSESS_EVERYONE)
    if facts.bone_metastases is True:
        return OutOfScope("scope.bone-metastases", METASTATIC, ev.ASCO_NONMETASTATIC_ONLY)
    therapy = facts.record.therapy
    if aibl and therapy is None:
        return OutOfScope(
            "scope.no-ai",
            "no aromatase inhibitor recorded: the AI bone-loss rule set does not apply",
            ev.AI_ENDED_STANDARD_SCREENING,
        )
    if aibl and therapy is not None and facts.ai_ended:
        end = therapy.end_date.isoformat() if therapy.end_date else "?"
        return OutOfScope(
            "scope.ai-ended",
            f"the aromatase inhibitor ended on {end}: the AI bone-loss rule set no longer "
            "applies; she returns to standard osteoporosis screening",
            ev.AI_ENDED_STANDARD_SCREENING,
        )
    return None


def not_applicable(
    scope: OutOfScope, *, guideline: str, version: str, citation: str
) -> GuidelineDecision:
    """The rule set's answer when the guideline does not cover her."""
    return GuidelineDecision(
        guideline=guideline,
        version=version,
        citation=citation,
        bone_directed_therapy=None,
        determinacy="not-applicable",
        rule_id=f"{guideline}.{scope.rule}",
        reasons=[scope.reason],
    )


def on_therapy_text(facts: Facts) -> str:
    """'On therapy: continue ...' for a woman on bone-directed therapy (never 'consider starting')."""
    bt = facts.bone_therapy
    agent = AGENT_LABELS.get(bt.agent or "", "bone-directed therapy")
    since = f" since {bt.started.isoformat()}" if bt.started else ""
    text = f"On therapy ({agent}{since}): " + (
        "the aromatase inhibitor has ended, so review how long to continue (denosumab needs a "
        "planned transition, never a simple stop); check adherence"
        if facts.ai_ended
        else "continue for the duration of aromatase-inhibitor treatment; check adherence"
    )
    if bt.next_dose_due is not None:
        text += f"; next dose due {bt.next_dose_due.isoformat()}"
        if bt.status == "overdue":
            text += " (overdue)"
    if bt.exposure_only:
        text += "; no dose dates recorded, the course's last known date was used"
    return text + "."


def on_therapy_recommendations(
    facts: Facts, rule_set: str, *, basis: ev.Cited[Any]
) -> list[Recommendation]:
    """What a rule set recommends to a woman already on bone-directed therapy."""
    bt = facts.bone_therapy
    return [
        recommend(
            id=f"{rule_set}.on-therapy",
            audience="clinician",
            text=on_therapy_text(facts),
            rule_id=f"{rule_set}.on-therapy",
            guideline=rule_set,
            basis=basis,
            inputs={
                "agent": bt.agent,
                "status": bt.status,
                "last_dose": None if bt.last_dose is None else bt.last_dose.isoformat(),
                "next_dose_due": None if bt.next_dose_due is None else bt.next_dose_due.isoformat(),
            },
        )
    ]
