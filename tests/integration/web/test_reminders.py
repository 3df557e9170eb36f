"""Her reminders: on her dashboard, by e-mail through a real SMTP server on loopback (once
each), and as a calendar feed at a secret, revocable URL, all with the assessment's dates."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from bonewise.cli import app as cli
from bonewise.clinical.assessment import assess
from bonewise.mail.messages import reminder_message
from bonewise.mail.sink import SmtpSink
from bonewise.mail.smtp import SmtpMailer, SmtpSettings
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.services.reminders import ReminderMail, her_reminders, send_due_reminders
from bonewise.store.uow import UnitOfWork

from .conftest import World, example

PUBLIC = "https://bones.clinic.example"


def _expected(name: str, as_of: date) -> dict[str, date]:
    record = example(name)
    return {r.kind: r.due for r in her_reminders(record, as_of=as_of)}


def test_her_dashboard_lists_her_reminders(sqlite_world: World) -> None:
    ann = sqlite_world.actor("patient_a")
    page = ann.client.get(f"/patients/{sqlite_world.patient_a.patient_id}")
    assert page.status_code == 200
    section = page.text.split('id="reminders-heading"', 1)[1].split("</section>", 1)[0]
    record = example("osteopenia-with-risk-factors")
    schedule = assess(record, as_of=date.today()).monitoring
    assert schedule.next_dxa_due is not None
    assert schedule.next_dxa_due.isoformat() in section
    assert "weekly check-in" in section
    assert "contact your team" in section


def test_the_calendar_feed_has_the_assessments_dates_and_can_be_revoked(
    sqlite_world: World,
) -> None:
    ann = sqlite_world.actor("patient_a")
    sqlite_world.app.state.public_url = PUBLIC  # type: ignore[attr-defined]
    page = ann.client.post("/account/calendar", data={"csrf_token": ann.csrf})
    assert page.status_code == 200
    url = re.search(r'<code id="calendar-url">([^<]+)</code>', page.text)
    assert url and url.group(1).startswith(f"{PUBLIC}/calendar/")
    path = url.group(1).removeprefix(PUBLIC)

    anonymous = sqlite_world.actor("anonymous").client
    feed = anonymous.get(path)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    got = {str(e["summary"]): e.decoded("dtstart") for e in events}
    expected = _expected("osteopenia-with-risk-factors", date.today())
    assert got["Bone density scan (DXA) due"] == expected["dxa"]
    assert got["Weekly check-in"] == expected["check-in"]
    weekly = next(e for e in events if str(e["summary"]) == "Weekly check-in")
    assert weekly["rrule"]["FREQ"] == ["WEEKLY"]
    assert "/account" in ann.client.get("/account").text

    # A new link replaces the old one; revoking ends it.
    again = ann.client.post("/account/calendar", data={"csrf_token": ann.csrf})
    newer = re.search(r'<code id="calendar-url">([^<]+)</code>', again.text)
    assert newer
    assert anonymous.get(path).status_code == 404
    newer_path = newer.group(1).removeprefix(PUBLIC)
    assert anonymous.get(newer_path).status_code == 200
    revoked = ann.client.post("/account/calendar/revoke", data={"csrf_token": ann.csrf})
    assert revoked.status_code == 303
    assert anonymous.get(newer_path).status_code == 404
    assert anonymous.get("/calendar/" + "x" * 43 + ".ics").status_code == 404

    audit = ann.client.get(f"/patients/{sqlite_world.patient_a.patient_id}/audit").text
    assert "reminders calendar link created" in audit
    assert "reminders calendar link revoked" in audit


def test_a_clinician_has_no_reminders_calendar(sqlite_world: World) -> None:
    lee = sqlite_world.actor("linked_clinician")
    assert lee.client.post("/account/calendar", data={"csrf_token": lee.csrf}).status_code == 403


def test_due_reminders_are_e_mailed_once_each(sqlite_world: World, smtp_sink: SmtpSink) -> None:
    settings = SmtpSettings.from_env(smtp_sink.env())
    assert settings is not None
    mailer = SmtpMailer(settings)
    expected = _expected("osteopenia-with-risk-factors", date.today())
    as_of = expected["dxa"] - timedelta(days=3)  # inside the DXA reminder's 30-day lead

    def run(day: date) -> tuple[int, int]:
        report = send_due_reminders(
            uow=UnitOfWork(sqlite_world.factory),
            actor=LOCAL_OPERATOR,
            as_of=day,
            send=lambda m: mailer.send(reminder_message(m, sender=mailer.sender)),
            public_url=PUBLIC,
        )
        return report.sent, report.already_sent

    first = run(as_of)
    assert first[0] >= 1
    assert run(as_of) == (0, first[0])  # idempotent
    arrived = smtp_sink.messages()
    assert len(arrived) == first[0]
    ann = [m for m in arrived if m["To"].addresses[0].addr_spec == "ann@example.org"]
    dxa = next(m for m in ann if "DXA" in m["Subject"])
    body = dxa.get_content()
    assert f"is due on {expected['dxa'].isoformat()}: contact your team" in body
    assert f"{PUBLIC}/patients/{sqlite_world.patient_a.patient_id}" in body


def test_a_failed_send_leaves_the_reminder_for_the_next_run(sqlite_world: World) -> None:
    expected = _expected("osteopenia-with-risk-factors", date.today())
    as_of = expected["dxa"] - timedelta(days=3)
    sent: list[ReminderMail] = []

    def broken(mail: ReminderMail) -> None:
        raise ConnectionRefusedError("smtp down")

    with pytest.raises(ConnectionRefusedError):
        send_due_reminders(
            uow=UnitOfWork(sqlite_world.factory),
            actor=LOCAL_OPERATOR,
            as_of=as_of,
            send=broken,
            public_url=PUBLIC,
        )
    report = send_due_reminders(
        uow=UnitOfWork(sqlite_world.factory),
        actor=LOCAL_OPERATOR,
        as_of=as_of,
        send=sent.append,
        public_url=PUBLIC,
    )
    assert report.sent == len(sent) >= 1


def test_the_command_sends_through_the_configured_server(
    sqlite_world: World, smtp_sink: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BONEWISE_DATABASE_URL", f"sqlite:///{tmp_path / 'web.sqlite3'}")
    for key, value in smtp_sink.env().items():
        monkeypatch.setenv(key, value)
    day = (_expected("osteopenia-with-risk-factors", date.today())["dxa"]).isoformat()
    first = CliRunner().invoke(cli, ["reminders", "send", "--as-of", day])
    assert first.exit_code == 0, first.output
    count = int(first.output.split()[0])
    assert count >= 1 and len(smtp_sink.messages()) == count
    again = CliRunner().invoke(cli, ["reminders", "send", "--as-of", day])
    assert again.output.startswith("0 reminder(s) sent")
    monkeypatch.delenv("BONEWISE_SMTP_HOST")
    off = CliRunner().invoke(cli, ["reminders", "send"])
    assert off.exit_code == 2 and "e-mail is off" in off.output
