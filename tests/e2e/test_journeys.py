"""A new patient's journey and a clinician's, in Debian's chromium, on a desktop and at 390 px:
every page they pass through fits the width (nothing scrolls sideways) and passes axe-core (no
serious or critical violation); every clinician page carries the patient banner; a bad value
is refused in the form's own words and keeps what was typed; a diary entry (patient) and a
DXA scan, a FRAX result and a dose (clinician) are corrected with a reason that the audit log
keeps. Screenshots in test-output/e2e/, named by width."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from bonewise.services.demo import CLINICIAN_EMAIL, CLINICIAN_PASSWORD

from .helpers import PageTimings, check_accessible, shot, sign_in

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": (1280, 900), "phone-390": (390, 844)}
# What a form error must never read like (pydantic's and Python's words, not hers).
NOT_PLAIN = re.compile(r"Dictionary|validation|\de[+-]0|Input should")


@pytest.fixture(params=sorted(VIEWPORTS))
def width(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any], width: str) -> dict[str, Any]:
    """Each journey's page at the width under test (the e2e server and browser are shared)."""
    w, h = VIEWPORTS[width]
    return {**browser_context_args, "viewport": {"width": w, "height": h}, "is_mobile": w < 500}


def _fits(page: Page) -> None:
    """Nothing on the page scrolls sideways."""
    wide, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert wide <= inner, f"{page.url} is {wide}px wide in a {inner}px window"


def _checked(page: Page, shots: Path, width: str, name: str, *, swept_at_390: bool = False) -> None:
    """The page fits the width; axe finds nothing serious; a screenshot. At 390 px a page in
    the state test_screens.py sweeps at that width (same page, same layout) is only checked for
    fit: the phone run of a journey adds the states only the journey reaches."""
    _fits(page)
    if width == "desktop" or not swept_at_390:
        check_accessible(page)
        shot(page, shots, name)


def _banner(page: Page, name: str) -> None:
    """A clinician page about a patient names her in the banner, on the first screen."""
    banner = page.locator("section.patient-banner")
    expect(banner).to_contain_text(name)
    expect(banner).to_be_in_viewport()


def _plain(error: Locator) -> None:
    text = error.inner_text()
    assert not NOT_PLAIN.search(text), text


def _number(text: str) -> float:
    match = re.search(r"[\d,]+(\.\d+)?", text)
    assert match, text
    return float(match.group(0).replace(",", ""))


