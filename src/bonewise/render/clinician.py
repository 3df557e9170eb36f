"""The clinician summary (pure): dense, every decision beside its rule, inputs, threshold, source.

Guidelines are shown side by side, never merged. Missing data is listed with what it blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from bonewise.clinical.assessment import Assessment
from bonewise.clinical.bmd_series import SiteSeries
from bonewise.clinical.bone_therapy import AGENT_LABELS, BoneTherapyStatus
from bonewise.clinical.checkin import CheckInTrend
from bonewise.clinical.decision_words import Verdict, clinical_osteoporosis_line, verdict
from bonewise.clinical.densitometry import SiteScore
from bonewise.clinical.input_words import inputs_words
from bonewise.clinical.models import SITE_LABELS, PatientRecord
from bonewise.clinical.results import Alert, DataGap, GuidelineDecision, Recommendation
from bonewise.render.banner import PatientBanner
from bonewise.render.model import AdherenceSummary, IntakeSummary

NO_INTAKE = "No intake logged (no food diary for this patient)."
NO_EXERCISE = "No exercise logged (no exercise log for this patient)."


class TScore(Protocol):
    """A site's T-score as the assessment reports it (reported or computed, with its basis)."""

    @property
    def site(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def basis(self) -> str: ...
    @property
    def scan_date(self) -> date: ...


@dataclass(frozen=True, slots=True)
class GuidelineColumn:
    key: str
    decision: GuidelineDecision
    verdict: Verdict  # worded as the FHIR export and the CDS cards word it
    recommendations: tuple[Recommendation, ...]


@dataclass(frozen=True, slots=True)
class ScanRow:
    day: date
    make: str
    model: str
    facility: str
    sites: str


@dataclass(frozen=True, slots=True)
class ClinicianReport:
    patient_id: str
    as_of: date
    age: int
    bmi: float | None
    menopausal_status: str
    therapy: str
    frax: str
    fractures: str
    bone_therapy: str
    bone_therapy_now: str
    clinical_osteoporosis: str
    category: str
    lowest: SiteScore | None
    site_scores: tuple[SiteScore, ...]
    assessment: Assessment
    guidelines: tuple[GuidelineColumn, ...]
    other_recommendations: tuple[Recommendation, ...]
    safety_checks: tuple[Recommendation, ...]
    alerts: tuple[Alert, ...]
    scans: tuple[ScanRow, ...]
    history: tuple[SiteSeries, ...]
    intake: IntakeSummary | None
    intake_message: str
    adherence: AdherenceSummary | None
    exercise_message: str
    data_gaps: tuple[DataGap, ...]
    citations: tuple[str, ...]
    disclaimer: str
    banner: PatientBanner | None = None  # set by render.build_report
    checkins: CheckInTrend | None = None  # her weekly check-ins; set by render.build_report

    def cite(self, citation: str) -> str:
        """'[n]': the number of `citation` in the appendix's source list; '' for no source."""
        if citation not in self.citations:
            return ""
        return f"[{self.citations.index(citation) + 1}]"

    @property
    def rules_with_inputs(self) -> tuple[Recommendation, ...]:
        """Every rule that names its inputs, once (for the appendix).

        A rule may speak twice from the same inputs (hadji-2017.bta has a line for the
        clinician and one worded for the patient): its inputs are listed once."""
        rules = (
            *(rec for g in self.guidelines for rec in g.recommendations),
            *self.other_recommendations,
            *self.safety_checks,
        )
        rows: dict[tuple[str, str], Recommendation] = {}
        for rec in rules:
            if rec.inputs:
                rows.setdefault((rec.rule_id, format_inputs(rec.inputs)), rec)
        return tuple(rows.values())


FREE_TEXT_MAX = 120  # characters of a free-text field a report prints (the rest is elided)


def bounded(text: str, limit: int = FREE_TEXT_MAX) -> str:
    """Free text cut to `limit` characters with an ellipsis, so one field cannot fill a page."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def site_label(site: str) -> str:
    return SITE_LABELS.get(site, site.replace("_", " "))


def format_inputs(inputs: dict[str, Any]) -> str:
    """Rule inputs with their labels and units, in the order the rule gave them."""
    return inputs_words(inputs)


def build_clinician_report(
    *,
    record: PatientRecord,
    assessment: Assessment,
    intake: IntakeSummary | None = None,
    adherence: AdherenceSummary | None = None,
) -> ClinicianReport:
    a = assessment
    columns = tuple(
        GuidelineColumn(
            key=key,
            decision=decision,
            verdict=verdict(a, key),
            recommendations=tuple(r for r in a.recommendations if r.guideline == key),
        )
        for key, decision in a.guidelines.items()
    )
    others = tuple(r for r in a.recommendations if r.guideline not in a.guidelines)
    category: str
    if a.who_category is not None:
        category = a.who_category
    elif a.menopausal_status == "premenopausal":
        category = "not assigned: premenopausal, read Z-scores"
    else:
        category = "not assigned: no DXA T-score"
    therapy = (
        "not recorded"
        if record.therapy is None
        else f"{record.therapy.agent} since {record.therapy.start_date.isoformat()}"
        + (" with ovarian suppression" if record.therapy.ovarian_suppression else "")
    )
    frax = record.frax
    frax_text = (
        "not entered"
        if frax is None
        else f"{frax.date.isoformat()}: major osteoporotic "
        + ("?" if frax.major_osteoporotic_pct is None else f"{frax.major_osteoporotic_pct:g}%")
        + ", hip "
        + ("?" if frax.hip_pct is None else f"{frax.hip_pct:g}%")
        + {True: " (with BMD)", False: " (without BMD)", None: ""}[frax.with_bmd]
    )
    fractures = "; ".join(
        f"{f.date.isoformat()} {f.site}"
        + (" (fragility)" if f.counts_as_fragility(record.patient.birth_date) else "")
        for f in sorted(record.fractures, key=lambda f: f.date)
        if f.date <= a.as_of
    )
    bone_therapy = "; ".join(
        f"{AGENT_LABELS.get(b.agent, b.agent)}: "
        + (
            f"{len(b.doses)} dose(s), last {b.doses[-1].isoformat()}"
            if b.doses
            else f"since {b.first_date.isoformat()}"
        )
        + (f", ended {b.end_date.isoformat()}" if b.end_date else "")
        for b in record.bone_therapy
    )
    co_line = clinical_osteoporosis_line(a)
    scans = tuple(
        ScanRow(
            day=s.date,
            make=s.scanner_make,
            model=bounded(s.scanner_model or ""),
            facility=bounded(s.facility or ""),
            sites=", ".join(
                f"{site_label(site)}: "
                + " ".join(
                    part
                    for part in (
                        f"BMD {r.bmd_g_cm2:.3f}" if r.bmd_g_cm2 is not None else "",
                        f"T {r.t_score:+.1f}" if r.t_score is not None else "",
                        f"Z {r.z_score:+.1f}" if r.z_score is not None else "",
                    )
                    if part
                )
                for site, r in s.sites.items()
            )
            + (f"; excluded {', '.join(s.excluded_vertebrae)}" if s.excluded_vertebrae else ""),
        )
        for s in record.scans_by_date
        if s.date <= a.as_of
    )
    cited = [c.decision.citation for c in columns]
    cited += [r.citation for r in (*a.recommendations, *a.safety_checks)]
    cited += [al.citation for al in a.alerts]
    cited += [a.bone_therapy.citation or "", a.clinical_osteoporosis.citation]
    history = tuple(a.bmd_series)
    cited += [s.lsc_citation for s in history[:1]]
    for summary in (intake, adherence):
        if summary is None:
            continue
        cited += [getattr(summary, "citation", "")] + [
            n.citation for n in getattr(summary, "nutrients", [])
        ]
    return ClinicianReport(
        patient_id=a.patient_id,
        as_of=a.as_of,
        age=a.age,
        bmi=a.bmi,
        menopausal_status=a.menopausal_status,
        therapy=therapy,
        frax=frax_text,
        fractures=fractures or "none recorded",
        bone_therapy=bone_therapy or "none recorded",
        bone_therapy_now=bone_therapy_summary(a.bone_therapy),
        clinical_osteoporosis=co_line.removeprefix("Clinical osteoporosis: ")
        if co_line
        else "no (no qualifying fragility fracture recorded)",
        category=category,
        lowest=a.lowest_t_score,
        site_scores=tuple(a.site_t_scores),
        assessment=a,
        guidelines=columns,
        other_recommendations=others,
        safety_checks=tuple(a.safety_checks),
        alerts=tuple(a.alerts),
        scans=scans,
        history=history,
        intake=intake,
        intake_message=NO_INTAKE if intake is None or intake.days_logged == 0 else "",
        adherence=adherence,
        exercise_message=NO_EXERCISE if adherence is None or not adherence.weeks else "",
        data_gaps=tuple(a.data_gaps),
        citations=tuple(dict.fromkeys(c for c in cited if c)),
        disclaimer=a.disclaimer,
    )


def bone_therapy_summary(bt: BoneTherapyStatus) -> str:
    """The assessment's `bone_therapy` block in one line (the dates' sources go in the appendix)."""
    if bt.status == "none":
        return "none"
    agent = AGENT_LABELS.get(bt.agent or "", bt.agent or "agent not recorded")
    parts = [f"{bt.status}: {agent}"]
    if bt.last_dose is not None:
        parts.append(f"last dose {bt.last_dose.isoformat()}")
    if bt.next_dose_due is not None:
        parts.append(
            f"next dose {'was ' if bt.status == 'overdue' else ''}due {bt.next_dose_due.isoformat()}"
        )
    if bt.ended is not None:
        parts.append(f"ended {bt.ended.isoformat()}")
    if bt.exposure_only:
        parts.append("exposure only (course dates, no recorded doses)")
    return "; ".join(parts)


def dated_sources(bt: BoneTherapyStatus) -> tuple[tuple[str, str, str], ...]:
    """(what, date, where the date came from) for the appendix."""
    rows = (
        ("started", bt.started, bt.started_from),
        ("last dose", bt.last_dose, bt.last_dose_from),
        ("next dose due", bt.next_dose_due, bt.next_dose_due_from),
        ("overdue after", bt.overdue_after, "due date plus the agent's grace"),
        ("ended", bt.ended, bt.ended_from),
    )
    return tuple((what, day.isoformat(), source or "") for what, day, source in rows if day)
