"""A week of check-ins in Debian's chromium: she answers on her phone (390 px), her dashboard
shows the trend, and her clinician's panel flags the persistent pain, at 390 px and on a
desktop, with axe finding nothing serious or critical on any of these pages."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bonewise.services.demo import (
    CLINICIAN_EMAIL,
    CLINICIAN_PASSWORD,
    DEMO_PATIENT_ID,
    PATIENT_EMAIL,
    PATIENT_PASSWORD,
)

from .helpers import check_accessible, shot, sign_in

pytestmark = pytest.mark.browser

RECORD = f"/patients/{DEMO_PATIENT_ID}"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 1, f"{page.url} scrolls sideways by {wide} px"


def _answer(page: Page, *, on: date, pain: str, stiffness: str, missed: str) -> None:
    page.goto(f"{RECORD}/checkin")
    page.get_by_label("Worst joint pain in the last 24 hours").fill(pain)
    page.get_by_label(stiffness).check()
    page.get_by_label("On how many of the past 7 days").fill(missed)
    page.get_by_label("Date", exact=True).fill(on.isoformat())
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")


def test_a_week_of_check_ins_reaches_her_dashboard_and_the_clinician_panel(
    browser: Browser, base_url: str, shots: Path
) -> None:
    her = browser.new_page(viewport=PHONE, base_url=base_url)
    sign_in(her, PATIENT_EMAIL, PATIENT_PASSWORD)
    # A bad answer first: named in plain words, and what she typed is kept.
    her.goto(f"{RECORD}/checkin")
    check_accessible(her)
    _no_sideways_scroll(her)
    her.get_by_label("Worst joint pain in the last 24 hours").fill("12")
    her.get_by_label("30 to 60 minutes").check()
    her.get_by_role("button", name="Save check-in").click()
    expect(her.locator("#err-worst_pain")).to_contain_text("12 is outside the scale")
    expect(her.get_by_label("Worst joint pain in the last 24 hours")).to_have_value("12")
    expect(her.get_by_label("30 to 60 minutes")).to_be_checked()
    check_accessible(her)
    shot(her, shots, "checkin-01-error-390")

    today = date.today()
    _answer(her, on=today - timedelta(weeks=1), pain="6", stiffness="30 to 60 minutes", missed="0")
    _answer(her, on=today, pain="7", stiffness="Over 60 minutes", missed="1")
    check_accessible(her)
    shot(her, shots, "checkin-02-saved-390")

    her.goto(RECORD)
    trend = her.locator("#checkins")
    expect(trend).to_contain_text("7/10")
    expect(trend).to_contain_text("6/10")
    expect(trend).to_contain_text("Please tell your care team")
    check_accessible(her)
    _no_sideways_scroll(her)
    shot(her, shots, "checkin-03-dashboard-390")
    her.set_viewport_size(DESKTOP)
    her.reload()
    expect(her.locator("#checkins")).to_contain_text("7/10")
    check_accessible(her)
    her.close()

    for size, name in ((DESKTOP, "desktop"), (PHONE, "390")):
        team = browser.new_page(viewport=size, base_url=base_url)
        sign_in(team, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
        row = team.locator(f'#panel tr[data-patient="{DEMO_PATIENT_ID}"]')
        expect(row).to_contain_text("Persistent joint pain")
        check_accessible(team)
        _no_sideways_scroll(team)
        shot(team, shots, f"checkin-04-panel-{name}")
        team.goto(RECORD)
        expect(team.locator(".checkin-flag")).to_contain_text("Persistent joint pain")
        check_accessible(team)
        team.close()
