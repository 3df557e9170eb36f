"""The SMART relaunch page ("New in the EHR", smart_news.html) in the screen checks: a clinician
opens bonewise from Anne Demo's chart in the tiny EHR, whose chart holds entries her bonewise
record lacks, and lands on the list of them. At 360 and 390 px and on a desktop it carries her
banner, says whom its form writes for and does not scroll sideways; axe finds nothing serious
or critical at 390 px and on the desktop. Screenshots land in test-output/e2e/screens-*.png.

The e2e server trusts the tiny EHR's address (conftest: BONEWISE_SMART_ISSUERS); nothing is
ticked, so the launch writes nothing to the shared demo store (the record exists and the
clinician is linked: only a read is audited)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser

from bonewise.services.demo import CLINICIAN_EMAIL, CLINICIAN_PASSWORD, DEMO_PATIENT_ID
from bonewise.web.routers import smart_launch
from tests.integration.fhir.tiny_ehr import TinyEhr, serve

from .helpers import serious_violations, shot, sign_in
from .test_screens import WIDTHS

pytestmark = pytest.mark.browser

CHART = Path(__file__).resolve().parents[1] / "data" / "ehr" / "synthea-arimidex.json"
AXE_WIDTHS = ("phone-390", "desktop")


@pytest.fixture(scope="module")
def ehr(server_env: dict[str, str]) -> Iterator[TinyEhr]:
    """The tiny EHR holding a chart filed under Anne Demo's record id: its problems, medicines
    and results are news to her bonewise record."""
    bundle = json.loads(CHART.read_text())
    ehr_id = next(
        e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    chart = TinyEhr.from_bundle(
        json.loads(json.dumps(bundle).replace(ehr_id, DEMO_PATIENT_ID)),
        client_id=server_env[smart_launch.CLIENT_ID_ENV],
        redirect_uri=f"{server_env['BONEWISE_PUBLIC_URL']}{smart_launch.CALLBACK_PATH}",
    )
    with serve(chart, port=int(server_env["BONEWISE_E2E_EHR_PORT"])) as running:
        yield running


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_relaunch_news_page_fits_and_carries_the_banner(
    browser: Browser, base_url: str, shots: Path, ehr: TinyEhr, width: str
) -> None:
    w, h = WIDTHS[width]
    context = browser.new_context(
        base_url=base_url, viewport={"width": w, "height": h}, is_mobile=w < 500
    )
    page = context.new_page()
    sign_in(page, CLINICIAN_EMAIL, CLINICIAN_PASSWORD)
    query = urlencode({"iss": ehr.fhir_base, "launch": ehr.launch_id})
    response = page.goto(f"{smart_launch.LAUNCH_PATH}?{query}")  # the EHR opens bonewise
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status == 200, response
    assert page.url.startswith(f"{base_url}{smart_launch.CALLBACK_PATH}?")
    assert page.get_by_role("heading", level=1).inner_text().startswith("New in the EHR")
    assert page.locator("input[name=pick]").count() > 0

    problems = []
    banner = page.locator("section.patient-banner")
    if banner.count() != 1:
        problems.append("no patient banner")
    else:
        text = banner.inner_text().lower()  # the labels are shown in capitals
        problems += [
            f"banner lacks {part!r}"
            for part in ("Anne Demo", DEMO_PATIENT_ID, "Born", "Age")
            if part.lower() not in text
        ]
        box = banner.bounding_box()
        if box is None or box["y"] > h:
            problems.append("banner not on the first screen")
    if "Saves to the record of Anne Demo" not in page.locator("main form").inner_text():
        problems.append("the form does not say whom it writes for")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 1:
        problems.append(f"scrolls sideways by {overflow}px")
    if width in AXE_WIDTHS and (found := serious_violations(page)):
        problems.append(f"axe {found}")
    shot(page, shots, f"screens-clinician-{width}-smart-news")
    context.close()
    assert not problems, f"{smart_launch.CALLBACK_PATH} at {width}: " + "\n".join(problems)
