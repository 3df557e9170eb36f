"""axe-core on every page, as the user who can open it: no serious or critical violation.

test_screens.py already runs the same axe check on its pages at desktop width as the same
users; the patient and clinician lists here skip those pages (computed below, so a page leaves
this file only while test_screens checks it) instead of loading and checking them twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from bonewise.services.demo import (
    CLINICIAN_EMAIL,
    CLINICIAN_PASSWORD,
    DEMO_PATIENT_ID,
    PATIENT_EMAIL,
    PATIENT_PASSWORD,
)
from bonewise.web.routers.learn import TOPICS

from .helpers import serious_violations, shot, sign_in
from .test_screens import CLINICIAN_PAGES as SCREENED_FOR_CLINICIAN
from .test_screens import PATIENT_PAGES as SCREENED_FOR_PATIENT

pytestmark = pytest.mark.browser

PUBLIC = [
    "/",
    "/login",
    "/signup",
    "/forgot-password",
    "/reset-password",
    "/learn",
    "/docs",
    *(f"/learn/{t.slug}" for t in TOPICS),
]
EVERY_PATIENT_PAGE = [
    f"/patients/{DEMO_PATIENT_ID}{suffix}"
    for suffix in (
        "",
        "/profile",
        "/dxa",
        "/assessment",
        "/nutrition",
        "/nutrition?q=milk",
        "/exercise",
        "/audit",
        "/frax",
        "/bone-therapy",
    )
] + ["/account"]
EVERY_CLINICIAN_PAGE = [
    "/clinician",
    f"/patients/{DEMO_PATIENT_ID}",
    f"/patients/{DEMO_PATIENT_ID}/nutrition",
    f"/patients/{DEMO_PATIENT_ID}/exercise",
    f"/patients/{DEMO_PATIENT_ID}/frax",
    f"/patients/{DEMO_PATIENT_ID}/bone-therapy",
    "/account",
]
# test_screens signs the clinician in and opens /clinician, then each of its clinician pages
PATIENT = [p for p in EVERY_PATIENT_PAGE if p not in SCREENED_FOR_PATIENT]
CLINICIAN = [p for p in EVERY_CLINICIAN_PAGE if p not in ["/clinician", *SCREENED_FOR_CLINICIAN]]


def _check_all(page: Page, paths: list[str], shots: Path, prefix: str) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response}"
        found = serious_violations(page)
        if found:
            problems.append(f"{path}: {found}")
            shot(page, shots, f"axe-{prefix}-{path.strip('/').replace('/', '-') or 'home'}")
    return problems


def test_public_pages_are_accessible(page: Page, shots: Path) -> None:
    assert not _check_all(page, PUBLIC, shots, "public")


def test_patient_pages_are_accessible(page: Page, shots: Path) -> None:
    sign_in(page, PATIENT_EMAIL, PATIENT_PASSWORD)
    assert not _check_all(page, PATIENT, shots, "patient")


def test_clinician_pages_are_accessible(page: Page, shots: Path) -> None:
    sign_in(page, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    assert not _check_all(page, CLINICIAN, shots, "clinician")


def test_pages_fit_a_phone_screen(browser: object, base_url: str, shots: Path) -> None:
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=base_url, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    sign_in(page, PATIENT_EMAIL, PATIENT_PASSWORD)
    for path in (f"/patients/{DEMO_PATIENT_ID}", f"/patients/{DEMO_PATIENT_ID}/nutrition?q=yogurt"):
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
        shot(page, shots, "phone-" + path.rsplit("/", 1)[-1].replace("?", "-"))
    context.close()
