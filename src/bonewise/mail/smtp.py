"""Sending e-mail over SMTP with the standard library's `smtplib`.

Why smtplib and not aiosmtplib: every service and route in bonewise is synchronous, messages are
sent one at a time (a password reset, a reminder batch from the CLI), and smtplib is maintained
with Python itself, so there is no extra dependency to keep up with. aiosmtpd (the sink) is only
needed to *receive*.

Configuration (environment; documented in the README):

    BONEWISE_SMTP_HOST      server name; unset = e-mail is off (pages say so)
    BONEWISE_SMTP_PORT      default 587 (starttls), 465 (tls), 25 (none)
    BONEWISE_SMTP_TLS       starttls (default) | tls | none (none only to a loopback address)
    BONEWISE_SMTP_USERNAME  and BONEWISE_SMTP_PASSWORD, if the server wants a login
    BONEWISE_MAIL_FROM      the From address (default bonewise@localhost)
    BONEWISE_PUBLIC_URL     where the app is reached, for links in messages
                            (default http://127.0.0.1:8000)
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal, Protocol

TlsMode = Literal["starttls", "tls", "none"]
TLS_MODES: tuple[TlsMode, ...] = ("starttls", "tls", "none")
DEFAULT_PORTS: dict[TlsMode, int] = {"starttls": 587, "tls": 465, "none": 25}
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
SEND_TIMEOUT_S = 15


class MailConfigError(ValueError):
    """A setting that cannot work: the message names the variable, the value and what is
    allowed."""


class Mailer(Protocol):
    sender: str

    def send(self, message: EmailMessage) -> None: ...


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    tls: TlsMode = "starttls"
    username: str | None = None
    password: str | None = None
    sender: str = "bonewise@localhost"

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise MailConfigError(f"BONEWISE_SMTP_PORT {self.port} is not allowed: use 1-65535")
        if self.tls not in TLS_MODES:
            raise MailConfigError(
                f"BONEWISE_SMTP_TLS {self.tls!r} is not one of {', '.join(TLS_MODES)}"
            )
        if self.tls == "none" and not _is_loopback(self.host):
            raise MailConfigError(
                f"BONEWISE_SMTP_TLS none sends in clear text: only to a loopback address, "
                f"not {self.host!r}; use starttls or tls"
            )
        if (self.username is None) != (self.password is None):
            raise MailConfigError(
                "set both BONEWISE_SMTP_USERNAME and BONEWISE_SMTP_PASSWORD, or neither"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The settings the environment gives; None when BONEWISE_SMTP_HOST is unset."""
        env = os.environ if env is None else env
        host = env.get("BONEWISE_SMTP_HOST", "").strip()
        if not host:
            return None
        tls = env.get("BONEWISE_SMTP_TLS", "starttls").strip().lower() or "starttls"
        if tls not in TLS_MODES:
            raise MailConfigError(f"BONEWISE_SMTP_TLS {tls!r} is not one of {', '.join(TLS_MODES)}")
        raw_port = env.get("BONEWISE_SMTP_PORT", "").strip()
        try:
            port = int(raw_port) if raw_port else DEFAULT_PORTS[tls]  # type: ignore[index]
        except ValueError:
            raise MailConfigError(f"BONEWISE_SMTP_PORT {raw_port!r} is not a number") from None
        return cls(
            host=host,
            port=port,
            tls=tls,  # type: ignore[arg-type]
            username=env.get("BONEWISE_SMTP_USERNAME") or None,
            password=env.get("BONEWISE_SMTP_PASSWORD") or None,
            sender=env.get("BONEWISE_MAIL_FROM", "").strip() or "bonewise@localhost",
        )


def public_url(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("BONEWISE_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL).rstrip("/")


class SmtpMailer:
    """Sends each message in its own SMTP conversation (TLS verified against the system's
    certificate authorities)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.sender = settings.sender

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        if "From" not in message:
            message["From"] = s.sender
        if "Message-ID" not in message:
            message["Message-ID"] = make_msgid(domain=s.sender.rpartition("@")[2] or None)
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.tls == "tls":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=SEND_TIMEOUT_S, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=SEND_TIMEOUT_S)
        with client:
            if s.tls == "starttls":
                client.starttls(context=context)
            if s.username is not None and s.password is not None:
                client.login(s.username, s.password)
            client.send_message(message)


def mailer_from_env(env: Mapping[str, str] | None = None) -> SmtpMailer | None:
    settings = SmtpSettings.from_env(env)
    return SmtpMailer(settings) if settings else None
