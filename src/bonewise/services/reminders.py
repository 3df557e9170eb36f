"""Her reminders in the app, by e-mail and as a calendar feed: all from the same list, which
reads the assessment's dates (bonewise.clinical.reminders).

The calendar feed lives at a secret URL (a random token kept only as its digest), which she can
create again (the old URL stops working) or revoke from her account page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bonewise.clinical.models import PatientRecord
from bonewise.clinical.reminders import (
    DEFAULT_REMINDER_POLICY,
    Reminder,
    ReminderPolicy,
    reminders_from,
    reminders_to_ics,
)
from bonewise.services.access import (
    Actor,
    Forbidden,
    InvalidInput,
    Operator,
    audit_read,
    audit_write,
    readable_record,
)
from bonewise.services.assessment import evaluate
from bonewise.store.accounts import User
from bonewise.store.uow import UnitOfWork


def her_reminders(record: PatientRecord, *, as_of: date) -> list[Reminder]:
    """Her reminders on a day (the assessment made once, its dates read)."""
    return reminders_from(record, evaluate(record, as_of=as_of))


def reminders_for(*, uow: UnitOfWork, actor: Actor, patient_id: str, as_of: date) -> list[Reminder]:
    with uow:
        record = readable_record(uow, actor, patient_id)
        audit_read(uow, actor, patient_id, "reminders")
        uow.commit()
    return her_reminders(record, as_of=as_of)


# --- calendar feed ---------------------------------------------------------------------------
def _patient_only(actor: User) -> str:
    if actor.is_clinician or actor.patient_id is None:
        raise Forbidden("only a patient with a record has a reminders calendar")
    return actor.patient_id


def create_calendar_feed(*, uow: UnitOfWork, actor: User) -> str:
    """A new secret token for her calendar feed (any earlier feed URL stops working)."""
    patient_id = _patient_only(actor)
    with uow:
        token = uow.accounts.issue_token(actor.id, "calendar", lifetime=None)
        audit_write(uow, actor, what="reminders calendar link created", patient_id=patient_id)
        uow.commit()
        return token


def revoke_calendar_feed(*, uow: UnitOfWork, actor: User) -> bool:
    patient_id = _patient_only(actor)
    with uow:
        revoked = uow.accounts.revoke_tokens(actor.id, "calendar") > 0
        if revoked:
            audit_write(uow, actor, what="reminders calendar link revoked", patient_id=patient_id)
        uow.commit()
        return revoked


def has_calendar_feed(*, uow: UnitOfWork, actor: User) -> bool:
    with uow:
        return uow.accounts.has_token(actor.id, "calendar")


def calendar_feed(*, uow: UnitOfWork, token: str, as_of: date, link: str) -> bytes | None:
    """The .ics for a feed token; None when the token is unknown or revoked."""
    with uow:
        owner = uow.accounts.token_owner(token, "calendar")
        if owner is None or owner.patient_id is None:
            return None
        record = uow.patients.get_or_raise(owner.patient_id)
    feed_id = hashlib.sha256(f"bonewise-feed:{owner.id}".encode()).hexdigest()[:16]
    return reminders_to_ics(
        her_reminders(record, as_of=as_of),
        feed_id=feed_id,
        as_of=as_of,
        link=f"{link}/patients/{record.id}",
    )


# --- e-mail ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReminderMail:
    user: User
    reminder: Reminder
    link: str


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: int
    already_sent: int
    patients: int
    skipped: int = 0  # patients with no assessment on the day (a date outside her adult years)


def send_due_reminders(
    *,
    uow: UnitOfWork,
    actor: Operator,
    as_of: date,
    send: Callable[[ReminderMail], None],
    public_url: str,
    policy: ReminderPolicy = DEFAULT_REMINDER_POLICY,
) -> SendReport:
    """E-mail every reminder that is due for sending on `as_of`, once each: a reminder already
    sent (same account, kind and date) is not sent again, so running it twice sends nothing
    new. Each reminder is its own transaction; a failed send leaves it unsent for the next run."""
    with uow:
        accounts = uow.accounts.patient_accounts()
    sent = already = skipped = 0
    for user in accounts:
        assert user.patient_id is not None
        with uow:
            record = uow.patients.get_or_raise(user.patient_id)
        try:
            reminders = her_reminders(record, as_of=as_of)
        except InvalidInput:
            skipped += 1  # no assessment on this day (outside her adult years): nothing due
            continue
        for reminder in reminders:
            if not reminder.is_due_for_sending(as_of, policy):
                continue
            with uow:
                if not uow.accounts.mark_reminder_sent(user.id, reminder.kind, reminder.due):
                    already += 1
                    continue
                send(ReminderMail(user, reminder, _reminder_link(public_url, record.id, reminder)))
                audit_write(
                    uow,
                    actor,
                    what=f"reminder e-mailed: {reminder.kind} due {reminder.due.isoformat()}",
                    patient_id=record.id,
                )
                uow.commit()
                sent += 1
    return SendReport(sent, already, len(accounts), skipped)


def _reminder_link(public_url: str, patient_id: str, reminder: Reminder) -> str:
    """Where the e-mail's link takes her: the check-in form for her weekly check-in, her
    dashboard (with every date) for the rest."""
    page = "/checkin" if reminder.kind == "check-in" else ""
    return f"{public_url}/patients/{patient_id}{page}"
