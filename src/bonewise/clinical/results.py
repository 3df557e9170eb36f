"""What the rules return: each item explains itself (rule, guideline, inputs, threshold, source)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bonewise.evidence import Cited, Evidence

Audience = Literal["patient", "clinician"]
Severity = Literal["info", "warning", "critical"]


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


class GuidelineDecision(_Result):
    guideline: str
    version: str
    citation: str
    bone_directed_therapy: bool | None
    reasons: list[str]
    missing: list[str] = Field(default_factory=list)


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
