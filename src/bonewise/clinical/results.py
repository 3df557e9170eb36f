"""What the rules return: each item explains itself (rule, guideline, inputs, threshold, source)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bonewise.clinical.input_words import gap_field_words
from bonewise.evidence import Cited, Evidence

Audience = Literal["patient", "clinician"]
Severity = Literal["info", "warning", "critical"]
# complete: every input that could change the answer is known; provisional: decided with
# unrecorded factors taken as absent (the FRAX convention), see `would_change_if`;
# undetermined: no branch can be evaluated (the action is in the reasons, e.g. order a DXA);
# not-applicable: the guideline does not cover her (metastatic disease, not on an AI, a man).
Determinacy = Literal["complete", "provisional", "undetermined", "not-applicable"]
DETERMINACIES: tuple[Determinacy, ...] = (
    "complete",
    "provisional",
    "undetermined",
    "not-applicable",
)


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class Recommendation(_Result):
    id: str
    audience: Audience
    text: str
    rule_id: str
    guideline: str
    inputs: dict[str, Any] = Field(default_factory=dict)
    threshold: str | None = None
    citation: str
    evidence: Evidence


class Alert(_Result):
    id: str
    severity: Severity
    text: str
    rule_id: str
    citation: str
    evidence: Evidence


class DataGap(_Result):
    field: str
    why: str
    blocks: list[str]

    @property
    def label(self) -> str:
        """The field in words ('labs.serum_calcium' -> 'serum calcium (lab)')."""
        return gap_field_words(self.field)


class GuidelineDecision(_Result):
    """One rule set's answer. `bone_directed_therapy` is true/false whenever `determinacy` is
    complete or provisional, and None only when undetermined or not-applicable."""

    guideline: str
    version: str
    citation: str
    bone_directed_therapy: bool | None
    determinacy: Determinacy
    rule_id: str = Field(description="the rule (branch) that decided")
    reasons: list[str]
    missing: list[str] = Field(default_factory=list)
    would_change_if: list[str] = Field(
        default_factory=list,
        description="provisional only: unrecorded facts that would flip the answer, as questions "
        "a clinician can ask",
    )
    frax_inputs: dict[str, Any] = Field(
        default_factory=dict,
        description="asco-2019 without a usable FRAX: the FRAX inputs already on record",
    )

    @model_validator(mode="after")
    def _therapy_matches_determinacy(self) -> GuidelineDecision:
        decided = self.determinacy in ("complete", "provisional")
        if decided != (self.bone_directed_therapy is not None):
            raise ValueError(
                f"{self.guideline}: determinacy {self.determinacy} with bone_directed_therapy "
                f"{self.bone_directed_therapy}"
            )
        if self.determinacy == "provisional" and not self.would_change_if:
            raise ValueError(f"{self.guideline}: a provisional decision names would_change_if")
        return self


def recommend(
    *,
    id: str,
    audience: Audience,
    text: str,
    rule_id: str,
    guideline: str,
    basis: Cited[Any],
    inputs: dict[str, Any] | None = None,
    threshold: str | None = None,
) -> Recommendation:
    """A recommendation whose citation and evidence tag come from the cited fact it rests on."""
    return Recommendation(
        id=id,
        audience=audience,
        text=text,
        rule_id=rule_id,
        guideline=guideline,
        inputs=inputs or {},
        threshold=threshold,
        citation=basis.citation,
        evidence=basis.evidence,
    )


def alert(*, id: str, severity: Severity, text: str, rule_id: str, basis: Cited[Any]) -> Alert:
    return Alert(
        id=id,
        severity=severity,
        text=text,
        rule_id=rule_id,
        citation=basis.citation,
        evidence=basis.evidence,
    )
