"""Bone-directed therapy she is on (or was on): the course, its schedule and its next dose.

One answer for every adapter: `therapy_status(record, as_of=...)` gives the `bone_therapy` block
of the assessment. Schedules per agent (evidence.py): denosumab every 6 months, on time within
4 weeks (Lyu 2020); zoledronic acid 4 mg every 6 months (AIBL trials) or 5 mg yearly; oral
bisphosphonates by refill or statement dates. A course with dates but no dose dates counts as
exposure up to its last known date, flagged (`exposure_only`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bonewise import evidence as ev
from bonewise.clinical.calendar import add_months
from bonewise.clinical.models import BoneAgent, BoneTherapy, PatientRecord
from bonewise.measures import windows

TherapyStatus = Literal["none", "active", "overdue", "ended"]
ON_THERAPY: tuple[TherapyStatus, ...] = ("active", "overdue")

AGENT_LABELS: dict[str, str] = {
    "denosumab": "denosumab",
    "zoledronic_acid": "zoledronic acid",
    "alendronate": "alendronate",
    "risedronate": "risedronate",
    "ibandronate": "ibandronate",
}


@dataclass(frozen=True, slots=True)
class Schedule:
    """How often a dose (or refill) is due and how late it may be before it is overdue."""

    interval_months: int
    grace: timedelta
    words: str
    basis: ev.Cited[Any]


def schedule_for(course: BoneTherapy) -> Schedule:
    if course.agent == "denosumab":
        weeks = ev.DENOSUMAB_ON_TIME_WEEKS.value
        months = ev.DENOSUMAB_INTERVAL_MONTHS.value
        return Schedule(
            months,
            timedelta(weeks=weeks),
            f"denosumab 60 mg every {months} months (on time within {weeks} weeks)",
            ev.DENOSUMAB_ON_TIME_WEEKS,
        )
    if course.agent == "zoledronic_acid":
        dose = (
            course.dose_mg if course.dose_mg is not None else ev.ZOLEDRONIC_REGIMEN_UNKNOWN_MG.value
        )
        yearly = dose >= 5
        basis = (
            ev.ZOLEDRONIC_YEARLY_INTERVAL_MONTHS if yearly else ev.ZOLEDRONIC_AIBL_INTERVAL_MONTHS
        )
        words = (
            f"zoledronic acid 5 mg every {basis.value} months"
            if yearly
            else f"zoledronic acid 4 mg every {basis.value} months (AI trial regimen)"
        )
        if course.dose_mg is None:
            words += "; dose not recorded, read as the 4 mg regimen"
        return Schedule(basis.value, timedelta(weeks=ev.ZOLEDRONIC_GRACE_WEEKS.value), words, basis)
    months = ev.ORAL_BISPHOSPHONATE_SUPPLY_MONTHS.value
    return Schedule(
        months,
        timedelta(weeks=ev.ORAL_BISPHOSPHONATE_GRACE_WEEKS.value),
        f"{AGENT_LABELS[course.agent]} by mouth: next refill or statement expected {months} "
        "months after the last",
        ev.ORAL_BISPHOSPHONATE_SUPPLY_MONTHS,
    )


@dataclass(frozen=True, slots=True)
class CourseDates:
    course: BoneTherapy
    started: date
    started_from: str
    last_dose: date
    last_dose_from: str
    exposure_only: bool


def course_dates(course: BoneTherapy, as_of: date) -> CourseDates | None:
    """The course's dates as known on `as_of`; None if it had not started by then."""
    doses = [d for d in course.doses if d <= as_of]
    if course.first_date > as_of:
        return None
    # The record refuses a dose before its course's start, so "started" is the one answer
    # every screen shows (BoneTherapy.started_on).
    started = course.started_on
    started_from = "course start date" if course.start_date is not None else "first recorded dose"
    if doses:
        return CourseDates(course, started, started_from, doses[-1], "recorded dose", False)
    end = course.end_date if course.end_date is not None and course.end_date <= as_of else None
    last, last_from = (
        (end, "course end date (no dose dates recorded: exposure up to this date)")
        if end is not None
        else (started, "course start date (no dose dates recorded: exposure up to this date)")
    )
    return CourseDates(course, started, started_from, last, last_from, True)


