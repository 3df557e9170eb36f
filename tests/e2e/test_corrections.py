"""At 390 px she corrects and removes a food-diary entry and an exercise session, each with a
reason: the page never scrolls sideways, axe finds nothing serious, the totals follow, and a
correction without a reason keeps what she typed. Screenshots in test-output/e2e/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bonewise.services.demo import DEMO_PATIENT_ID, PATIENT_EMAIL, PATIENT_PASSWORD

from .helpers import check_accessible, shot, sign_in

pytestmark = pytest.mark.browser

RECORD = f"/patients/{DEMO_PATIENT_ID}"


def _phone(browser: Browser, base_url: str) -> Page:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    sign_in(page, PATIENT_EMAIL, PATIENT_PASSWORD)
    return page


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"


def test_she_corrects_and_removes_a_food_entry_on_her_phone(
    browser: Browser, base_url: str, shots: Path
) -> None:
    page = _phone(browser, base_url)
    page.goto(f"{RECORD}/nutrition?q=cheese+cheddar")
    cheddar = page.locator("#diary tbody tr", has_text="Cheese, cheddar")
    before = cheddar.count()
    hit = page.locator("form.food-hit").first
    hit.get_by_label("Amount").fill("250")
    hit.get_by_label("Measure").select_option("g")
    hit.get_by_role("button", name="Add").click()
    page.wait_for_load_state("networkidle")
    expect(cheddar).to_have_count(before + 1)
    row = page.locator("#diary tbody tr").last
    row.get_by_text("Correct or remove").click()
    row.get_by_label("Corrected amount (g)").fill("25")
    row.get_by_role("button", name="Save correction").click()  # no reason yet
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("alert")).to_contain_text("Reason: say in a few words why")
    row = page.locator("details.correct[open]")
    expect(row.get_by_label("Corrected amount (g)")).to_have_value("25")  # what she typed is kept
    _no_sideways_scroll(page)
    check_accessible(page)
    shot(page, shots, "corrections-01-food-reason-needed-390")
    row.get_by_label("Reason").fill("it was 25 g, a slice")
    row.get_by_role("button", name="Save correction").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#diary")).to_contain_text("25 g")
    _no_sideways_scroll(page)
    shot(page, shots, "corrections-02-food-corrected-390")
    row = page.locator("#diary tbody tr", has_text="25 g").last
    row.get_by_text("Correct or remove").click()
    row.get_by_label("Reason").fill("logged on the wrong day")
    row.get_by_role("button", name="Remove entry").click()
    page.wait_for_load_state("networkidle")
    expect(cheddar).to_have_count(before)
    page.goto(f"{RECORD}/audit")
    expect(page.locator("main")).to_contain_text("withdrawn")
    page.context.close()


def test_she_corrects_an_exercise_session_on_her_phone(
    browser: Browser, base_url: str, shots: Path
) -> None:
    page = _phone(browser, base_url)
    page.goto(f"{RECORD}/exercise")
    page.get_by_label("Minutes", exact=True).fill("300")
    page.get_by_role("button", name="Log exercise").click()
    page.wait_for_load_state("networkidle")
    item = page.locator("#sessions li", has_text="300 min").first
    item.get_by_text("Correct or remove").click()
    item.get_by_label("Reason").fill("typed one zero too many")
    item.get_by_label("Corrected minutes").fill("30")
    _no_sideways_scroll(page)
    check_accessible(page)
    shot(page, shots, "corrections-03-exercise-correcting-390")
    item.get_by_role("button", name="Save correction").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#sessions li", has_text="300 min")).to_have_count(0)
    page.context.close()
