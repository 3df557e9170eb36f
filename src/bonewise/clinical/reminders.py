"""Her reminders: the dates the assessment already gives (monitoring schedule, bone-therapy
schedule), put in words she can act on, plus her weekly check-in.

Nothing is computed again here: every date is read from the Assessment (one question, one
answer). The words never tell her to start, stop or change a medicine; a dose reminder names her
own medicine and its date and sends her to her team (no other drug word: not even "injection",
as her pages' wording test holds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bonewise.calendar_feed import CalendarEvent, calendar_bytes
from bonewise.clinical import monitoring
from bonewise.clinical.assessment import Assessment
from bonewise.clinical.facts import on_aromatase_inhibitor
from bonewise.clinical.models import PatientRecord

ReminderKind = Literal["dxa", "denosumab", "zoledronic-acid", "vitamin-d", "check-in"]

# Her weekly check-in falls on this weekday (0 = Monday): a product choice, not a clinical one.
CHECK_IN_WEEKDAY = 0


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """How many days before its date a reminder is sent by e-mail (product choices, not
    clinical values; sites may change them)."""

    dxa_lead_days: int = 30
    dose_lead_days: int = 14
    vitamin_d_lead_days: int = 14
    check_in_lead_days: int = 0

    def lead(self, kind: ReminderKind) -> timedelta:
        days = {
            "dxa": self.dxa_lead_days,
            "denosumab": self.dose_lead_days,
            "zoledronic-acid": self.dose_lead_days,
            "vitamin-d": self.vitamin_d_lead_days,
            "check-in": self.check_in_lead_days,
        }[kind]
        return timedelta(days=days)


DEFAULT_REMINDER_POLICY = ReminderPolicy()


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: ReminderKind
    due: date
    title: str  # short: a calendar event's summary, an e-mail's subject
    text: str  # one sentence she can act on
    overdue: bool
    weekly: bool = False  # repeats every week (the check-in)
    source: str = ""  # which answer of the assessment the date comes from

    def is_due_for_sending(self, as_of: date, policy: ReminderPolicy) -> bool:
        return self.due - policy.lead(self.kind) <= as_of


def _said(due: date, *, overdue: bool) -> str:
    return f"was due on {due.isoformat()}" if overdue else f"is due on {due.isoformat()}"


def next_check_in(as_of: date) -> date:
    return as_of + timedelta(days=(CHECK_IN_WEEKDAY - as_of.weekday()) % 7)


def reminders_from(record: PatientRecord, assessment: Assessment) -> list[Reminder]:
    """Her reminders on the assessment's day, soonest first (the weekly check-in only while she
    takes an aromatase inhibitor: it asks about it)."""
    as_of = assessment.as_of
    on_ai = on_aromatase_inhibitor(record.therapy, as_of)
    schedule = assessment.monitoring
    found: list[Reminder] = []
    # Overdue is the monitoring schedule's answer (its `overdue`), never compared again here.
    if schedule.next_dxa_due is not None:
        due = schedule.next_dxa_due
        overdue = "dxa" in schedule.overdue
        found.append(
            Reminder(
                "dxa",
                due,
                "Bone density scan (DXA) due",
                f"Your next bone density scan (DXA) {_said(due, overdue=overdue)}: contact your "
                "team to book it.",
                overdue,
                source="monitoring.next_dxa_due",
            )
        )
    therapy = assessment.bone_therapy
    if schedule.next_denosumab_dose_due is not None:
        due = schedule.next_denosumab_dose_due
        overdue = "denosumab-dose" in schedule.overdue
        found.append(
            Reminder(
                "denosumab",
                due,
                "Denosumab due",
                f"Your next denosumab {_said(due, overdue=overdue)}: contact your team.",
                overdue,
                source="monitoring.next_denosumab_dose_due",
            )
        )
    if (
        therapy.agent == "zoledronic_acid"
        and therapy.on_therapy
        and therapy.next_dose_due is not None
    ):
        due = therapy.next_dose_due
        overdue = monitoring.past_due(due, as_of)  # not on the schedule: its comparison
        found.append(
            Reminder(
                "zoledronic-acid",
                due,
                "Zoledronic acid due",
                f"Your next zoledronic acid {_said(due, overdue=overdue)}: contact your team.",
                overdue,
                source="bone_therapy.next_dose_due",
            )
        )
    if schedule.vitamin_d_recheck_due is not None:
        due = schedule.vitamin_d_recheck_due
        overdue = "vitamin-d-recheck" in schedule.overdue
        found.append(
            Reminder(
                "vitamin-d",
                due,
                "Vitamin D blood test due",
                f"Your vitamin D blood test recheck {_said(due, overdue=overdue)}: contact your "
                "team.",
                overdue,
                source="monitoring.vitamin_d_recheck_due",
            )
        )
    if on_ai:
        due = next_check_in(as_of)
        found.append(
            Reminder(
                "check-in",
                due,
                "Weekly check-in",
                f"Your weekly check-in (joint pain, stiffness, missed days) is due on "
                f"{due.isoformat()}: it takes a minute in bonewise.",
                False,
                weekly=True,
                source="weekly, every Monday",
            )
        )
    return sorted(found, key=lambda r: (r.due, r.kind))


CALENDAR_PRODID = "-//bonewise//reminders//EN"


def reminders_to_ics(reminders: list[Reminder], *, feed_id: str, as_of: date, link: str) -> bytes:
    """Her reminders as an iCalendar feed: one all-day event per date (the check-in repeats
    weekly). `feed_id` keeps each event's UID stable across refreshes, so a calendar updates an
    event whose date moved instead of adding a second one."""
    events = [
        CalendarEvent(
            uid=f"{reminder.kind}-{feed_id}@bonewise",
            start=reminder.due,
            end=reminder.due + timedelta(days=1),
            summary=reminder.title,
            description=f"{reminder.text}\n{link}",
            transparent=True,
            weekly=reminder.weekly,
        )
        for reminder in reminders
    ]
    return calendar_bytes(
        events,
        prodid=CALENDAR_PRODID,
        name="bonewise reminders",
        as_of=as_of,
        publish=True,
        refresh=timedelta(hours=12),
    )