def test_new_patient_journey(page: Page, shots: Path, width: str) -> None:
    timings = PageTimings(page)
    email = f"jane.{secrets.token_hex(3)}@example.org"
    # Sign up.
    page.goto("/signup")
    _fits(page)
    check_accessible(page)
    page.get_by_label("Your name").fill("Jane Journey")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("a long enough password")
    shot(page, shots, f"patient-{width}-01-signup")
    page.get_by_role("button", name="Create account").click()
    # The same answer whether or not the address had an account: sign in next.
    expect(page).to_have_url(re.compile(r"/login\?signed_up=1$"))
    sign_in(page, email, "a long enough password")
    expect(page).to_have_url(re.compile(r"/onboarding$"))

    # Profile, therapy and risk factors.
    _fits(page)
    check_accessible(page)
    page.get_by_label("Date of birth").fill("1958-04-12")
    page.get_by_label("Menopause").select_option("postmenopausal")
    page.get_by_label("Height", exact=True).fill("163")
    page.get_by_label("Weight", exact=True).fill("61")
    page.get_by_label("Aromatase inhibitor").select_option("anastrozole")
    page.get_by_label("Started on").fill((date.today() - timedelta(days=120)).isoformat())
    page.get_by_label("A parent broke a hip").select_option("yes")
    page.get_by_label("Smoking").select_option("never")
    shot(page, shots, f"patient-{width}-02-onboarding")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/patients/[^/]+/dxa"))
    patient_url = re.sub(r"/dxa.*$", "", page.url)

    # A DXA scan, with a T-score mistyped first: refused in the form's words, nothing lost.
    _fits(page)
    check_accessible(page)
    scan_date = (date.today() - timedelta(days=130)).isoformat()
    page.get_by_label("Scan date").fill(scan_date)
    page.get_by_label("Scanner maker (on the report)").select_option("hologic")
    page.locator("#lumbar_spine_bmd_g_cm2").fill("0.912")
    page.locator("#lumbar_spine_t_score").fill("-13")
    page.locator("#femoral_neck_bmd_g_cm2").fill("0.640")
    page.locator("#femoral_neck_t_score").fill("-1.8")
    page.locator("#total_hip_t_score").fill("-1.2")
    shot(page, shots, f"patient-{width}-03-dxa")
    page.get_by_role("button", name="Save scan").click()
    error = page.get_by_role("alert")
    expect(error).to_contain_text("Lumbar spine T-score")
    _plain(error)
    expect(page.locator("#lumbar_spine_t_score")).to_have_value("-13")
    expect(page.locator("#femoral_neck_bmd_g_cm2")).to_have_value("0.640")
    expect(page.get_by_label("Scan date")).to_have_value(scan_date)
    _checked(page, shots, width, f"patient-{width}-03b-dxa-error")
    page.locator("#lumbar_spine_t_score").fill("-1.3")
    page.get_by_role("button", name="Save scan").click()

    # The assessment.
    expect(page).to_have_url(re.compile(r"/assessment$"))
    expect(page.locator("#where-bones-stand")).to_contain_text("osteopenia")
    expect(page.get_by_role("heading", name="What each guideline says")).to_be_visible()
    expect(page.get_by_role("heading", name="Guideline from Hadji 2017")).to_be_visible()
    expect(page.get_by_text("WHO category")).to_have_count(0)
    expect(page.get_by_text("version 2017")).to_have_count(0)
    _checked(page, shots, width, f"patient-{width}-04-assessment", swept_at_390=True)

    # Breakfast by search: the calcium total goes up.
    page.goto(f"{patient_url}/nutrition")
    calcium = page.locator("#total-calcium_mg")
    before = _number(calcium.inner_text())
    assert before == 0
    page.get_by_label("Search foods (USDA SR28)").press_sequentially("yogurt plain low", delay=30)
    hit = page.locator("form.food-hit", has_text="Yogurt, plain, low fat, 12 grams protein")
    expect(hit).to_be_visible()  # arrived by search-as-you-type, without pressing Search
    _checked(page, shots, width, f"patient-{width}-05-food-search", swept_at_390=True)
    hit.get_by_role("button", name=re.compile("^Add")).click()
    page.wait_for_load_state("networkidle")
    after = _number(page.locator("#total-calcium_mg").inner_text())
    assert after > before
    expect(page.locator("#diary")).to_contain_text("Yogurt, plain, low fat")
    shot(page, shots, f"patient-{width}-06-food-logged")
    # She corrects the amount, with a reason: the total follows; the audit log keeps both.
    row = page.locator("#diary tbody tr", has_text="Yogurt, plain, low fat")
    row.get_by_text("Correct or remove").click()
    row.get_by_label("Corrected amount (g)").fill("100")
    row.get_by_label("Reason").fill("a small pot, not a cup")
    _fits(page)
    row.get_by_role("button", name="Save correction").click()
    expect(page.locator("#diary")).to_contain_text("100 g")
    corrected = _number(page.locator("#total-calcium_mg").inner_text())
    assert before < corrected < after
    after = corrected
    _checked(page, shots, width, f"patient-{width}-06b-food-corrected")

    # A walk: the week's minutes go up.
    page.goto(f"{patient_url}/exercise")
    minutes_before = _number(page.locator("#week-minutes").inner_text())
    page.get_by_label("Exercise", exact=True).select_option("brisk-walking")
    page.get_by_label("Minutes", exact=True).fill("35")
    page.get_by_role("button", name="Log exercise").click()
    page.wait_for_load_state("networkidle")
    minutes_after = _number(page.locator("#week-minutes").inner_text())
    assert minutes_after == minutes_before + 35
    _checked(page, shots, width, f"patient-{width}-07-exercise", swept_at_390=True)

    # Her dashboard shows the same numbers.
    page.goto(patient_url)
    expect(page.locator("#week-minutes")).to_contain_text(f"{minutes_after:.0f}")
    assert _number(page.locator("#calcium-today").inner_text()) == pytest.approx(after, abs=1)
    _checked(page, shots, width, f"patient-{width}-08-dashboard", swept_at_390=True)
    page.goto(f"{patient_url}/audit")
    trail = page.locator("main")
    expect(trail).to_contain_text("corrected: Yogurt, plain, low fat")
    expect(trail).to_contain_text("(reason: a small pot, not a cup)")
    timings.check(shots, f"patient-journey-{width}")


