"""Shared steps for the browser tests: sign in, accessibility check, screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

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
