"""Every page at phone widths (360 and 390 px) and on a desktop: nothing scrolls sideways,
chart text is at least 12 px, each clinician page about a patient carries her banner, the
most urgent alert comes before the day's tiles, and axe finds nothing serious or critical.
Screenshots of each page at each width land in test-output/e2e/screens-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from bonewise.services.demo import (
    CLINICIAN_EMAIL,
    CLINICIAN_PASSWORD,
    DEMO_PATIENT_ID,
    PATIENT_EMAIL,
    PATIENT_PASSWORD,
)

from .helpers import serious_violations, shot, sign_in

pytestmark = pytest.mark.browser

RECORD = f"/patients/{DEMO_PATIENT_ID}"
PATIENT_PAGES = [
    RECORD,
    f"{RECORD}/nutrition?q=yogurt",
    f"{RECORD}/exercise",
    f"{RECORD}/checkin",
    f"{RECORD}/export",
    f"{RECORD}/assessment",
    f"{RECORD}/dxa",
    f"{RECORD}/profile",
    f"{RECORD}/audit",
    "/account",
    "/learn",
]
CLINICIAN_PAGES = [
    f"{RECORD}",
    f"{RECORD}/assessment",
    f"{RECORD}/dxa",
    f"{RECORD}/frax",
    f"{RECORD}/bone-therapy",
    f"{RECORD}/profile",
    f"{RECORD}/nutrition",
    f"{RECORD}/exercise",
    f"{RECORD}/checkin",
    f"{RECORD}/export",
    f"{RECORD}/audit",
]
WIDTHS = {"phone-360": (360, 740), "phone-390": (390, 844), "desktop": (1280, 900)}
SMALLEST_CHART_TEXT_PX = 12


def _open(browser: Browser, base_url: str, width: str) -> Page:
    w, h = WIDTHS[width]
    context = browser.new_context(
        base_url=base_url, viewport={"width": w, "height": h}, is_mobile=w < 500
    )
    return context.new_page()


def _check_page(page: Page, path: str, width: str, shots: Path, who: str) -> list[str]:
    problems = []
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: {response}"
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 1:
        problems.append(f"{path} at {width} scrolls sideways by {overflow}px")
    if width != "desktop":
        smallest = page.evaluate(
            """() => Math.min(Infinity, ...Array.from(document.querySelectorAll('svg.chart text'))
                 .map(t => t.getBoundingClientRect().height ? parseFloat(getComputedStyle(t).fontSize)
                   * (t.ownerSVGElement.getBoundingClientRect().width
                      / t.ownerSVGElement.viewBox.baseVal.width) : Infinity))"""
        )
        if smallest < SMALLEST_CHART_TEXT_PX:
            problems.append(f"{path} at {width}: chart text {smallest:.1f}px")
    found = serious_violations(page)
    if found:
        problems.append(f"{path} at {width}: axe {found}")
    name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
    shot(page, shots, f"screens-{who}-{width}-{name}")
    return problems


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_patient_pages_fit_every_width(
    browser: Browser, base_url: str, shots: Path, width: str
) -> None:
    page = _open(browser, base_url, width)
    sign_in(page, PATIENT_EMAIL, PATIENT_PASSWORD)
    problems = [
        p for path in PATIENT_PAGES for p in _check_page(page, path, width, shots, "patient")
    ]
    page.goto(RECORD + "/assessment")
    assert page.locator(".patient-banner").count() == 0  # her own pages: no banner
    page.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_clinician_pages_fit_every_width_and_carry_the_banner(
    browser: Browser, base_url: str, shots: Path, width: str
) -> None:
    page = _open(browser, base_url, width)
    sign_in(page, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    problems = []
    for path in ["/clinician", *CLINICIAN_PAGES]:
        problems += _check_page(page, path, width, shots, "clinician")
        if path == "/clinician":
            continue
        banner = page.locator("section.patient-banner")
        if banner.count() != 1:
            problems.append(f"{path} at {width}: no patient banner")
            continue
        text = banner.inner_text().lower()  # the labels are shown in capitals
        for part in ("Anne Demo", DEMO_PATIENT_ID, "Born", "Age"):
            if part.lower() not in text:
                problems.append(f"{path} at {width}: banner lacks {part!r}")
        box = banner.bounding_box()
        assert box is not None
        if box["y"] > page.viewport_size["height"]:  # type: ignore[index]
            problems.append(f"{path} at {width}: banner not on the first screen")
        forms = page.locator("form[method=post][action^='/patients/']")
        for i in range(forms.count()):
            # text_content: a Correct / Withdraw form sits in a closed <details> until opened
            if "Saves to the record of Anne Demo" not in (forms.nth(i).text_content() or ""):
                problems.append(f"{path} at {width}: a form does not say whom it writes for")
    page.context.close()
    assert not problems, "\n".join(problems)


def test_tables_become_cards_on_a_phone(browser: Browser, base_url: str, shots: Path) -> None:
    page = _open(browser, base_url, "phone-390")
    sign_in(page, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    page.goto("/clinician")
    table = page.locator("table#panel")
    assert "labelled" in (table.get_attribute("class") or "")
    first_row = table.locator("tbody tr").first
    assert first_row.evaluate("r => getComputedStyle(r).display") == "block"
    cell = first_row.locator("td[data-label]").first
    assert cell.get_attribute("data-label")
    page.context.close()


def test_the_most_urgent_alert_comes_before_the_tiles(browser: Browser, base_url: str) -> None:
    page = _open(browser, base_url, "phone-390")
    sign_in(page, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    page.goto(RECORD)
    alerts = page.locator("ul.alerts")
    if alerts.count():
        alerts_y = alerts.first.bounding_box()["y"]  # type: ignore[index]
        tiles_y = page.locator(".tiles").first.bounding_box()["y"]  # type: ignore[index]
        assert alerts_y < tiles_y
        severities = alerts.first.locator("li").evaluate_all("els => els.map(e => e.className)")
        order = {"alert critical": 0, "alert warning": 1, "alert info": 2}
        ranks = [order.get(s, 3) for s in severities]
        assert ranks == sorted(ranks)
    page.context.close()


def test_food_results_are_in_the_page_and_add_is_a_button(
    browser: Browser, base_url: str, shots: Path
) -> None:
    page = _open(browser, base_url, "phone-390")
    sign_in(page, PATIENT_EMAIL, PATIENT_PASSWORD)
    page.goto(f"{RECORD}/nutrition?q=yogurt")
    results = page.locator("ul.results")
    assert results.evaluate("e => getComputedStyle(e).overflowY") == "visible"
    add = page.get_by_role("button", name="Add").first
    background = add.evaluate("b => getComputedStyle(b).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    page.context.close()


def test_a_table_caption_stays_readable_as_cards(browser: Browser, base_url: str) -> None:
    page = _open(browser, base_url, "phone-390")
    sign_in(page, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    page.goto("/clinician")
    caption = page.locator("table#panel caption")
    if caption.count():
        box = caption.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] < 80
    page.context.close()


@pytest.mark.parametrize("width", ["phone-390", "desktop"])
def test_a_lab_is_corrected_with_a_reason(
    browser: Browser, base_url: str, shots: Path, width: str
) -> None:
    page = _open(browser, base_url, width)
    sign_in(page, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    page.goto(f"{RECORD}/dxa")
    control = page.locator("details.correction").filter(has=page.locator("[name=lab_value]"))
    control.first.locator("summary").click()
    form = control.first.locator("form")
    assert "Saves to the record of Anne Demo" in form.inner_text()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the open correction scrolls sideways by {overflow}px"
    form.get_by_role("button", name="Correct").click()  # no reason yet: refused, nothing changed
    page.wait_for_load_state("networkidle")
    assert "give the reason" in page.locator("details.correction[open] [role=alert]").inner_text()
    opened = page.locator("details.correction[open]")
    opened.get_by_label("Reason for the change").fill(f"checked against the report ({width})")
    opened.get_by_role("button", name="Correct").click()
    page.wait_for_load_state("networkidle")
    assert "The original stays in the audit log" in page.locator("[role=status]").inner_text()
    shot(page, shots, f"screens-clinician-{width}-lab-corrected")
    page.goto(f"{RECORD}/audit")
    assert f"checked against the report ({width})" in page.content()
    page.context.close()