def test_clinician_journey(page: Page, shots: Path, width: str) -> None:
    timings = PageTimings(page)
    sign_in(page, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    expect(page).to_have_url(re.compile(r"/clinician$"))
    rows = page.locator("#panel tbody tr")
    expect(rows).to_have_count(7)
    _checked(page, shots, width, f"clinician-{width}-01-panel", swept_at_390=True)
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
    _banner(page, "Anne Demo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    _checked(page, shots, width, f"clinician-{width}-02-patient-dashboard", swept_at_390=True)
    record = page.get_by_role("navigation", name="Patient record")
    record.get_by_role("link", name="Assessment").click()
    expect(page.get_by_role("heading", name="Recommendations for the care team")).to_be_visible()
    expect(page.get_by_role("heading", name="Advice meant for the patient")).to_be_visible()
    _banner(page, "Anne Demo")
    _checked(page, shots, width, f"clinician-{width}-03-patient-assessment", swept_at_390=True)

    # A lab value out of range: the error names the field in plain words; nothing typed is lost.
    record.get_by_role("link", name="DXA and labs").click()
    _banner(page, "Anne Demo")
    page.locator("#lab_test").select_option("25_oh_vitamin_d|ng/mL")  # the add form's own
    page.locator("#lab_date").fill("2025-01-02")
    page.locator("#lab_value").fill("5000")
    page.get_by_role("button", name="Save lab result").click()
    expect(page.locator("#lab-errors")).to_contain_text(
        "Value: 5,000 ng/mL is outside what is possible for 25-OH vitamin D"
    )
    _plain(page.locator("#lab-errors"))
    expect(page.locator("#lab_value")).to_have_value("5000")
    expect(page.locator("#lab_date")).to_have_value("2025-01-02")
    _banner(page, "Anne Demo")
    _checked(page, shots, width, f"clinician-{width}-04-lab-error")

    # Her newest DXA scan's facility corrected, with a reason.
    scan = page.locator("details.correction").filter(has=page.locator("[name=scanner_make]"))
    scan.first.locator("summary").click()
    facility = f"Journey imaging ({width})"
    scan.first.get_by_label("Where (optional)").fill(facility)
    scan.first.get_by_label("Reason for the change").fill(f"facility misread ({width})")
    _fits(page)
    shot(page, shots, f"clinician-{width}-05-dxa-correcting")
    scan.first.get_by_role("button", name="Correct").click()
    expect(page.get_by_role("status")).to_contain_text("The original stays in the audit log")
    scan = page.locator("details.correction").filter(has=page.locator("[name=scanner_make]"))
    expect(scan.first.get_by_label("Where (optional)")).to_have_value(facility)
    _banner(page, "Anne Demo")

    # Her FRAX result corrected, with a reason (a hip risk per width: each run changes it).
    record.get_by_role("link", name="FRAX").click()
    _banner(page, "Anne Demo")
    hip = "2.3" if width == "desktop" else "2.2"
    frax = page.locator("details.correction")
    frax.locator("summary").click()
    frax.get_by_label("Hip fracture, 10-year risk (%)").fill(hip)
    frax.get_by_label("Reason for the change").fill(f"hip risk retyped from FRAX ({width})")
    _checked(page, shots, width, f"clinician-{width}-06-frax-correcting")
    frax.get_by_role("button", name="Correct").click()
    expect(page.get_by_role("status")).to_contain_text("The original stays in the audit log")
    expect(page.locator("dl.facts")).to_contain_text(f"{hip} %")
    _banner(page, "Anne Demo")
    _fits(page)

    page.get_by_role("navigation", name="Patient record").get_by_role(
        "link", name="Audit log"
    ).click()
    _banner(page, "Anne Demo")
    audit = page.locator("main")
    expect(audit).to_contain_text(CLINICIAN_EMAIL)
    expect(audit).to_contain_text(f"facility misread ({width})")
    expect(audit).to_contain_text(f"hip risk retyped from FRAX ({width})")
    _checked(page, shots, width, f"clinician-{width}-07-audit", swept_at_390=True)

    # A dose of another patient's zoledronic acid moved to its right date, with a reason (her
    # first dose, a day later: the dates of her last dose and the alerts stay as they are).
    page.goto("/clinician")
    page.get_by_role("link", name="Susan Iyer").click()
    page.get_by_role("navigation", name="Patient record").get_by_role(
        "link", name="Bone therapy"
    ).click()
    _banner(page, "Susan Iyer")
    doses = page.locator("details.correction").filter(has=page.locator("[name=dose]"))
    doses.first.locator("summary").click()
    first = doses.first.get_by_label("Dose").locator("option").first.get_attribute("value")
    assert first
    moved = (date.fromisoformat(first) + timedelta(days=1)).isoformat()
    doses.first.get_by_label("Dose").select_option(first)
    doses.first.get_by_label("Right date (to correct)").fill(moved)
    doses.first.get_by_label("Reason for the change").fill(f"date from the ward sheet ({width})")
    _checked(page, shots, width, f"clinician-{width}-08-dose-correcting")
    doses.first.get_by_role("button", name="Correct").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(page.locator("table")).to_contain_text(moved)
    expect(page.locator("table")).not_to_contain_text(first)
    _banner(page, "Susan Iyer")
    _fits(page)
    shot(page, shots, f"clinician-{width}-09-dose-corrected")
    page.get_by_role("navigation", name="Patient record").get_by_role(
        "link", name="Audit log"
    ).click()
    expect(page.locator("main")).to_contain_text(f"date from the ward sheet ({width})")
    timings.check(shots, f"clinician-journey-{width}")
