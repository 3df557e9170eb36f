"""The JSON API of reminders, password reset, stop sharing and deleting an account: the same
services as the pages."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from bonewise.mail.sink import SmtpSink
from bonewise.mail.smtp import SmtpMailer, SmtpSettings
from bonewise.services.reminders import her_reminders

from .conftest import PASSWORD, World, example


def test_her_reminders_by_api(sqlite_world: World) -> None:
    ann, pid = sqlite_world.actor("patient_a"), sqlite_world.patient_a.patient_id
    got = ann.client.get(f"/api/v1/patients/{pid}/reminders")
    assert got.status_code == 200
    expected = her_reminders(example("osteopenia-with-risk-factors"), as_of=date.today())
    assert [(r["kind"], r["due"]) for r in got.json()] == [
        (r.kind, r.due.isoformat()) for r in expected
    ]
    assert (
        sqlite_world.actor("patient_b").client.get(f"/api/v1/patients/{pid}/reminders").status_code
        == 403
    )


def test_calendar_by_api(sqlite_world: World) -> None:
    ann = sqlite_world.actor("patient_a")
    made = ann.client.post("/api/v1/me/calendar", headers=ann.headers())
    assert made.status_code == 201
    path = "/calendar/" + made.json()["url"].rsplit("/calendar/", 1)[1]
    assert ann.client.get(path).status_code == 200
    assert ann.client.delete("/api/v1/me/calendar", headers=ann.headers()).status_code == 204
    assert ann.client.get(path).status_code == 404


def test_reset_by_api_answers_the_same_and_the_token_works_once(
    sqlite_world: World, smtp_sink: SmtpSink
) -> None:
    settings = SmtpSettings.from_env(smtp_sink.env())
    assert settings is not None
    sqlite_world.app.state.mailer = SmtpMailer(settings)  # type: ignore[attr-defined]
    sqlite_world.app.state.public_url = "https://bones.example"  # type: ignore[attr-defined]
    client = TestClient(sqlite_world.app)  # type: ignore[arg-type]
    known = client.post("/api/v1/password-reset", json={"email": "ann@example.org"})
    unknown = client.post("/api/v1/password-reset", json={"email": "zed@example.org"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    body = smtp_sink.messages()[0].get_content()
    token = body.split("token=", 1)[1].split()[0]
    confirm = {"token": token, "new_password": "brand new password"}
    assert client.post("/api/v1/password-reset/confirm", json=confirm).status_code == 204
    assert client.post("/api/v1/password-reset/confirm", json=confirm).status_code == 422


def test_stop_sharing_and_delete_by_api(sqlite_world: World) -> None:
    ann, pid = sqlite_world.actor("patient_a"), sqlite_world.patient_a.patient_id
    lee = sqlite_world.actor("linked_clinician")
    stop = ann.client.post(
        "/api/v1/me/share/stop",
        json={"clinician_email": "dr.lee@example.org"},
        headers=ann.headers(),
    )
    assert stop.status_code == 204
    assert lee.client.get(f"/api/v1/patients/{pid}").status_code == 403

    wrong = {"password": "not hers at all", "confirmation": "delete my account"}
    assert (
        ann.client.post("/api/v1/me/delete", json=wrong, headers=ann.headers()).status_code == 422
    )
    right = {"password": PASSWORD, "confirmation": "delete my account"}
    done = ann.client.post("/api/v1/me/delete", json=right, headers=ann.headers())
    assert done.status_code == 200
    report = done.json()
    assert report["pseudonym"].startswith("deleted-")
    assert report["removed"]["users"] == 1 and report["removed"]["patients"] == 1
    assert "Nothing else remains" in report["what_remains"]
    assert ann.client.get("/api/v1/me").status_code == 401
