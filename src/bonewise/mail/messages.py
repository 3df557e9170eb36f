"""The e-mails bonewise sends, as plain text (every client shows it; nothing to track)."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import urlencode

from bonewise.services.accounts import ResetLink
from bonewise.services.reminders import ReminderMail


def _to(name: str, email: str) -> Address:
    user, _, domain = email.partition("@")
    return Address(display_name=name, username=user, domain=domain)


def password_reset_message(link: ResetLink, *, public_url: str, sender: str) -> EmailMessage:
    url = f"{public_url}/reset-password?{urlencode({'token': link.token})}"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = _to(link.name, link.email)
    message["Subject"] = "Reset your bonewise password"
    message.set_content(
        f"Hello {link.name},\n\n"
        "Someone (we hope you) asked to reset the password of your bonewise account.\n"
        f"Choose a new password here (the link works once, until "
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC):\n\n{url}\n\n"
        "Setting a new password signs you out on every device.\n"
        "If you did not ask for this, ignore this e-mail: your password stays as it is.\n"
    )
    return message


def reminder_message(mail: ReminderMail, *, sender: str) -> EmailMessage:
    reminder = mail.reminder
    message = EmailMessage()
    message["From"] = sender
    message["To"] = _to(mail.user.name, mail.user.email)
    message["Subject"] = f"bonewise reminder: {reminder.title} {reminder.due:%d %b %Y}"
    message.set_content(
        f"Hello {mail.user.name},\n\n{reminder.text}\n\n"
        f"See your reminders in bonewise: {mail.link}\n\n"
        "You get this because you have a bonewise account. It is a reminder, not medical "
        "advice: your care team decides about your treatment.\n"
    )
    return message
