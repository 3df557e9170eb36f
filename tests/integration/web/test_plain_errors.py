"""Form errors in the form's own words: each names the field as the form labels it and says
what to enter (no validator jargon, no 5e+03), and the form keeps what was typed."""

from __future__ import annotations

import html
import re

import pytest

from bonewise.web.forms import LAB_CHOICES, plain_error

from .conftest import World

JARGON = ("Dictionary should", "Input should", "5e+03", "give more than 0", "loc", "Value error")


def _alert(page: str) -> str:
    found = re.search(r'<div class="error" role="alert"[^>]*>(.*?)</div>', page, re.S)
    assert found, "no error summary"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def _post(world: World, who: str, path: str, data: dict[str, str]) -> str:
    actor = world.actor(who)
    pid = world.patient_a.patient_id
    response = actor.client.post(f"/patients/{pid}{path}", data={"csrf_token": actor.csrf, **data})
    assert response.status_code == 422, response.text[:300]
    return response.text


@pytest.mark.parametrize(
    ("who", "path", "data", "expected"),
    [
        (
            "linked_clinician",
            "/labs",
            {"lab_test": "25_oh_vitamin_d|ng/mL", "lab_date": "2025-01-01", "lab_value": "5000"},
            "Value: 5,000 ng/mL is outside what is possible for 25-OH vitamin D",
        ),
        (
            "linked_clinician",
            "/dxa",
            {"date": "2025-01-01", "scanner_make": "hologic"},
            "Results: enter at least one result: a BMD, T-score or Z-score for one site.",
        ),
        (
            "linked_clinician",
            "/dxa",
            {"date": "2025-01-01", "scanner_make": "hologic", "lumbar_spine_t_score": "abc"},
            "Lumbar spine T-score: enter a number",
        ),
        (
            "patient_a",
            "/nutrition",
            {"ndb_no": "01079", "quantity": "100000", "measure": "g", "meal": "breakfast"},
            "Amount: enter how much you had, more than 0 and at most 5,000",
        ),
        (
            "linked_clinician",
            "/frax",
            {"date": "2025-01-01", "major_osteoporotic_pct": "150"},
            "Major osteoporotic fracture risk: enter a number at most 100.",
        ),
    ],
)
def test_errors_name_the_field_and_say_what_to_enter(
    sqlite_world: World, who: str, path: str, data: dict[str, str], expected: str
) -> None:
    if path == "/nutrition":
        from datetime import date

        data = {**data, "day": date.today().isoformat()}
    text = _alert(_post(sqlite_world, who, path, data))
    assert expected in text
    for word in JARGON:
        assert word not in text, text


def test_the_lab_form_keeps_what_was_typed_and_offers_only_each_labs_units(
    sqlite_world: World,
) -> None:
    page = _post(
        sqlite_world,
        "linked_clinician",
        "/labs",
        {"lab_test": "serum_calcium|mmol/L", "lab_date": "2025-02-03", "lab_value": "99"},
    )
    assert re.search(r'<input id="lab_value"[^>]*value="99"', page)
    assert re.search(r'<input id="lab_date"[^>]*value="2025-02-03"', page)
    assert '<option value="serum_calcium|mmol/L" selected>' in page
    # the add-lab form's own select (each stored lab's Correct control has one too)
    add_form = re.search(r'<select id="lab_test".*?</select>', page, re.S)
    assert add_form is not None
    offered = re.findall(r'<option value="(\w+)\|([^"]+)"', add_form.group(0))
    assert sorted(offered) == sorted((kind, unit) for kind, unit, _ in LAB_CHOICES)
    assert ("serum_calcium", "ng/mL") not in offered


def test_a_saved_lab_goes_in_with_the_unit_of_its_test(sqlite_world: World) -> None:
    doctor = sqlite_world.actor("linked_clinician")
    pid = sqlite_world.patient_a.patient_id
    response = doctor.client.post(
        f"/patients/{pid}/labs",
        data={
            "csrf_token": doctor.csrf,
            "lab_test": "25_oh_vitamin_d|nmol/L",
            "lab_date": "2025-02-03",
            "lab_value": "60",
        },
    )
    assert response.status_code == 303
    labs = doctor.client.get(f"/api/v1/patients/{pid}").json()["labs"]
    saved = {"kind": "25_oh_vitamin_d", "date": "2025-02-03", "unit": "nmol/L", "value": 60.0}
    # the record lists labs in a fixed order (by date and test), not in the order written
    assert any(saved.items() <= lab.items() for lab in labs)


def test_plain_error_never_shows_scientific_notation_or_snake_case() -> None:
    message = plain_error(
        {"loc": ["value"], "type": "value_error", "msg": "Value error, 25_oh_vitamin_d is 5e+03"}
    )
    assert message == "Value: 25-OH vitamin D is 5,000."
