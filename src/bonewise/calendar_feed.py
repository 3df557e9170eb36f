"""The one iCalendar builder (RFC 5545, written by the icalendar library) behind every calendar
bonewise gives out: the exercise plan (exercise/calendar.py) and her reminders feed
(clinical/reminders.py). Each caller says what its events are; the header, the time stamp and
the property order are made here once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One VEVENT. `start` is a date (an all-day event, `end` the day after) or a floating
    local datetime (with a `duration`)."""

    uid: str
    start: date | datetime
    summary: str
    description: str
    duration: timedelta | None = None
    end: date | None = None
    categories: tuple[str, ...] = ()
    transparent: bool = False  # shown as free time
    weekly: bool = False  # repeats every week from `start`


def calendar_bytes(
    events: Iterable[CalendarEvent],
    *,
    prodid: str,
    name: str,
    as_of: date,
    publish: bool = False,
    refresh: timedelta | None = None,
) -> bytes:
    """The calendar of `events`, stamped at midnight UTC of `as_of` (so the same day gives the
    same bytes). `publish` and `refresh` make it a subscribed feed that clients re-read."""
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if publish:
        calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    stamp = datetime.combine(as_of, time(0, 0), tzinfo=UTC)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.start)
        if item.duration is not None:
            event.add("duration", item.duration)
        if item.end is not None:
            event.add("dtend", item.end)
        event.add("summary", item.summary)
        event.add("description", item.description)
        if item.categories:
            event.add("categories", list(item.categories))
        if item.transparent:
            event.add("transp", "TRANSPARENT")
        if item.weekly:
            event.add("rrule", {"freq": "weekly"})
        calendar.add_component(event)
    return bytes(calendar.to_ical())
