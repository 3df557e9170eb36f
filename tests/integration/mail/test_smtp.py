"""E-mail through a real SMTP conversation: the sender as the environment configures it, and
the local sink that the demo and the tests run on loopback."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from bonewise.mail.sink import SmtpSink
from bonewise.mail.smtp import MailConfigError, SmtpMailer, SmtpSettings, mailer_from_env


def _message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def test_a_message_sent_by_the_configured_mailer_arrives_in_the_sink(smtp_sink: SmtpSink) -> None:
    mailer = mailer_from_env({**smtp_sink.env(), "BONEWISE_MAIL_FROM": "care@clinic.example"})
    assert mailer is not None
    mailer.send(_message("ann@example.org", "Your DXA scan", "Due on 2027-03-01: café ✓"))
    mailer.send(_message("bea@example.org", "Second", "two"))

    arrived = smtp_sink.messages()
    assert [m["To"] for m in arrived] == ["ann@example.org", "bea@example.org"]
    assert arrived[0]["From"] == "care@clinic.example"
    assert arrived[0]["Message-ID"]
    assert arrived[0].get_content() == "Due on 2027-03-01: café ✓\n"


def test_without_a_host_e_mail_is_off() -> None:
    assert mailer_from_env({}) is None


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"BONEWISE_SMTP_TLS": "ssl"}, "is not one of starttls, tls, none"),
        ({"BONEWISE_SMTP_PORT": "smtp"}, "'smtp' is not a number"),
        ({"BONEWISE_SMTP_PORT": "70000"}, "70000 is not allowed"),
        ({"BONEWISE_SMTP_TLS": "none"}, "only to a loopback address"),
        ({"BONEWISE_SMTP_USERNAME": "me"}, "set both"),
    ],
)
def test_settings_that_cannot_work_are_refused_with_the_variable_named(
    env: dict[str, str], says: str
) -> None:
    with pytest.raises(MailConfigError, match=says):
        SmtpSettings.from_env({"BONEWISE_SMTP_HOST": "smtp.clinic.example", **env})


def test_default_ports_follow_the_tls_mode() -> None:
    host = {"BONEWISE_SMTP_HOST": "smtp.clinic.example"}
    ports = {
        tls: SmtpSettings.from_env({**host, "BONEWISE_SMTP_TLS": tls}).port  # type: ignore[union-attr]
        for tls in ("starttls", "tls")
    }
    assert ports == {"starttls": 587, "tls": 465}


def test_starttls_is_required_when_configured(smtp_sink: SmtpSink) -> None:
    """The sink offers no STARTTLS: a mailer told to use it must fail, not fall back to clear
    text."""
    settings = SmtpSettings(host=smtp_sink.host, port=smtp_sink.port, tls="starttls")
    with pytest.raises(Exception, match="STARTTLS"):
        SmtpMailer(settings).send(_message("ann@example.org", "x", "y"))
    assert smtp_sink.messages() == []


def test_demo_help_documents_the_mail_sink() -> None:
    from typer.testing import CliRunner

    from bonewise.cli import app

    result = CliRunner().invoke(app, ["demo", "--help"], terminal_width=200)
    assert "--mail-dir" in result.output
    assert "SMTP sink" in result.output
