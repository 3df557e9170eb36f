"""Load run: `bonewise serve --workers N` on PostgreSQL under wrk at 32 connections, reporting
errors (expected 0) and throughput and latency beside the bare baseline (/healthz, no database)
in the same run.

    bash scripts/with-postgres.sh .venv/bin/python -m benchmarks.web_workers [--workers 2]
        [--connections 32] [--duration 10]

Needs wrk (Debian package, scripts/system-deps.sh) and a PostgreSQL URL in
BONEWISE_DATABASE_URL or BONEWISE_TEST_POSTGRES_URL (with-postgres.sh sets the latter); the run
uses a schema of its own and drops it afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bonewise.services.access import LOCAL_OPERATOR
from bonewise.services.demo import DEMO_PATIENT_ID, PATIENT_EMAIL, PATIENT_PASSWORD, seed_demo
from bonewise.services.nutrition import ensure_food_database
from bonewise.store.uow import UnitOfWork, open_store

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    label: str
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(label: str, output: str) -> WrkResult:
    def latency(percent: str) -> float:
        found = re.search(rf"^\s+{percent}%\s+(\S+)", output, re.MULTILINE)
        return _ms(found.group(1)) if found else float("nan")

    requests = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        label=label,
        requests=int(requests.group(1)) if requests else 0,
        per_second=float(rate.group(1)) if rate else 0.0,
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lua(folder: Path, token: str, method: str, body: dict[str, object] | None) -> Path:
    script = folder / f"{method.lower()}.lua"
    lines = [
        f'wrk.method = "{method}"',
        f'wrk.headers["Authorization"] = "Bearer {token}"',
    ]
    if body is not None:
        lines += [
            'wrk.headers["Content-Type"] = "application/json"',
            f"wrk.body = {json.dumps(json.dumps(body))}",
        ]
    script.write_text("\n".join(lines) + "\n")
    return script


def _wrk(label: str, url: str, script: Path | None, args: argparse.Namespace) -> WrkResult:
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    command += ["--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(label, output)


def _postgres_url() -> str | None:
    for name in ("BONEWISE_DATABASE_URL", "BONEWISE_TEST_POSTGRES_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    args = parser.parse_args()
    admin_url = _postgres_url()
    if admin_url is None or shutil.which("wrk") is None:
        print("skipped: needs wrk and a PostgreSQL URL (run under scripts/with-postgres.sh)")
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{admin_url}?options=-csearch_path%3D{schema}"
    server: subprocess.Popen[bytes] | None = None
    try:
        started = time.perf_counter()
        factory = open_store(url)
        ensure_food_database(uow=UnitOfWork(factory), actor=LOCAL_OPERATOR)
        seed_demo(factory, today=date.today())
        factory.kw["bind"].dispose()
        print(
            f"setup (migrate, SR28, demo data on PostgreSQL): {time.perf_counter() - started:.1f} s"
        )
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "bonewise", "serve", "--workers", str(args.workers)]
            + ["--port", str(port), "--database-url", url],
            stdout=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        signed_in = httpx.post(
            f"{base}/api/v1/session", json={"email": PATIENT_EMAIL, "password": PATIENT_PASSWORD}
        )
        signed_in.raise_for_status()
        token = signed_in.json()["token"]
        patient = f"{base}/api/v1/patients/{DEMO_PATIENT_ID}"
        with tempfile.TemporaryDirectory() as folder:
            get = _lua(Path(folder), token, "GET", None)
            post = _lua(
                Path(folder), token, "POST", {"exercise_id": "brisk-walking", "minutes": 20}
            )
            runs = [
                _wrk("GET /healthz (baseline: no database)", f"{base}/healthz", None, args),
                _wrk("GET /api/v1/me (session lookup)", f"{base}/api/v1/me", get, args),
                _wrk("GET .../assessment", f"{patient}/assessment", get, args),
                _wrk("GET .../dashboard", f"{patient}/dashboard", get, args),
                _wrk("POST .../exercise (write)", f"{patient}/exercise", post, args),
            ]
        baseline = runs[0]
        print(
            f"wrk -t2 -c{args.connections} -d{args.duration}s; bonewise serve --workers "
            f"{args.workers}; PostgreSQL; {os.cpu_count()} cores"
        )
        print(
            f"{'endpoint':40} {'requests':>9} {'req/s':>8} {'x base':>7} "
            f"{'p50 ms':>7} {'p99 ms':>8} {'errors':>7}"
        )
        for run in runs:
            print(
                f"{run.label:40} {run.requests:9d} {run.per_second:8.1f} "
                f"{run.per_second / baseline.per_second:7.3f} {run.p50_ms:7.1f} "
                f"{run.p99_ms:8.1f} {run.errors:7d}"
            )
        total = sum(run.errors for run in runs)
        print(f"errors in all runs: {total} (non-2xx responses and socket errors)")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
