"""A new patient's journey and a clinician's, in Debian's chromium, with screenshots and an
accessibility check (axe-core) on every page they pass through."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bonewise.services.demo import CLINICIAN_EMAIL, CLINICIAN_PASSWORD

from .helpers import PageTimings, check_accessible, shot, sign_in

pytestmark = pytest.mark.browser


def _number(text: str) -> float:
    match = re.search(r"[\d,]+(\.\d+)?", text)
    assert match, text
    return float(match.group(0).replace(",", ""))


def test_new_patient_journey(page: Page, shots: Path) -> None:
    timings = PageTimings(page)
    email = f"jane.{secrets.token_hex(3)}@example.org"
    # Sign up.
    page.goto("/signup")
    check_accessible(page)
    page.get_by_label("Your name").fill("Jane Journey")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("a long enough password")
    shot(page, shots, "patient-01-signup")
    page.get_by_role("button", name="Create account").click()
    # The same answer whether or not the address had an account: sign in next.
    expect(page).to_have_url(re.compile(r"/login\?signed_up=1$"))
    sign_in(page, email, "a long enough password")
    expect(page).to_have_url(re.compile(r"/onboarding$"))

    # Profile, therapy and risk factors.
    check_accessible(page)
    page.get_by_label("Date of birth").fill("1958-04-12")
    page.get_by_label("Menopause").select_option("postmenopausal")
    page.get_by_label("Height", exact=True).fill("163")
    page.get_by_label("Weight", exact=True).fill("61")
    page.get_by_label("Aromatase inhibitor").select_option("anastrozole")
    page.get_by_label("Started on").fill((date.today() - timedelta(days=120)).isoformat())
    page.get_by_label("A parent broke a hip").select_option("yes")
    page.get_by_label("Smoking").select_option("never")
    shot(page, shots, "patient-02-onboarding")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/patients/[^/]+/dxa"))
    patient_url = re.sub(r"/dxa.*$", "", page.url)

    # A DXA scan.
    check_accessible(page)
    page.get_by_label("Scan date").fill((date.today() - timedelta(days=130)).isoformat())
    page.get_by_label("Scanner maker (on the report)").select_option("hologic")
    page.locator("#lumbar_spine_bmd_g_cm2").fill("0.912")
    page.locator("#lumbar_spine_t_score").fill("-1.3")
    page.locator("#femoral_neck_bmd_g_cm2").fill("0.640")
    page.locator("#femoral_neck_t_score").fill("-1.8")
    page.locator("#total_hip_t_score").fill("-1.2")
    shot(page, shots, "patient-03-dxa")
    page.get_by_role("button", name="Save scan").click()

    # The assessment.
    expect(page).to_have_url(re.compile(r"/assessment$"))
    expect(page.locator("#where-bones-stand")).to_contain_text("osteopenia")
    expect(page.get_by_role("heading", name="What each guideline says")).to_be_visible()
    expect(page.get_by_role("heading", name="Guideline from Hadji 2017")).to_be_visible()
    expect(page.get_by_text("WHO category")).to_have_count(0)
    expect(page.get_by_text("version 2017")).to_have_count(0)
    check_accessible(page)
    shot(page, shots, "patient-04-assessment")

    # Breakfast by search: the calcium total goes up.
    page.goto(f"{patient_url}/nutrition")
    calcium = page.locator("#total-calcium_mg")
    before = _number(calcium.inner_text())
    assert before == 0
    page.get_by_label("Search foods (USDA SR28)").press_sequentially("yogurt plain low", delay=30)
    hit = page.locator("form.food-hit", has_text="Yogurt, plain, low fat, 12 grams protein")
    expect(hit).to_be_visible()  # arrived by search-as-you-type, without pressing Search
    check_accessible(page)
    shot(page, shots, "patient-05-food-search")
    hit.get_by_role("button", name=re.compile("^Add")).click()
    page.wait_for_load_state("networkidle")
    after = _number(page.locator("#total-calcium_mg").inner_text())
    assert after > before
    expect(page.locator("#diary")).to_contain_text("Yogurt, plain, low fat")
    shot(page, shots, "patient-06-food-logged")

    # A walk: the week's minutes go up.
    page.goto(f"{patient_url}/exercise")
    minutes_before = _number(page.locator("#week-minutes").inner_text())
    page.get_by_label("Activity", exact=True).select_option("brisk-walking")
    page.get_by_label("Minutes", exact=True).fill("35")
    page.get_by_role("button", name="Log activity").click()
    page.wait_for_load_state("networkidle")
    minutes_after = _number(page.locator("#week-minutes").inner_text())
    assert minutes_after == minutes_before + 35
    check_accessible(page)
    shot(page, shots, "patient-07-exercise")

    # Her dashboard shows the same numbers.
    page.goto(patient_url)
    expect(page.locator("#week-minutes")).to_contain_text(f"{minutes_after:.0f}")
    assert _number(page.locator("#calcium-today").inner_text()) == pytest.approx(after, abs=1)
    check_accessible(page)
    shot(page, shots, "patient-08-dashboard")
    timings.check(shots, "patient-journey")


def test_clinician_journey(page: Page, shots: Path) -> None:
    timings = PageTimings(page)
    sign_in(page, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    expect(page).to_have_url(re.compile(r"/clinician$"))
    rows = page.locator("#panel tbody tr")
    expect(rows).to_have_count(7)
    check_accessible(page)
    shot(page, shots, "clinician-01-panel")
    # Urgency order: the two whose automation is stopped (bone metastases, recent fracture)
    # come first; those with nothing urgent come last.
    first_two = " ".join(rows.nth(i).inner_text() for i in range(2)).lower()
    assert "metastas" in first_two
    assert "fracture" in first_two
    texts = [rows.nth(i).inner_text() for i in range(7)]
    calm = [i for i, text in enumerate(texts) if "nothing urgent" in text]
    assert calm and calm == list(range(7 - len(calm), 7))
    # Open a patient.
    page.get_by_role("link", name="Anne Demo").click()
    # Whom the page is about: said once, in the banner; the heading names the page.
    expect(page.locator("section.patient-banner")).to_contain_text("Anne Demo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    check_accessible(page)
    shot(page, shots, "clinician-02-patient-dashboard")
    page.get_by_role("navigation", name="Patient record").get_by_role(
        "link", name="Assessment"
    ).click()
    expect(page.get_by_role("heading", name="Recommendations for the care team")).to_be_visible()
    expect(page.get_by_role("heading", name="Advice meant for the patient")).to_be_visible()
    expect(page.locator("section.patient-banner")).to_contain_text("Anne Demo")
    check_accessible(page)
    shot(page, shots, "clinician-03-patient-assessment")
    # A lab value out of range: the error names the field in plain words; nothing typed is lost.
    page.get_by_role("navigation", name="Patient record").get_by_role(
        "link", name="DXA and labs"
    ).click()
    page.locator("#lab_test").select_option("25_oh_vitamin_d|ng/mL")  # the add form's own
    page.locator("#lab_date").fill("2025-01-02")
    page.locator("#lab_value").fill("5000")
    page.get_by_role("button", name="Save lab result").click()
    expect(page.locator("#lab-errors")).to_contain_text(
        "Value: 5,000 ng/mL is outside what is possible for 25-OH vitamin D"
    )
    expect(page.locator("#lab_value")).to_have_value("5000")
    expect(page.locator("#lab_date")).to_have_value("2025-01-02")
    check_accessible(page)
    shot(page, shots, "clinician-03b-lab-error")
    page.get_by_role("navigation", name="Patient record").get_by_role(
        "link", name="Audit log"
    ).click()
    expect(page.locator("table")).to_contain_text(CLINICIAN_EMAIL)
    shot(page, shots, "clinician-04-audit")
    timings.check(shots, "clinician-journey")
