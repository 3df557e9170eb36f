"""Shared steps for the browser tests: sign in, accessibility check, screenshots."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Response

# Issue 16: every page of the journeys within this server time. Reported, not asserted: the
# guide keeps timings out of pass/fail tests (a loaded CI machine is not a measurement).
SERVER_TIME_BUDGET_MS = 100.0

_axe = Axe()
BLOCKING = ("serious", "critical")


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core violations of impact serious or critical on the current page."""
    results = _axe.run(page)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]


def check_accessible(page: Page) -> None:
    found = serious_violations(page)
    assert not found, f"{page.url}: {found}"


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


class PageTimings:
    """Every page (document) the browser loads, with the server time its Server-Timing header
    reports. `check()` fails on a page without the header and writes the times, with the pages
    over the budget, to `test-output/` for the performance note."""

    def __init__(self, page: Page) -> None:
        self._responses: list[Response] = []
        page.on("response", self._seen)

    def _seen(self, response: Response) -> None:
        if response.request.resource_type == "document" and response.request.method == "GET":
            self._responses.append(response)

    def server_times(self) -> list[tuple[str, float | None]]:
        times = []
        for response in self._responses:
            header = response.header_value("server-timing") or ""
            found = re.search(r"\bapp;dur=([\d.]+)", header)
            times.append((response.url, float(found.group(1)) if found else None))
        return times

    def check(self, folder: Path, name: str) -> None:
        times = self.server_times()
        assert times, "no page was loaded"
        untimed = [url for url, ms in times if ms is None]
        assert not untimed, f"pages without a Server-Timing header: {untimed}"
        report = {
            "budget_ms": SERVER_TIME_BUDGET_MS,
            "pages": [{"url": url, "server_ms": ms} for url, ms in times],
            "over_budget": [
                url for url, ms in times if ms is not None and ms > SERVER_TIME_BUDGET_MS
            ],
        }
        (folder / f"{name}-server-times.json").write_text(json.dumps(report, indent=2))


def slowest_pages(folder: Path, *, since: float = 0.0) -> list[tuple[float, str, str]]:
    """(server ms, journey, path) of every page in the journeys' `*-server-times.json` written
    at or after `since` (a time.time()), slowest first."""
    pages = []
    for found in folder.glob("*-server-times.json"):
        if found.stat().st_mtime < since:
            continue
        journey = found.name.removesuffix("-server-times.json")
        for entry in json.loads(found.read_text())["pages"]:
            if entry["server_ms"] is not None:
                path = urlsplit(entry["url"])
                where = path.path + (f"?{path.query}" if path.query else "")
                pages.append((float(entry["server_ms"]), journey, where))
    return sorted(pages, reverse=True)
