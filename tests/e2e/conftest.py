"""Browser tests: the real server (`bonewise demo --no-serve`, then `bonewise serve` in a
subprocess on a SQLite file with all of SR28) driven by Debian's chromium through Playwright.

Screenshots go to test-output/e2e/. Never run `playwright install`: the system chromium is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bonewise.mail.sink import SmtpSink

from ..server_process import free_port, serving
from .helpers import SERVER_TIME_BUDGET_MS, slowest_pages

CHROMIUM = "/usr/lib/chromium/chromium"
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "e2e"
BONEWISE = [str(Path(sys.executable).parent / "bonewise")]


SESSION_STARTED = time.time()
SLOWEST_SHOWN = 10


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The journeys' slowest pages by server time (Server-Timing), and those over the budget:
    a report for the performance note, not a pass/fail check."""
    pages = slowest_pages(SHOTS, since=SESSION_STARTED) if SHOTS.exists() else []
    if not pages:
        return
    over = [p for p in pages if p[0] > SERVER_TIME_BUDGET_MS]
    terminalreporter.section("server time of the journeys' pages (slowest first)")
    for ms, journey, where in pages[:SLOWEST_SHOWN]:
        terminalreporter.write_line(f"{ms:8.1f} ms  {journey:<28} {where}")
    terminalreporter.write_line(
        f"{len(over)} of {len(pages)} page loads over {SERVER_TIME_BUDGET_MS:.0f} ms "
        "(times on a shared machine: compare runs, do not read one alone)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"Debian chromium not found at {CHROMIUM}")
        for item in items:
            if "e2e" in str(item.path):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def mail_sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpSink]:
    """The loopback SMTP server the e2e app sends its mail to (as `make run` does)."""
    with SmtpSink(tmp_path_factory.mktemp("mail")) as sink:
        yield sink


@pytest.fixture(scope="session")
def server_env(tmp_path_factory: pytest.TempPathFactory, mail_sink: SmtpSink) -> dict[str, str]:
    """The environment of the e2e server (and of commands run against its store)."""
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'bonewise.sqlite3'}"
    port = free_port()
    ehr_port = free_port()  # test_smart_news starts the tiny EHR there: the server trusts it
    return {
        **os.environ,
        **mail_sink.env(),
        "BONEWISE_DATABASE_URL": url,
        "BONEWISE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BONEWISE_E2E_PORT": str(port),
        "BONEWISE_SMART_CLIENT_ID": "bonewise-e2e",
        "BONEWISE_SMART_ISSUERS": f"http://127.0.0.1:{ehr_port}/fhir",
        "BONEWISE_E2E_EHR_PORT": str(ehr_port),
    }


@pytest.fixture(scope="session")
def server(server_env: dict[str, str]) -> Iterator[str]:
    env = server_env
    subprocess.run(
        [*BONEWISE, "demo", "--no-serve"], check=True, env=env, stdout=subprocess.DEVNULL
    )
    port = env["BONEWISE_E2E_PORT"]
    with serving([*BONEWISE, "serve", "--port", port], port=int(port), env=env) as running:
        yield running.base


@pytest.fixture(scope="session")
def base_url(server: str) -> str:
    return server


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def shots() -> Path:
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    return SHOTS
