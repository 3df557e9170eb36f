"""The clinician panel: one row per linked patient, most urgent first (pure, no I/O).

Urgency, in order: automation stopped (bone metastases, recent fracture), critical alerts,
a guideline recommends bone-directed therapy but none is active (a therapy gap), other alerts,
an overdue DXA, a weekly check-in flag (persistent joint pain, low AI adherence), then missing
data. Ties break on the name so the order is stable.

A woman on bone-directed therapy (`Assessment.bone_therapy`: active or overdue) is never listed
as "therapy to consider": her row says she is on it, or that her next dose is overdue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bonewise.clinical.assessment import Assessment
from bonewise.clinical.bone_therapy import AGENT_LABELS, BoneTherapyStatus
from bonewise.clinical.checkin import CheckInFlag
from bonewise.clinical.models import PatientRecord


@dataclass(frozen=True, slots=True)
class PanelRow:
    patient_id: str
    name: str
    age: int
    agent: str | None
    who_category: str | None
    lowest_t: float | None
    alerts: list[tuple[str, str, str]]  # (id, severity, text)
    therapy_gap: bool
    dxa_overdue: bool
    next_dxa_due: date | None
    automation_stopped: bool
    data_gaps: int
    reasons: list[str] = field(default_factory=list)
    bone_therapy: str = "none"  # Assessment.bone_therapy.status: none | active | overdue | ended
    bone_therapy_words: str | None = None
    checkin_flags: tuple[CheckInFlag, ...] = ()  # her weekly check-ins: pain, AI adherence

    @property
    def urgency(self) -> tuple[int, ...]:
        severities = [severity for _, severity, _ in self.alerts]
        return (
            int(self.automation_stopped),
            severities.count("critical"),
            int(self.therapy_gap),
            severities.count("warning"),
            int(self.dxa_overdue),
            int(bool(self.checkin_flags)),
            min(self.data_gaps, 1),
        )


def panel_row(
    record: PatientRecord,
    assessment: Assessment,
    *,
    name: str,
    checkin_flags: Sequence[CheckInFlag] = (),
) -> PanelRow:
    recommended = assessment.therapy_indicated_by
    therapy = assessment.bone_therapy
    therapy_gap = bool(recommended) and not therapy.on_therapy
    dxa_overdue = "dxa" in assessment.monitoring.overdue
    reasons = list(assessment.automation.reasons)
    reasons += [a.text for a in assessment.alerts if a.severity == "critical"]
    if therapy_gap:
        reasons.append(
            f"{', '.join(recommended)}: bone-directed therapy to consider; none recorded as active"
        )
    therapy_words = on_therapy_line(therapy)
    if therapy.status == "overdue" and therapy_words:
        reasons.append(therapy_words)
    if dxa_overdue:
        reasons.append(f"DXA overdue (was due {assessment.monitoring.next_dxa_due})")
    reasons += [f.text for f in checkin_flags]
    return PanelRow(
        patient_id=record.id,
        name=name,
        age=assessment.age,
        agent=record.therapy.agent if record.therapy else None,
        who_category=assessment.who_category,
        lowest_t=assessment.lowest_t_score.value if assessment.lowest_t_score else None,
        alerts=[(a.id, a.severity, a.text) for a in assessment.alerts],
        therapy_gap=therapy_gap,
        dxa_overdue=dxa_overdue,
        next_dxa_due=assessment.monitoring.next_dxa_due,
        automation_stopped=assessment.automation.stopped,
        data_gaps=len(assessment.data_gaps),
        reasons=reasons,
        bone_therapy=therapy.status,
        bone_therapy_words=therapy_words,
        checkin_flags=tuple(checkin_flags),
    )


def on_therapy_line(therapy: BoneTherapyStatus) -> str | None:
    """'on denosumab, next dose due ...' or '... overdue (was due ...)'; None when not on it."""
    if not therapy.on_therapy:
        return None
    agent = AGENT_LABELS.get(therapy.agent or "", "bone-directed therapy")
    if therapy.next_dose_due is None:
        return f"on {agent}"
    if therapy.status == "overdue":
        return f"{agent} overdue: next dose was due {therapy.next_dose_due.isoformat()}"
    return f"on {agent}, next dose due {therapy.next_dose_due.isoformat()}"


def sort_by_urgency(rows: list[PanelRow]) -> list[PanelRow]:
    return sorted(rows, key=lambda r: (tuple(-u for u in r.urgency), r.name.lower()))
