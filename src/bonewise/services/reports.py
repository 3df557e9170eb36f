"""Her report: intake and adherence summaries from the store, rendered as PDF or HTML.

- `intake_summary(summary)`: a nutrition period `Summary` (bonewise.nutrition.totals) as the
  report's IntakeSummary (pure; None when no day was logged).
- `adherence_summary(sessions, as_of=...)`: the exercise log by ISO week, through
  `bonewise.exercise.adherence.week_summary` (pure; None when nothing was logged).
- `stored_summaries(uow=..., record=..., as_of=...)`: (intake, adherence) from the store (the last 30
  days of her diary, the exercise log), inside an open unit of work.
- `report(uow=..., actor=..., patient_id=..., audience=..., fmt=..., page_size=..., today=...)
  -> bytes`: the whole report for a stored patient, authorised and audited (web and CLI).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bonewise.clinical.models import PatientRecord
from bonewise.exercise.adherence import LoggedSession, week_summary
from bonewise.exercise.guidance import AEROBIC_MINUTES_PER_WEEK, RESISTANCE_DAYS_PER_WEEK
from bonewise.nutrition.totals import Summary, summarise
from bonewise.render.model import (
    REPORT_NUTRIENTS,
    AdherenceSummary,
    DayIntake,
    ExerciseWeek,
    IntakeSummary,
    NutrientIntake,
    ReportAudience,
)
from bonewise.render.render import PageSize, ReportFormat, render_report
from bonewise.services.access import Actor, Forbidden, audit_read, readable_record
from bonewise.services.checkins import checkin_trend_in
from bonewise.services.nutrition import intakes_between, patient_targets
from bonewise.store.accounts import User
from bonewise.store.uow import UnitOfWork

REPORT_WEEKS = 8
REPORT_INTAKE_DAYS = 30
STREAK_HISTORY_WEEKS = 52
SHORT_LABELS = {"calcium_mg": "Calcium", "vitamin_d_iu": "Vitamin D", "vitamin_k_ug": "Vitamin K"}


def intake_summary(summary: Summary) -> IntakeSummary | None:
    """The average logged day against her targets; a nutrient no logged item had is unknown."""
    if summary.days_logged == 0:
        return None
    nutrients = []
    for key in REPORT_NUTRIENTS:
        progress = summary.progress_for(key)
        target = progress.target
        known_anywhere = any(i.nutrients.get(key) is not None for i in summary.intakes)
        evidence_tags = [c.evidence for c in target.basis]
        nutrients.append(
            NutrientIntake(
                key=key,
                label=SHORT_LABELS[key],
                unit=target.unit,
                average_per_day=round(progress.amount, 1) if known_anywhere else None,
                target=target.goal,
                target_basis=target.explanation,
                citation="; ".join(dict.fromkeys(c.citation for c in target.basis)),
                evidence=evidence_tags[0] if evidence_tags else None,
                unknown_share=min(max(progress.unknown_share, 0.0), 1.0),
            )
        )
    days: dict[date, dict[str, float | None]] = {}
    for item in summary.intakes:
        day = days.setdefault(item.day, {"calcium_mg": None, "vitamin_d_iu": None})
        for name in day:
            value = item.nutrients.get(name)
            if value is not None:
                day[name] = (day[name] or 0.0) + value
    logged_days = sorted(days)
    return IntakeSummary(
        start=logged_days[0],
        end=logged_days[-1],
        days_logged=summary.days_logged,
        nutrients=nutrients,
        days=[
            DayIntake(
                day=d,
                calcium_mg=days[d]["calcium_mg"],
                vitamin_d_iu=days[d]["vitamin_d_iu"],
            )
            for d in logged_days
        ],
        notes=[w.message for w in summary.warnings],
    )


def adherence_summary(
    sessions: Sequence[LoggedSession], *, as_of: date, weeks: int = REPORT_WEEKS
) -> AdherenceSummary | None:
    """The last `weeks` ISO weeks up to the one holding `as_of`, from her first logged week on."""
    logged = [s for s in sessions if s.performed_on <= as_of]
    if not logged:
        return None
    first = min(s.performed_on for s in logged)
    this_monday = as_of - timedelta(days=as_of.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in reversed(range(weeks))]
    mondays = [m for m in mondays if m + timedelta(days=6) >= first]
    rows: list[ExerciseWeek] = []
    for monday in mondays:
        year, week, _ = monday.isocalendar()
        s = week_summary(logged, iso_year=year, iso_week=week, today=as_of)
        rows.append(
            ExerciseWeek(
                week=f"{year}-W{week:02d}",
                week_start=monday,
                aerobic_minutes=s.aerobic_minutes,
                aerobic_target=s.aerobic_target,
                resistance_days=len(s.resistance_days),
                resistance_target=RESISTANCE_DAYS_PER_WEEK.value[0],
                balance_days=s.balance_days,
                met=s.aerobic_met and s.resistance_met and s.balance_met,
            )
        )
    streak = 0
    ordered = list(reversed(rows))
    if ordered and not ordered[0].met and ordered[0].week_start + timedelta(days=6) >= as_of:
        ordered = ordered[1:]  # the current week may still be met
    for row in ordered:
        if not row.met:
            break
        streak += 1
    low, high = RESISTANCE_DAYS_PER_WEEK.value
    return AdherenceSummary(
        weeks=rows,
        streak_weeks=streak,
        target_basis=f"Weekly goals: >= {AEROBIC_MINUTES_PER_WEEK.value} min weight-bearing "
        f"aerobic (bouts >= 10 min), resistance on {low}-{high} non-consecutive days, "
        "balance daily.",
        citation=f"{AEROBIC_MINUTES_PER_WEEK.citation}; {RESISTANCE_DAYS_PER_WEEK.citation}",
    )


def stored_summaries(
    *, uow: UnitOfWork, record: PatientRecord, as_of: date
) -> tuple[IntakeSummary | None, AdherenceSummary | None]:
    """Inside an open unit of work: the intake (last 30 days) and exercise (last 8 weeks) a
    report shows for her."""
    start = as_of - timedelta(days=REPORT_INTAKE_DAYS - 1)
    intakes = intakes_between(uow=uow, patient_id=record.id, start=start, end=as_of)
    intake = intake_summary(
        summarise(
            intakes,
            end=as_of,
            days=REPORT_INTAKE_DAYS,
            targets=patient_targets(record, as_of),
        )
    )
    history = uow.exercise.between(
        patient_id=record.id, start=as_of - timedelta(weeks=STREAK_HISTORY_WEEKS), end=as_of
    )
    return intake, adherence_summary(history, as_of=as_of, weeks=REPORT_WEEKS)


def report(
    *,
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    audience: ReportAudience,
    fmt: ReportFormat = "pdf",
    page_size: PageSize = "a4",
    today: date,
) -> bytes:
    """Her report as PDF or HTML with her food diary and exercise log. A patient gets the
    patient report (it never gives drug or dose advice); the clinician summary is for her
    linked clinicians (and the local operator). Raises PatientNotFound, Forbidden, or
    ValueError naming a bad option."""
    if audience == "clinician" and isinstance(actor, User) and not actor.is_clinician:
        raise Forbidden("the clinician summary is for her care team; choose the patient report")
    with uow:
        record = readable_record(uow, actor, patient_id)
        intake, adherence = stored_summaries(uow=uow, record=record, as_of=today)
        checkins = checkin_trend_in(uow=uow, patient_id=patient_id, today=today)
        owner = uow.accounts.owner_of(patient_id)
        audit_read(uow, actor, patient_id, f"{audience} report ({fmt})")
        uow.commit()
    return render_report(
        record=record,
        audience=audience,
        as_of=today,
        fmt=fmt,
        page_size=page_size,
        intake=intake,
        adherence=adherence,
        patient_name=owner.name if owner else None,
        checkins=checkins,
    )
