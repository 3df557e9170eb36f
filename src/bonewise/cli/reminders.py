"""`bonewise reminders send`: e-mail every reminder that is due, once each (run it daily)."""

from __future__ import annotations

from typing import Annotated

import typer

from bonewise.cli.common import fail, parse_day
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.store.uow import UnitOfWork, open_store

app = typer.Typer(help="Reminders by e-mail.", no_args_is_help=True)


@app.callback()
def reminders() -> None:
    """Her reminders by e-mail (in the app and her calendar feed they need no command)."""


@app.command("send")
def send(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Send what is due on this day (YYYY-MM-DD; default today)."),
    ] = None,
) -> None:
    """E-mail each patient the reminders due (DXA, denosumab or zoledronic acid dose, vitamin D
    recheck, weekly check-in), each one once: running it again sends nothing new. The dates are
    her assessment's. Needs BONEWISE_SMTP_HOST (see the README's E-mail section); links point
    to BONEWISE_PUBLIC_URL."""
    from bonewise.mail.messages import reminder_message
    from bonewise.mail.smtp import MailConfigError, mailer_from_env, public_url
    from bonewise.services.reminders import ReminderMail, send_due_reminders

    day = parse_day(as_of)
    try:
        mailer = mailer_from_env()
    except MailConfigError as exc:
        fail(str(exc))
    if mailer is None:
        fail("e-mail is off: set BONEWISE_SMTP_HOST (and BONEWISE_SMTP_* as the README says)")

    def deliver(mail: ReminderMail) -> None:
        mailer.send(reminder_message(mail, sender=mailer.sender))

    report = send_due_reminders(
        uow=UnitOfWork(open_store()),
        actor=LOCAL_OPERATOR,
        as_of=day,
        send=deliver,
        public_url=public_url(),
    )
    typer.echo(
        f"{report.sent} reminder(s) sent, {report.already_sent} already sent before, "
        f"{report.patients} patient account(s) checked ({day.isoformat()})"
        + (f"; {report.skipped} with no assessment on that day" if report.skipped else "")
    )
