"""The signed-in pages under load, beside a bare FastAPI route in the same run.

wrk on loopback against one uvicorn worker (access log off): the patient's dashboard, her
assessment page, the clinician's panel and her dashboard as the clinician sees it (an audited
read), each signed in with a bearer session, and the
signed-out sign-in page (the app's floor: its middleware and a template, no store), then a bare
FastAPI route served by its own single uvicorn worker with the same settings. Every URL is run
at each connection count after a short warm-up; it prints requests/s, p50, p99 and each page's
throughput as a share of the bare route's. Targets (issue 16): each page >= 50% of bare, p99
<= 100 ms at 32 connections.

    python -m benchmarks.web_load [--duration 10] [--connections 8 32] [--database sqlite]
    bash scripts/with-postgres.sh python -m benchmarks.web_load --database postgresql
    python -m benchmarks.web_load --baseline-src ../main/src   # A/B: that code, same run
    python -m benchmarks.web_load --pages panel dash-clin       # some pages only (and bare)
    python -m benchmarks.web_load --baseline-env BONEWISE_WEB_THREADS=40  # a setting, A/B

With `--baseline-src`, the same pages are also served by the bonewise code found there (another
checkout's `src`), on the same store, page by page right after this code's run: the rows marked
"base" are that code, so a change is measured beside the code before it and beside bare.
`--baseline-env NAME=VALUE` serves the base side with that environment (with this code when no
`--baseline-src` is given): a setting measured against another in the same run. The "cpu ms"
column is the server process's CPU per request (user+system), which a shared machine's load
disturbs much less than requests/s.

The store is the demo world (`bonewise demo`: SR28, a patient with a month of diary and two
months of exercise, a panel of nine patients). wrk is a Debian package (scripts/system-deps.sh).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import httpx
from fastapi import FastAPI

URL_VARIABLE = "BONEWISE_BENCH_DATABASE_URL"
PAGE_TARGET_SHARE = 0.5
P99_TARGET_MS = 100.0


def bonewise_app() -> FastAPI:
    """uvicorn --factory entry: the app on the benchmark's store."""
    from bonewise.store.uow import open_store
    from bonewise.web import create_app

    return create_app(session_factory=open_store(os.environ[URL_VARIABLE]))


def bare_app() -> FastAPI:
    """uvicorn --factory entry: one route, nothing else."""
    app = FastAPI()

    @app.get("/")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


@dataclass(frozen=True, slots=True)
class Result:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0
    cpu_ms_per_request: float | None = None  # the server process's user+system CPU


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def wrk(url: str, *, connections: int, seconds: int, token: str | None) -> Result:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    requests = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return Result(
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        p99_ms=_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        errors=(int(errors.group(1)) if errors else 0) + (1 if socket_errors else 0),
        requests=int(requests.group(1)) if requests else 0,
    )


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of process `pid` so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Server:
    base: str
    pid: int


