"""Monitoring: when the next DXA, vitamin D recheck and denosumab dose are due, and what is overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict

from bonewise import evidence as ev
from bonewise.clinical.bmd_series import bmd_series
from bonewise.clinical.bmd_series import significant_losses as bmd_series_losses
from bonewise.clinical.bone_therapy import therapy_status
from bonewise.clinical.calendar import add_months
from bonewise.clinical.densitometry import BmdChange
from bonewise.clinical.facts import Facts
from bonewise.clinical.models import BoneTherapy
from bonewise.clinical.results import Alert, GuidelineDecision, alert
from bonewise.clinical.safety import latest_vitamin_d
from bonewise.measures.windows import (
    baseline_dxa_due_by,
    baseline_dxa_window,
    repeat_dxa_due,
    therapy_decision_due,
    therapy_lookback_start,
    vitamin_d_recheck_due,
)


class Monitoring(BaseModel):
    model_config = ConfigDict(frozen=True)

    next_dxa_due: date | None
    dxa_window_opens: date | None
    last_dxa: date | None
    vitamin_d_recheck_due: date | None
    next_denosumab_dose_due: date | None
    overdue: list[str]
    ai_monitoring_ended: date | None = None  # the AI ended: standard osteoporosis screening


def bmd_changes(facts: Facts) -> list[BmdChange]:
    """The change verdict of each site's BMD series (bmd_series: the latest scan against its
    baseline, against the least significant change)."""
    return [s.change for s in bmd_series(facts.scans) if s.change is not None]


def significant_losses(facts: Facts) -> list[BmdChange]:
    """Losses beyond the least significant change (never across scanner makes)."""
    return bmd_series_losses(facts.scans)


def past_due(due: date, as_of: date) -> bool:
    """Overdue: her day is after the due date (on the day itself it is due, not overdue). The
    one comparison behind the schedule's `overdue` and her reminders' "was due"."""
    return due < as_of


def baseline_dxa_date(facts: Facts) -> date | None:
    therapy = facts.record.therapy
    if therapy is None:
        return None
    opens, closes = baseline_dxa_window(therapy.first_start)
    # any DXA result (a T-score, a Z-score or a BMD) or DXA procedure, as in the measure
    dates = [day for day in facts.dxa_dates if opens <= day <= closes]
    return min(dates, default=None)


def monitoring(facts: Facts) -> Monitoring:
    low_months = ev.HADJI_REPEAT_DXA_MONTHS.value[0]
    last = facts.dxa_dates[-1] if facts.dxa_dates else None
    therapy = facts.record.therapy
    overdue: list[str] = []

    if therapy is None or facts.ai_ended or facts.male:
        next_dxa: date | None = None
        opens: date | None = None
    elif last is not None:
        # A significant loss brings the next DXA to the low end of the interval (12 months).
        next_dxa = repeat_dxa_due(last, significant_loss=bool(significant_losses(facts)))
        opens = add_months(last, low_months)
    else:
        next_dxa = baseline_dxa_due_by(therapy.first_start)
        opens = None
    if next_dxa is not None and past_due(next_dxa, facts.as_of):
        overdue.append("dxa")

    recheck = None
    vitamin_d = latest_vitamin_d(facts)
    if vitamin_d is not None and vitamin_d.low:
        recheck = vitamin_d_recheck_due(vitamin_d.day)
        if past_due(recheck, facts.as_of):
            overdue.append("vitamin-d-recheck")

    # The next denosumab dose is the therapy schedule's one answer (bone_therapy), not a second
    # reckoning of "last dose + 6 months".
    therapy_now = therapy_status(facts.record, as_of=facts.as_of)
    next_dose = None
    if therapy_now.agent == "denosumab" and therapy_now.on_therapy:
        next_dose = therapy_now.next_dose_due
        if next_dose is not None and past_due(next_dose, facts.as_of):
            overdue.append("denosumab-dose")

    return Monitoring(
        next_dxa_due=next_dxa,
        dxa_window_opens=opens,
        last_dxa=last,
        vitamin_d_recheck_due=recheck,
        next_denosumab_dose_due=next_dose,
        overdue=overdue,
        ai_monitoring_ended=therapy.end_date if therapy is not None and facts.ai_ended else None,
    )


def dxa_alerts(facts: Facts, schedule: Monitoring) -> list[Alert]:
    found: list[Alert] = []
    therapy = facts.record.therapy
    if therapy is None or facts.ai_ended or facts.male:
        return found  # AI bone-loss monitoring runs only while she is on (or starting) an AI
    if baseline_dxa_date(facts) is None:
        # Due from the AI start; a gap (red) once start + 3 months has passed, "due by" before.
        # from the first AI start: a switch to another AI continues AI therapy
        started = therapy.first_start
        agent = therapy.first_agent
        due_by = baseline_dxa_due_by(started)
        late = past_due(due_by, facts.as_of)
        found.append(
            alert(
                id="no-baseline-dxa",
                severity="critical" if late else "info",
                text=(
                    f"No baseline DXA around the {agent} start "
                    f"({started.isoformat()}); it was due by {due_by.isoformat()}: "
                    if late
                    else f"Baseline DXA due by {due_by.isoformat()} ({agent} start "
                    f"{started.isoformat()}): "
                )
                + "every woman starting an aromatase inhibitor needs her fracture risk assessed.",
                rule_id="monitoring.baseline-dxa",
                basis=ev.HADJI_ASSESS_EVERYONE,
            )
        )
    losses = significant_losses(facts)
    if losses:
        found.append(
            alert(
                id="significant-bmd-loss",
                severity="warning",
                text="Bone density fell beyond the least significant change: "
                + "; ".join(
                    f"{c.site.replace('_', ' ')} {c.percent:+.1f}% (LSC {c.lsc_percent:.1f}%) from "
                    f"{c.from_date.isoformat()} to {c.to_date.isoformat()}"
                    for c in losses
                )
                + f". Reassess fracture risk; next DXA by {_day(schedule.next_dxa_due)}.",
                rule_id="monitoring.significant-bmd-loss",
                basis=ev.HADJI_FIRST_YEAR_LOSS,
            )
        )
    if schedule.last_dxa is not None and "dxa" in schedule.overdue:
        found.append(
            alert(
                id="dxa-overdue",
                severity="warning",
                text=f"DXA overdue: the last scan was {schedule.last_dxa.isoformat()}; a repeat "
                f"was due by {schedule.next_dxa_due.isoformat() if schedule.next_dxa_due else '?'}.",
                rule_id="monitoring.repeat-dxa",
                basis=ev.HADJI_REPEAT_DXA_MONTHS,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class TherapyDecision:
    """The therapy-gap measure for one woman (measures.toml; windows from measures.windows)."""

    indicated_on: date  # Q: the DXA hadji-2017's indication rests on (her latest)
    due_by: date  # Q + THERAPY_DECISION_MONTHS
    counted_from: date  # therapy given or active on or after this day counts
    rule_id: str
    reasons: tuple[str, ...]
    gap: bool  # past due_by with no therapy given or active since counted_from


def therapy_decision(facts: Facts, hadji: GuidelineDecision) -> TherapyDecision | None:
    """hadji-2017 indicates bone-directed therapy on her latest DXA (Q) while she is on an AI
    and none has been given or active since Q - 12 months: the decision is due by Q + 6 months,
    a gap after (as the baseline DXA is "due by", then red). None: nothing is pending.

    A woman for whom hadji-2017 is not applicable (bone metastases, the AI ended) or undetermined
    (premenopausal without ovarian suppression, no DXA) has nothing pending here."""
    scan = facts.latest_scan
    if hadji.bone_directed_therapy is not True or not facts.on_ai or scan is None:
        return None
    since = therapy_lookback_start(scan.date)
    if any(_given_or_active_since(c, since, facts.as_of) for c in facts.record.bone_therapy):
        return None
    due = therapy_decision_due(scan.date)
    return TherapyDecision(
        indicated_on=scan.date,
        due_by=due,
        counted_from=since,
        rule_id=hadji.rule_id,
        reasons=tuple(hadji.reasons),
        gap=past_due(due, facts.as_of),
    )


def _given_or_active_since(course: BoneTherapy, since: date, as_of: date) -> bool:
    """Given (a dose) or active (a course with no end yet) on or after `since`, as the measure
    reads drug exposures: each dose is a day; a course without doses runs to its end, or to
    today if it has not ended."""
    if course.first_date > as_of:
        return False
    doses = [d for d in course.doses if d <= as_of]
    if course.end_date is not None and course.end_date <= as_of:
        reach = course.end_date
    elif doses:
        reach = max(doses)
    else:
        reach = as_of
    return reach >= since


def therapy_alerts(facts: Facts, hadji: GuidelineDecision) -> list[Alert]:
    pending = therapy_decision(facts, hadji)
    if pending is None:
        return []
    indicated = (
        f"hadji-2017 indicates bone-directed therapy on the DXA of "
        f"{pending.indicated_on.isoformat()} ({'; '.join(pending.reasons)}), and none is recorded "
        f"given or active since {pending.counted_from.isoformat()}"
    )
    return [
        alert(
            id="therapy-gap",
            severity="warning" if pending.gap else "info",
            text=(
                f"Therapy gap: {indicated}. The care team's decision was due by "
                f"{pending.due_by.isoformat()}."
                if pending.gap
                else f"Therapy decision due by {pending.due_by.isoformat()}: {indicated}."
            ),
            rule_id="monitoring.therapy-gap",
            basis=ev.THERAPY_DECISION_MONTHS,
        )
    ]


def _day(day: date | None) -> str:
    return "?" if day is None else day.isoformat()