class BoneTherapyStatus(BaseModel):
    """The `bone_therapy` block of the assessment: her current (or latest) course."""

    model_config = ConfigDict(frozen=True)

    status: TherapyStatus
    agent: BoneAgent | None = None
    regimen: str | None = Field(default=None, description="the schedule the dates are read by")
    started: date | None = None
    started_from: str | None = None
    last_dose: date | None = None
    last_dose_from: str | None = None
    next_dose_due: date | None = None
    next_dose_due_from: str | None = None
    overdue_after: date | None = Field(default=None, description="due date plus the agent's grace")
    ended: date | None = None
    ended_from: str | None = Field(
        default=None,
        description="recorded end date, or presumed from a long gap since the due date",
    )
    exposure_only: bool = Field(
        default=False, description="course dates without dose dates: exposure to its last date"
    )
    previous_agents: list[BoneAgent] = Field(default_factory=list)
    rule_id: str = "bone-therapy.schedule"
    citation: str | None = None
    evidence: ev.Evidence | None = None

    @property
    def on_therapy(self) -> bool:
        return self.status in ON_THERAPY


def current_course(record: PatientRecord, as_of: date) -> CourseDates | None:
    """The course with the latest known date (ties: later start, then agent name)."""
    known = [d for c in record.bone_therapy if (d := course_dates(c, as_of)) is not None]
    return max(
        known,
        key=lambda d: (d.last_dose, d.started, d.course.agent, d.course.model_dump_json()),
        default=None,
    )


def therapy_status(record: PatientRecord, *, as_of: date) -> BoneTherapyStatus:
    current = current_course(record, as_of)
    if current is None:
        return BoneTherapyStatus(status="none")
    course = current.course
    schedule = schedule_for(course)
    if course.agent == "denosumab":
        # the denosumab-lapse measure's windows: one reckoning of when a dose is due and late
        next_due = windows.denosumab_next_due(current.last_dose)
        overdue_after = windows.denosumab_lapse_after(current.last_dose)
    else:
        next_due = add_months(current.last_dose, schedule.interval_months)
        overdue_after = next_due + schedule.grace
    ended = course.end_date if course.end_date is not None and course.end_date <= as_of else None
    ended_from = None if ended is None else "recorded end date"
    presumed_after = add_months(next_due, ev.THERAPY_PRESUMED_STOPPED_MONTHS.value)
    if ended is None and as_of > presumed_after:
        ended = current.last_dose
        ended_from = (
            f"presumed: no dose recorded for {ev.THERAPY_PRESUMED_STOPPED_MONTHS.value} months "
            f"after the dose due {next_due.isoformat()}"
        )
    status: TherapyStatus
    if ended is not None:
        status = "ended"
    elif as_of > overdue_after:
        status = "overdue"
    else:
        status = "active"
    previous = sorted(
        {c.agent for c in record.bone_therapy if c is not course and c.first_date <= as_of}
    )
    return BoneTherapyStatus(
        status=status,
        agent=course.agent,
        regimen=schedule.words,
        started=current.started,
        started_from=current.started_from,
        last_dose=current.last_dose,
        last_dose_from=current.last_dose_from,
        next_dose_due=None if ended else next_due,
        next_dose_due_from=None
        if ended
        else f"last dose + {schedule.interval_months} months ({schedule.words})",
        overdue_after=None if ended else overdue_after,
        ended=ended,
        ended_from=ended_from,
        exposure_only=current.exposure_only,
        previous_agents=previous,
        citation=schedule.basis.citation,
        evidence=schedule.basis.evidence,
    )
