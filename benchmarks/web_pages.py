"""Web app latency: each main page and API call for the demo patient and her clinician,
in-process (FastAPI TestClient) on a SQLite file with all of SR28.

    .venv/bin/python -m benchmarks.web_pages [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from bonewise.services.access import LOCAL_OPERATOR
from bonewise.services.demo import (
    CLINICIAN_EMAIL,
    CLINICIAN_PASSWORD,
    DEMO_PATIENT_ID,
    PATIENT_EMAIL,
    PATIENT_PASSWORD,
    seed_demo,
)
from bonewise.services.nutrition import ensure_food_database
from bonewise.store.uow import UnitOfWork, open_store
from bonewise.web import create_app

PATIENT_CALLS = [
    ("GET", f"/patients/{DEMO_PATIENT_ID}"),
    ("GET", f"/patients/{DEMO_PATIENT_ID}/assessment"),
    ("GET", f"/patients/{DEMO_PATIENT_ID}/food"),
    ("GET", f"/patients/{DEMO_PATIENT_ID}/food/results?q=yogurt+plain"),
    ("GET", f"/patients/{DEMO_PATIENT_ID}/exercise"),
    ("GET", "/api/v1/foods?q=milk"),
    ("GET", f"/api/v1/patients/{DEMO_PATIENT_ID}/assessment"),
    ("GET", f"/api/v1/patients/{DEMO_PATIENT_ID}/dashboard"),
    ("POST", f"/api/v1/patients/{DEMO_PATIENT_ID}/exercise"),
]
CLINICIAN_CALLS = [("GET", "/clinician"), ("GET", "/api/v1/clinician/panel")]


def _client(app: object, email: str, password: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    token = client.post("/api/v1/session", json={"email": email, "password": password})
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


def _time(client: TestClient, method: str, path: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        if method == "POST":
            response = client.post(path, json={"exercise_id": "brisk-walking", "minutes": 20})
        else:
            response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code < 400, (path, response.status_code, response.text[:200])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        factory = open_store(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        started = time.perf_counter()
        ensure_food_database(uow=UnitOfWork(factory), actor=LOCAL_OPERATOR)
        seed_demo(factory, today=date.today())
        print(f"setup (SR28 import + demo data): {time.perf_counter() - started:.1f} s")
        app = create_app(session_factory=factory)
        started = time.perf_counter()
        patient = _client(app, PATIENT_EMAIL, PATIENT_PASSWORD)
        print(
            f"sign-in (argon2id verify + session): {(time.perf_counter() - started) * 1000:.0f} ms"
        )
        clinician = _client(app, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
        print(f"{'call':62} {'median ms':>10} {'p95 ms':>8}")
        for client, calls in ((patient, PATIENT_CALLS), (clinician, CLINICIAN_CALLS)):
            for method, path in calls:
                times = sorted(_time(client, method, path, args.repeat))
                p95 = times[max(0, int(len(times) * 0.95) - 1)]
                print(f"{method + ' ' + path:62} {statistics.median(times):10.1f} {p95:8.1f}")
        factory.kw["bind"].dispose()


if __name__ == "__main__":
    main()
