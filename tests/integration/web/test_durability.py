"""A server killed with SIGKILL in the middle of a stream of writes loses no write it had
acknowledged: `bonewise serve` on a SQLite file, four clients adding lab results, kill -9,
restart on the same file, and every acknowledged result is there."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

import httpx

from bonewise.store.db import make_engine, migrate
from bonewise.store.uow import session_factory

from ...server_process import ServerProcess, free_port, serving
from .conftest import PASSWORD, add_user, example

BONEWISE = str(Path(sys.executable).parent / "bonewise")


def _serving(url: str) -> AbstractContextManager[ServerProcess]:
    port = free_port()
    return serving([BONEWISE, "serve", "--port", str(port), "--database-url", url], port=port)


def _token(base: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/session", json={"email": "ann@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'durable.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    user = add_user(
        session_factory(engine), email="ann@example.org", role="patient", record=example("normal")
    )
    engine.dispose()
    pid = user.patient_id

    with _serving(url) as server:
        base = server.base
        headers = {"Authorization": f"Bearer {_token(base)}"}
        acknowledged: list[float] = []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(worker: int) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
                n = 0
                while not stop.is_set():
                    value = round(10 + worker + n * 0.01, 2)  # unique per worker and write
                    n += 1
                    lab = {
                        "kind": "25_oh_vitamin_d",
                        "date": date.today().isoformat(),
                        "value": value,
                        "unit": "ng/mL",
                    }
                    try:
                        response = client.post(f"/api/v1/patients/{pid}/labs", json=lab)
                    except httpx.HTTPError:
                        return  # the server is gone: this write was never acknowledged
                    if response.status_code == 201:
                        with lock:
                            acknowledged.append(value)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(server.process.pid, signal.SIGKILL)  # mid-stream: writers are still sending
        server.process.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        assert server.process.returncode == -signal.SIGKILL
        assert len(acknowledged) >= 40

    with _serving(url) as restarted:
        headers = {"Authorization": f"Bearer {_token(restarted.base)}"}
        record = httpx.get(f"{restarted.base}/api/v1/patients/{pid}", headers=headers).json()
    stored = {lab["value"] for lab in record["labs"] if lab["kind"] == "25_oh_vitamin_d"}
    missing = sorted(set(acknowledged) - stored)
    assert not missing, f"{len(missing)} acknowledged writes lost: {missing[:10]}"
