"""One guideline answer in words, read from the Assessment: for the FHIR export, the CDS cards,
the assessment page and the clinician report.

Every adapter says the same thing because each calls `verdict`: a woman on bone-directed therapy
is never told "consider bone-directed therapy" but "on therapy: continue ..., next dose due ...";
a provisional answer says so and names the questions that would change it; `undetermined` says
what to obtain (order a DXA); `not-applicable` says why. The words come from the Assessment (the
rule sets' own on-therapy recommendation, the decision's reasons); nothing is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bonewise.clinical.assessment import Assessment
from bonewise.clinical.bone_therapy import AGENT_LABELS
from bonewise.clinical.results import Determinacy, GuidelineDecision

_DECIDED = {True: "consider bone-directed therapy", False: "not indicated"}


@dataclass(frozen=True, slots=True)
class Verdict:
    guideline: str
    version: str
    determinacy: Determinacy
    words: str  # the answer, one line
    ask: tuple[str, ...]  # provisional: the questions that would change the answer

    @property
    def line(self) -> str:
        """The answer with its determinacy and, when provisional, the questions to ask."""
        text = self.words
        if self.determinacy == "provisional":
            text += " (provisional: unrecorded factors taken as absent)"
        if self.ask:
            text += "; ask: " + "; ".join(self.ask)
        return text


def on_therapy_words(assessment: Assessment, guideline: str | None = None) -> str:
    """'On therapy: continue ...' as the rule set said it (its on-therapy recommendation), else
    from the assessment's bone_therapy block."""
    said = [rec for rec in assessment.recommendations if rec.rule_id.endswith(".on-therapy")]
    own = [rec for rec in said if rec.guideline == guideline]
    if own or said:
        return (own or said)[0].text
    bt = assessment.bone_therapy
    agent = AGENT_LABELS.get(bt.agent or "", "bone-directed therapy")
    text = f"On therapy ({agent}): continue"
    if bt.next_dose_due is not None:
        text += f"; next dose due {bt.next_dose_due.isoformat()}"
        if bt.status == "overdue":
            text += " (overdue)"
    return text + "."


def _has_dxa(assessment: Assessment) -> bool:
    """Any DXA result counts as a DXA: T-scores, Z-scores or BMD only."""
    return bool(assessment.site_t_scores or assessment.z_scores or assessment.bmd_series)


def verdict(assessment: Assessment, name: str) -> Verdict:
    decision: GuidelineDecision = assessment.guidelines[name]
    reasons = "; ".join(decision.reasons) or "no reason given"
    if decision.determinacy == "not-applicable":
        words = f"not applicable: {reasons}"
    elif decision.determinacy == "undetermined":
        words = (
            "undetermined: order a DXA" if not _has_dxa(assessment) else f"undetermined: {reasons}"
        )
    elif assessment.bone_therapy.on_therapy:
        words = on_therapy_words(assessment, name)
    elif not assessment.decides_therapy(name):
        # seed-tiers: patient education, never read as "therapy indicated"
        words = "patient education, not a therapy decision"
    else:
        assert decision.bone_directed_therapy is not None  # decided (complete or provisional)
        words = _DECIDED[decision.bone_directed_therapy]
    return Verdict(
        name,
        decision.version,
        decision.determinacy,
        words,
        tuple(decision.would_change_if) if decision.determinacy == "provisional" else (),
    )


def verdicts(assessment: Assessment) -> list[Verdict]:
    return [verdict(assessment, name) for name in assessment.guidelines]


def clinical_osteoporosis_line(assessment: Assessment) -> str | None:
    """'Clinical osteoporosis: <reasons>' when present (beside the T-score based WHO category)."""
    found = assessment.clinical_osteoporosis
    if not found.present:
        return None
    return "Clinical osteoporosis: " + "; ".join(found.reasons)
