"""The weekly plan as an iCalendar file: one event per planned session (serialised to bytes).

Events are in floating local time (no time zone), laid end to end from `start` each day.
Writing the bytes to a file is the caller's job.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bonewise.calendar_feed import CalendarEvent, calendar_bytes
from bonewise.exercise.planner import Plan

PRODID = "-//bonewise//exercise plan//EN"


def plan_to_ics(plan: Plan, *, start: time = time(9, 0)) -> bytes:
    """The plan's sessions as VEVENTs. A blocked plan gives a calendar with no events."""
    events = []
    for day in plan.days:
        at = datetime.combine(day.date, start)
        for index, session in enumerate(day.sessions):
            summary = f"{session.exercise.name} ({session.kind}, {session.minutes} min)"
            details = [session.exercise.instructions]
            if session.kind == "resistance":
                summary = (
                    f"{session.exercise.name}: {session.sets} x {session.reps}, effort "
                    f"{session.effort}/10"
                )
                details.insert(
                    0,
                    f"{session.sets} set(s) of {session.reps} repetitions at effort "
                    f"{session.effort} out of 10.",
                )
            details.append("Stop and ask your care team if an exercise causes pain.")
            events.append(
                CalendarEvent(
                    uid=f"{plan.patient_id}-{day.date.isoformat()}-{index}@bonewise",
                    start=at,
                    duration=timedelta(minutes=session.minutes),
                    summary=summary,
                    description="\n".join(details),
                    categories=(session.kind,),
                )
            )
            at += timedelta(minutes=session.minutes)
    return calendar_bytes(
        events, prodid=PRODID, name=f"bonewise exercise plan, week {plan.week}", as_of=plan.as_of
    )
