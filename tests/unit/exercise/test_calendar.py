"""The plan as an .ics file: one event per planned session, readable by calendar software."""

from datetime import date, time, timedelta

from icalendar import Calendar

from bonewise.exercise.calendar import plan_to_ics
from bonewise.exercise.planner import Preferences, plan_week
from bonewise.exercise.safety import SafetyProfile

AS_OF = date(2026, 11, 27)


def plan(profile):
    return plan_week(patient_id="cal", profile=profile, preferences=Preferences(), as_of=AS_OF)


def test_one_event_per_session_with_its_length_and_day():
    p = plan(SafetyProfile(who_category="osteoporosis", low_for_age=None, vertebral_fracture=False))
    events = list(Calendar.from_ical(plan_to_ics(p, start=time(7, 30))).walk("VEVENT"))
    planned = [(d.date, s) for d in p.days for s in d.sessions]
    assert len(events) == len(planned)
    assert len({str(e["uid"]) for e in events}) == len(events)
    for event, (day, session) in zip(events, planned, strict=True):
        assert event.decoded("dtstart").date() == day
        assert event.decoded("duration") == timedelta(minutes=session.minutes)
        assert session.exercise.name in str(event["summary"])
    firsts = [e.decoded("dtstart") for e in events if e.decoded("dtstart").time() == time(7, 30)]
    assert len(firsts) == 7  # each day starts at the chosen time
    resistance = [e for e in events if "x" in str(e["summary"]) and "effort" in str(e["summary"])]
    assert resistance


def test_a_blocked_plan_has_no_events():
    p = plan(
        SafetyProfile(
            who_category="normal",
            low_for_age=None,
            vertebral_fracture=False,
            blocked_reasons=("bone metastases are recorded",),
        )
    )
    assert list(Calendar.from_ical(plan_to_ics(p)).walk("VEVENT")) == []
