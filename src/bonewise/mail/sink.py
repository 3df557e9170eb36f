"""A local SMTP sink: a real SMTP server (aiosmtpd) on loopback that keeps every message it
receives in a Maildir folder (`new/` holds one file per message). `bonewise demo` runs one so
the demo sends real mail; the tests run one to read what arrived."""

from __future__ import annotations

import email
import mailbox
import socket
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from types import TracebackType
from typing import cast

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

LOOPBACK = "127.0.0.1"


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


class SmtpSink:
    """Start with `with SmtpSink(folder) as sink:` (or start()/stop()); `sink.port` is where it
    listens, `sink.messages()` what has arrived, oldest first."""

    def __init__(self, folder: Path, *, port: int | None = None) -> None:
        self.folder = folder
        for part in ("tmp", "new", "cur"):  # a Maildir, even in a folder that already exists
            (folder / part).mkdir(parents=True, exist_ok=True)
        self.port = port or free_loopback_port()
        self.host = LOOPBACK
        self._controller = Controller(Mailbox(folder), hostname=LOOPBACK, port=self.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def messages(self) -> list[EmailMessage]:
        box = mailbox.Maildir(self.folder, create=False)
        delivered = sorted((box.get_message(key).get_date(), key) for key in box.iterkeys())
        return [
            cast(EmailMessage, email.message_from_bytes(box.get_bytes(key), policy=default_policy))
            for _, key in delivered
        ]

    def env(self) -> dict[str, str]:
        """The environment that sends bonewise's mail here (plain SMTP: loopback only)."""
        return {
            "BONEWISE_SMTP_HOST": self.host,
            "BONEWISE_SMTP_PORT": str(self.port),
            "BONEWISE_SMTP_TLS": "none",
        }
