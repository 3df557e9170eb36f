"""Her reminders end to end: `bonewise reminders send` mails the demo patient through the
loopback SMTP server, the link in the e-mail brings her (after signing in) to her reminders, and
the calendar feed made on her account page parses with icalendar with her dashboard's dates."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

from icalendar import Calendar
from playwright.sync_api import Page, expect

from bonewise.mail.sink import SmtpSink
from bonewise.services.demo import PATIENT_EMAIL, PATIENT_PASSWORD

from .conftest import BONEWISE
from .helpers import shot, sign_in

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _dashboard_reminders(page: Page) -> dict[str, date]:
    texts = page.locator("ul.reminders li").all_inner_texts()
    assert texts, "her dashboard lists no reminders"
    found = {}
    for text in texts:
        day = DAY.search(text)
        assert day, text
        found[text] = date.fromisoformat(day.group(0))
    return found


def test_a_reminder_e_mail_arrives_and_its_link_works(
    page: Page, server: str, server_env: dict[str, str], mail_sink: SmtpSink, shots: Path
) -> None:
    sign_in(page, PATIENT_EMAIL, PATIENT_PASSWORD)
    reminders = _dashboard_reminders(page)
    first = min(reminders.values())
    sent = subprocess.run(
        [*BONEWISE, "reminders", "send", "--as-of", first.isoformat()],
        env=server_env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert int(sent.stdout.split()[0]) >= 1, sent.stdout
    hers = [m for m in mail_sink.messages() if PATIENT_EMAIL in str(m["To"])]
    assert hers, [str(m["To"]) for m in mail_sink.messages()]
    body = hers[0].get_content()
    assert f"is due on {first.isoformat()}" in body or f"was due on {first.isoformat()}" in body
    link = re.search(rf"{re.escape(server)}/\S+", body)
    assert link, body

    page.context.clear_cookies()
    page.goto(link.group(0))
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mail").fill(PATIENT_EMAIL)
    page.get_by_label("Password").fill(PATIENT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(link.group(0))
    # The weekly check-in's e-mail opens the check-in form; the others her dashboard's list.
    landing = "Weekly check-in" if link.group(0).endswith("/checkin") else "Reminders"
    expect(page.get_by_role("heading", name=landing)).to_be_visible()
    shot(page, shots, "reminders-from-email")


def test_the_calendar_feed_parses_with_her_reminder_dates(
    page: Page, server: str, shots: Path
) -> None:
    sign_in(page, PATIENT_EMAIL, PATIENT_PASSWORD)
    shown = set(_dashboard_reminders(page).values())
    page.goto("/account")
    page.get_by_role("button", name=re.compile("calendar link")).first.click()
    url = page.locator("#calendar-url").inner_text()
    assert url.startswith(f"{server}/calendar/")
    shot(page, shots, "account-calendar-link")
    feed = page.request.get(url)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert {e.decoded("dtstart") for e in events} == shown
    assert all(
        "contact your team" in str(e["description"]) or "check-in" in str(e["summary"]).lower()
        for e in events
    )