@contextmanager
def served(factory: str, env: dict[str, str]) -> Iterator[Server]:
    """One uvicorn worker on loopback serving `factory`; yields its base URL and pid."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            f"benchmarks.web_load:{factory}",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # a loaded machine starts slowly
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{factory} did not start on {base}") from None
                time.sleep(0.2)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def store(database: str) -> Iterator[str]:
    """A store URL with SR28 and the demo world, dropped afterwards."""
    if database == "sqlite":
        folder = tempfile.mkdtemp(prefix="bonewise-load-")
        try:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from sqlalchemy import create_engine, text

    server = os.environ.get("BONEWISE_TEST_POSTGRES_URL")
    if not server:
        sys.exit("PostgreSQL: run under scripts/with-postgres.sh (BONEWISE_TEST_POSTGRES_URL)")
    schema = f"load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seed(url: str) -> None:
    from bonewise.services.access import LOCAL_OPERATOR
    from bonewise.services.demo import seed_demo
    from bonewise.services.nutrition import ensure_food_database
    from bonewise.store.uow import UnitOfWork, open_store

    factory = open_store(url)
    ensure_food_database(uow=UnitOfWork(factory), actor=LOCAL_OPERATOR)
    seed_demo(factory, today=date.today())
    factory.kw["bind"].dispose()


def sign_in(base: str, email: str, password: str) -> str:
    response = httpx.post(
        base + "/api/v1/session", json={"email": email, "password": password}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["token"])


PAGES = ("dashboard", "assessment", "panel", "dash-clin", "login-page")


def _pages(patient: str, clinician: str) -> list[tuple[str, str, str | None]]:
    from bonewise.services.demo import DEMO_PATIENT_ID

    return [
        ("dashboard", f"/patients/{DEMO_PATIENT_ID}", patient),
        ("assessment", f"/patients/{DEMO_PATIENT_ID}/assessment", patient),
        ("panel", "/clinician", clinician),
        # Her dashboard as her clinician sees it: the same kept content, plus the care
        # link check and the audited read (an INSERT and a commit) on every request.
        ("dash-clin", f"/patients/{DEMO_PATIENT_ID}", clinician),
        # The app's own floor: middleware and a template, no store, no sign-in.
        ("login-page", "/login", None),
    ]


def _load(
    server: Server, path: str, token: str | None, *, connections: list[int], seconds: int
) -> dict[int, Result]:
    """A warm-up, then wrk at each connection count, with the server's CPU per request (a
    shared machine slows every process; CPU per request is what this code costs)."""
    url = server.base + path
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    check = httpx.get(url, headers=headers)
    assert check.status_code == 200, (path, check.status_code, check.text[:200])
    wrk(url, connections=2, seconds=1, token=token)  # warm-up
    results = {}
    for c in connections:
        before = cpu_seconds(server.pid)
        result = wrk(url, connections=c, seconds=seconds, token=token)
        spent_ms = (cpu_seconds(server.pid) - before) * 1000
        results[c] = replace(
            result, cpu_ms_per_request=spent_ms / result.requests if result.requests else None
        )
    return results


def run(
    database: str,
    *,
    seconds: int,
    connections: list[int],
    baseline_src: str | None = None,
    baseline_env: dict[str, str] | None = None,
    only: list[str] | None = None,
) -> None:
    from bonewise.services.demo import (
        CLINICIAN_EMAIL,
        CLINICIAN_PASSWORD,
        PATIENT_EMAIL,
        PATIENT_PASSWORD,
    )

    sides: list[tuple[str, dict[str, str]]] = [("", {})]
    if baseline_src or baseline_env:
        base_env = dict(baseline_env or {})
        if baseline_src:
            base_env["PYTHONPATH"] = os.pathsep.join(
                [str(Path(baseline_src).resolve()), os.getcwd()]
            )
        sides.append(("base ", base_env))
    with store(database) as url:
        started = time.perf_counter()
        seed(url)
        print(f"{database}: store ready in {time.perf_counter() - started:.0f} s", flush=True)
        results: dict[tuple[str, int], Result] = {}
        for prefix, env in sides:
            with served("bonewise_app", {URL_VARIABLE: url, **env}) as server:
                patient = sign_in(server.base, PATIENT_EMAIL, PATIENT_PASSWORD)
                clinician = sign_in(server.base, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
                for name, path, token in _pages(patient, clinician):
                    if only and name not in only:
                        continue
                    measured = _load(server, path, token, connections=connections, seconds=seconds)
                    for c, result in measured.items():
                        results[prefix + name, c] = result
        with served("bare_app", {}) as server:
            for c, result in _load(
                server, "/", None, connections=connections, seconds=seconds
            ).items():
                results["bare", c] = result
    print(
        f"{'database':10} {'page':16} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'vs bare':>8} {'cpu ms':>7} {'errors':>6}  target"
    )
    shown = [page for page in PAGES if not only or page in only]
    names = [prefix + page for prefix, _ in sides for page in shown] + ["bare"]
    for c in connections:
        bare = results["bare", c]
        for name in names:
            r = results[name, c]
            share = r.requests_per_s / bare.requests_per_s
            met = share >= PAGE_TARGET_SHARE and (c < 32 or r.p99_ms <= P99_TARGET_MS)
            measured_only = name == "bare" or name.endswith("login-page") or name.startswith("base")
            verdict = "" if measured_only else ("met" if met else "MISSED")
            cpu = f"{r.cpu_ms_per_request:7.2f}" if r.cpu_ms_per_request is not None else " " * 7
            print(
                f"{database:10} {name:16} {c:5d} {r.requests_per_s:8.0f} {r.p50_ms:8.1f} "
                f"{r.p99_ms:8.1f} {share:7.0%} {cpu} {r.errors:6d}  {verdict}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument(
        "--baseline-src",
        help="also serve the same pages from the bonewise code in this folder (A/B, same run)",
    )
    parser.add_argument(
        "--baseline-env",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="the base side's environment (with this code unless --baseline-src is given)",
    )
    parser.add_argument(
        "--pages", nargs="+", choices=PAGES, help="only these pages (default: all, and bare)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (scripts/system-deps.sh)")
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for database in databases:
        run(
            database,
            seconds=args.duration,
            connections=args.connections,
            baseline_src=args.baseline_src,
            baseline_env=dict(item.split("=", 1) for item in args.baseline_env),
            only=args.pages,
        )


if __name__ == "__main__":
    main()
