"""Wrong-patient safety: every clinician page about one patient carries her banner (name, date
of birth, age, record number) in the same place, and every write form repeats whom it writes
for. The test walks every page template, so a new patient page without the banner fails here."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources

import pytest

from .conftest import World

TEMPLATES = resources.files("bonewise.web") / "templates"

# Every page template about one patient, with the clinician page that renders it.
PATIENT_PAGES = {
    "dashboard.html": "/patients/{pid}",
    "assessment.html": "/patients/{pid}/assessment",
    "dxa.html": "/patients/{pid}/dxa",
    "frax.html": "/patients/{pid}/frax",
    "bone_therapy.html": "/patients/{pid}/bone-therapy",
    "profile.html": "/patients/{pid}/profile",
    "nutrition.html": "/patients/{pid}/nutrition",
    "exercise.html": "/patients/{pid}/exercise",
    "audit.html": "/patients/{pid}/audit",
    "checkin.html": "/patients/{pid}/checkin",
    "export.html": "/patients/{pid}/export",
}
# Pages about one patient reached only in the middle of a flow (no GET of their own), and the
# test that checks their banner.
PATIENT_PAGES_IN_A_FLOW = {
    "smart_news.html": "test_smart_launch: a relaunch lists what is new in the EHR",
}
# Page templates that show no one patient's data to a clinician, and why.
NOT_ABOUT_ONE_PATIENT = {
    "account.html": "the signed-in user's own account",
    "account_deleted.html": "signed out: what was deleted and what remains",
    "forgot_password.html": "signed out",
    "reset_password.html": "signed out",
    "panel.html": "the clinician's list of many patients, each row named",
    "docs.html": "API reference",
    "error.html": "an error, no patient data",
    "learn_index.html": "general education",
    "login.html": "signed out",
    "signup.html": "signed out",
    "welcome.html": "signed out",
}


def _page_templates() -> set[str]:
    return {
        t.name
        for t in TEMPLATES.iterdir()
        if t.name.endswith(".html") and not t.name.startswith("_") and t.name != "base.html"
    }


def test_every_page_template_is_classified() -> None:
    """A new page must say whether it is about one patient (and then get the banner test)."""
    assert _page_templates() == (
        set(PATIENT_PAGES) | set(PATIENT_PAGES_IN_A_FLOW) | set(NOT_ABOUT_ONE_PATIENT)
    )


def test_the_banner_is_in_the_layout_every_page_extends() -> None:
    base = (TEMPLATES / "base.html").read_text()
    assert '{% include "_patient_banner.html" %}' in base
    for name in PATIENT_PAGES:
        assert (TEMPLATES / name).read_text().startswith('{% extends "base.html" %}'), name


def test_every_write_form_repeats_whom_it_writes_for() -> None:
    for template in TEMPLATES.iterdir():
        if not template.name.endswith(".html"):
            continue
        text = template.read_text()
        posts = re.findall(r'<form method="post" action="(/patients/[^"]*|\{\{ action \}\})"', text)
        if posts:
            assert text.count('{% include "_writes_for.html" %}') >= (
                1 if template.name == "_nutrition_results.html" else len(posts)
            ), template.name


def _banner_fields(html: str) -> dict[str, str]:
    section = re.search(r'<section class="patient-banner".*?</section>', html, re.S)
    assert section, "no patient banner"
    pairs = re.findall(r"<dt>(\w+)</dt><dd[^>]*>([^<]*)</dd>", section.group(0))
    return dict(pairs)


@pytest.mark.parametrize("template", sorted(PATIENT_PAGES))
def test_each_clinician_page_about_a_patient_shows_her_banner(
    sqlite_world: World, template: str
) -> None:
    world = sqlite_world
    pid = world.patient_a.patient_id
    assert pid is not None
    doctor = world.actor("linked_clinician")
    response = doctor.client.get(PATIENT_PAGES[template].format(pid=pid))
    assert response.status_code == 200, response.text[:300]
    fields = _banner_fields(response.text)
    assert fields["Patient"] == "Ann Example"
    assert fields["Record"] == pid
    born = date.fromisoformat(fields["Born"])
    today = date.today()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    assert fields["Age"] == str(age)
    # The banner comes first in the page's main content, the same place on every page.
    main = response.text.split('<main id="main" tabindex="-1">', 1)[1]
    assert main.lstrip().startswith('<section class="patient-banner"')
    if '<form method="post" action="/patients/' in response.text:
        assert "Saves to the record of <strong>Ann Example</strong>" in response.text


@pytest.mark.parametrize("template", sorted(PATIENT_PAGES))
def test_the_banner_is_the_one_place_that_names_her(sqlite_world: World, template: str) -> None:
    """No page heading repeats her name or record number beside the banner."""
    pid = sqlite_world.patient_a.patient_id
    assert pid is not None
    html = (
        sqlite_world.actor("linked_clinician")
        .client.get(PATIENT_PAGES[template].format(pid=pid))
        .text
    )
    for heading in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S):
        assert "Ann Example" not in heading and pid not in heading, heading


def test_the_patient_sees_no_banner_on_her_own_pages(sqlite_world: World) -> None:
    pid = sqlite_world.patient_a.patient_id
    html = sqlite_world.actor("patient_a").client.get(f"/patients/{pid}/assessment").text
    assert 'class="patient-banner"' not in html
