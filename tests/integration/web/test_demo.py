"""`bonewise demo` data: the printed accounts work, the panel is in urgency order, the patient
has months of history; and the serve/demo commands refuse bad options with exit code 2."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bonewise.cli import app as cli
from bonewise.services.demo import (
    CLINICIAN_EMAIL,
    CLINICIAN_PASSWORD,
    PATIENT_EMAIL,
    PATIENT_PASSWORD,
    seed_demo,
)
from bonewise.web import create_app


def _bearer(client: TestClient, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/session", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_demo_accounts_panel_and_history(sqlite_store: sessionmaker[Session]) -> None:
    today = date.today()
    first = seed_demo(sqlite_store, today=today)
    again = seed_demo(sqlite_store, today=today)
    assert first.created and not again.created
    client = TestClient(create_app(session_factory=sqlite_store))
    doctor = _bearer(client, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    panel = client.get("/api/v1/clinician/panel", headers=doctor).json()
    assert len(panel) == 7
    stopped = [row["automation_stopped"] for row in panel]
    assert stopped == sorted(stopped, reverse=True)  # stopped automation comes first
    assert panel[0]["automation_stopped"]
    assert panel[-1]["reasons"] == [] or not panel[-1]["automation_stopped"]
    patient = _bearer(client, PATIENT_EMAIL, PATIENT_PASSWORD)
    me = client.get("/api/v1/me", headers=patient).json()
    record = client.get(f"/api/v1/patients/{me['patient_id']}", headers=patient).json()
    assert len(record["dxa_scans"]) == 2
    weekly = client.get(f"/api/v1/patients/{me['patient_id']}/exercise", headers=patient).json()
    assert sum(w["minutes"] for w in weekly["weekly_minutes"]) > 300


def test_serve_and_demo_refuse_a_bad_port() -> None:
    runner = CliRunner()
    for command in ("serve", "demo"):
        result = runner.invoke(cli, [command, "--port", "70000"])
        assert result.exit_code == 2
        assert "--port 70000" in result.output
