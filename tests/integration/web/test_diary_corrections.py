"""Her food diary and exercise log on the web: correct or remove an entry with a reason (the
trail keeps the original), bounded inputs with errors in the form's words, and the form keeps
what she typed."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from bonewise.nutrition import supplements
from bonewise.services import nutrition
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.store.uow import UnitOfWork

from .conftest import World


def today() -> str:
    """Today's date, read when the test runs (a suite can cross midnight)."""
    return date.today().isoformat()


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _log_milk(world: World, grams: str = "100") -> int:
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    response = ann.client.post(
        f"/patients/{pid}/nutrition",
        data={
            "csrf_token": ann.csrf,
            "ndb_no": "01079",
            "quantity": grams,
            "measure": "g",
            "meal": "lunch",
            "day": today(),
        },
    )
    assert response.status_code == 303, response.text[:300]
    diary = ann.client.get(f"/api/v1/patients/{pid}/food-diary?day={today()}").json()
    return int(diary["entries"][-1]["id"])


def _calcium(world: World) -> float | None:
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    diary = ann.client.get(f"/api/v1/patients/{pid}/food-diary?day={today()}").json()
    return dict((d["day"], d["calcium_mg"]) for d in diary["calcium_by_day"])[today()]


def test_she_corrects_then_removes_a_food_entry_with_a_reason(sqlite_world: World) -> None:
    world = sqlite_world
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    entry = _log_milk(world, "1000")
    page = ann.client.get(f"/patients/{pid}/nutrition?day={today()}").text
    assert f'action="/patients/{pid}/nutrition/entries/{entry}"' in page
    assert "Correct or remove" in page
    corrected = ann.client.post(
        f"/patients/{pid}/nutrition/entries/{entry}",
        data={
            "csrf_token": ann.csrf,
            "action": "correct",
            "reason": "it was 100 g, not 1000",
            "grams": "100",
            "meal": "dinner",
            "day": today(),
        },
    )
    assert corrected.status_code == 303
    assert _calcium(world) == pytest.approx(120.0, rel=0.05)
    trail = _text(ann.client.get(f"/patients/{pid}/audit").text)
    assert "corrected: Milk" in trail and "(reason: it was 100 g, not 1000)" in trail
    new_id = ann.client.get(f"/api/v1/patients/{pid}/food-diary?day={today()}").json()["entries"]
    [(new_entry)] = new_id
    assert new_entry["meal"] == "dinner" and new_entry["grams"] == 100
    removed = ann.client.post(
        f"/patients/{pid}/nutrition/entries/{new_entry['id']}",
        data={"csrf_token": ann.csrf, "action": "withdraw", "reason": "did not drink it"},
    )
    assert removed.status_code == 303
    assert _calcium(world) is None  # nothing in force that day: unknown, not zero
    with UnitOfWork(world.factory) as uow:
        trail = [a for a in uow.audit.for_patient(pid) if "food entry" in a.what]
    assert [a.detail["reason"] for a in trail] == ["did not drink it", "it was 100 g, not 1000"]
    assert trail[1].detail["original"]["grams"] == 1000
    assert trail[1].actor_email == "ann@example.org"


def test_a_correction_without_a_reason_changes_nothing_and_keeps_what_she_typed(
    sqlite_world: World,
) -> None:
    world = sqlite_world
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    entry = _log_milk(world)
    response = ann.client.post(
        f"/patients/{pid}/nutrition/entries/{entry}",
        data={"csrf_token": ann.csrf, "action": "correct", "reason": " ", "grams": "250"},
    )
    assert response.status_code == 422
    text = _text(response.text)
    assert "Reason: say in a few words why" in text
    assert 'value="250"' in response.text  # the amount she typed is still there
    assert '<details class="correct" open>' in response.text
    assert _calcium(world) == pytest.approx(120.0, rel=0.05)


def test_others_cannot_correct_her_entries(sqlite_world: World) -> None:
    world = sqlite_world
    pid = world.patient_a.patient_id
    entry = _log_milk(world)
    for who in ("patient_b", "linked_clinician"):
        other = world.actor(who)
        response = other.client.post(
            f"/api/v1/patients/{pid}/food-diary/{entry}/withdrawal",
            json={"reason": "not hers"},
            headers=other.headers(),
        )
        assert response.status_code == 403
    ann = world.actor("patient_a")
    missing = ann.client.post(
        f"/api/v1/patients/{pid}/food-diary/999999/withdrawal",
        json={"reason": "no such entry"},
        headers=ann.headers(),
    )
    assert missing.status_code == 404
    assert _calcium(world) == pytest.approx(120.0, rel=0.05)


def test_the_api_corrects_and_withdraws_food_entries(sqlite_world: World) -> None:
    world = sqlite_world
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    entry = _log_milk(world)
    corrected = ann.client.post(
        f"/api/v1/patients/{pid}/food-diary/{entry}/correction",
        json={"reason": "two cups", "meal": "breakfast", "measure": "1", "quantity": 2},
        headers=ann.headers(),
    )
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["quantity"] == 2
    too_long = ann.client.post(
        f"/api/v1/patients/{pid}/food-diary/{corrected.json()['id']}/withdrawal",
        json={"reason": "x" * 201},
        headers=ann.headers(),
    )
    assert too_long.status_code == 422
    withdrawn = ann.client.post(
        f"/api/v1/patients/{pid}/food-diary/{corrected.json()['id']}/withdrawal",
        json={"reason": "never mind"},
        headers=ann.headers(),
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn"]["quantity"] == 2
    assert _calcium(world) is None


def _walk(world: World, minutes: str) -> int:
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    response = ann.client.post(
        f"/patients/{pid}/exercise",
        data={"csrf_token": ann.csrf, "exercise_id": "brisk-walking", "minutes": minutes},
    )
    assert response.status_code == 303, response.text[:300]
    week = ann.client.get(f"/api/v1/patients/{pid}/exercise").json()
    return int(week["sessions"][0]["id"])


def test_she_corrects_and_removes_an_exercise_session_with_a_reason(sqlite_world: World) -> None:
    world = sqlite_world
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    session = _walk(world, "300")
    page = ann.client.get(f"/patients/{pid}/exercise").text
    assert f'action="/patients/{pid}/exercise/sessions/{session}"' in page
    bad = ann.client.post(
        f"/patients/{pid}/exercise/sessions/{session}",
        data={
            "csrf_token": ann.csrf,
            "action": "correct",
            "reason": "typo",
            "exercise_id": "brisk-walking",
            "minutes": "9999",
        },
    )
    assert bad.status_code == 422
    assert "Minutes:" in _text(bad.text) and 'value="9999"' in bad.text
    good = ann.client.post(
        f"/patients/{pid}/exercise/sessions/{session}",
        data={
            "csrf_token": ann.csrf,
            "action": "correct",
            "reason": "typo: 30 not 300",
            "exercise_id": "brisk-walking",
            "minutes": "30",
            "performed_on": today(),
        },
    )
    assert good.status_code == 303
    week = ann.client.get(f"/api/v1/patients/{pid}/exercise").json()
    assert [s["minutes"] for s in week["sessions"]] == [30]
    removed = ann.client.post(
        f"/api/v1/patients/{pid}/exercise/{week['sessions'][0]['id']}/withdrawal",
        json={"reason": "did not go"},
        headers=ann.headers(),
    )
    assert removed.status_code == 200
    assert ann.client.get(f"/api/v1/patients/{pid}/exercise").json()["sessions"] == []
    with UnitOfWork(world.factory) as uow:
        trail = [a for a in uow.audit.for_patient(pid) if "exercise session" in a.what]
    assert [a.detail["original"]["minutes"] for a in trail] == [30, 300]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("food-diary", {"ndb_no": "01079", "meal": "x" * 10_000, "quantity": 1}, "meal"),
        ("food-diary", {"ndb_no": "01079", "day": "0001-01-01", "quantity": 1}, "day"),
        ("food-diary", {"ndb_no": "01079", "quantity": 1e9}, "quantity"),
        (
            "exercise",
            {"exercise_id": "brisk-walking", "minutes": 30, "performed_on": "1899-12-31"},
            "performed_on",
        ),
        ("exercise", {"exercise_id": "x" * 10_000, "minutes": 30}, "exercise_id"),
    ],
)
def test_api_inputs_are_bounded_and_errors_quote_only_an_excerpt(
    sqlite_world: World, path: str, body: dict[str, object], field: str
) -> None:
    ann = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    response = ann.client.post(f"/api/v1/patients/{pid}/{path}", json=body, headers=ann.headers())
    assert response.status_code == 422, response.text[:300]
    assert field in response.text
    assert len(response.text) < 2_000  # never the 10,000 characters back


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"meal": "x" * 5_000}, "Meal: meal=(5,000 characters): use one of"),
        ({"day": "1899-12-31"}, "Day: 1899-12-31 is before 1900-01-01"),
        ({"quantity": "lots"}, "Amount: 'lots' is not a number"),
    ],
)
def test_the_food_form_names_the_field_and_keeps_her_search(
    sqlite_world: World, data: dict[str, str], expected: str
) -> None:
    ann = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    form = {
        "csrf_token": ann.csrf,
        "ndb_no": "01079",
        "quantity": "3",
        "measure": "g",
        "meal": "lunch",
        "day": today(),
        "q": "milk",
    } | data
    response = ann.client.post(f"/patients/{pid}/nutrition", data=form)
    assert response.status_code == 422
    text = _text(response.text)
    assert expected in text, text[:2000]
    assert "x" * 100 not in response.text
    assert 'value="milk"' in response.text  # her search is still there, with its results
    assert 'id="qty-01079"' in response.text
    if "quantity" in data:
        assert 'value="lots"' in response.text


def test_the_old_food_urls_redirect_permanently_to_nutrition(sqlite_world: World) -> None:
    ann = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    page = ann.client.get(f"/patients/{pid}/food?day={today()}&q=milk")
    assert page.status_code == 301
    assert page.headers["location"] == f"/patients/{pid}/nutrition?day={today()}&q=milk"
    results = ann.client.get(f"/patients/{pid}/food/results?q=milk")
    assert results.headers["location"] == f"/patients/{pid}/nutrition/results?q=milk"
    form = ann.client.post(f"/patients/{pid}/food", data={"csrf_token": ann.csrf})
    assert (form.status_code, form.headers["location"]) == (308, f"/patients/{pid}/nutrition")
    entry = ann.client.post(f"/patients/{pid}/food/entries/7", data={"csrf_token": ann.csrf})
    assert entry.headers["location"] == f"/patients/{pid}/nutrition/entries/7"
    bookmark = ann.client.get(f"/patients/{pid}/food?q=milk", follow_redirects=True)
    assert bookmark.status_code == 200 and 'value="milk"' in bookmark.text
    assert f'href="/patients/{pid}/nutrition"' in bookmark.text  # the menu links the new URL
    assert f'href="/patients/{pid}/food"' not in bookmark.text
    # A form posted to the old URL still logs the food (the browser repeats it at the new one).
    logged = ann.client.post(
        f"/patients/{pid}/food",
        data={"csrf_token": ann.csrf, "ndb_no": "01079", "quantity": "100", "measure": "g"},
        follow_redirects=True,
    )
    assert logged.status_code == 200 and "Milk" in logged.text


def test_she_removes_a_supplement_dose_with_a_reason(sqlite_world: World) -> None:
    world = sqlite_world
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    dose = nutrition.log_supplement(
        uow=UnitOfWork(world.factory),
        actor=LOCAL_OPERATOR,
        patient_id=pid,
        day=date.today(),
        meal="dinner",
        dose=supplements.calcium("carbonate", elemental_mg=500),
    )
    assert _calcium(world) == pytest.approx(500.0)
    page = ann.client.get(f"/patients/{pid}/nutrition?day={today()}").text
    action = f"/patients/{pid}/nutrition/supplements/{dose.id}"
    assert f'action="{action}"' in page and "Remove dose" in page
    refused = ann.client.post(
        action, data={"csrf_token": ann.csrf, "action": "withdraw", "reason": " ", "day": today()}
    )
    assert refused.status_code == 422
    assert "Nothing was saved" in _text(refused.text)
    assert _calcium(world) == pytest.approx(500.0)  # nothing lost
    removed = ann.client.post(
        action,
        data={
            "csrf_token": ann.csrf,
            "action": "withdraw",
            "reason": "took it yesterday",
            "day": today(),
        },
    )
    assert removed.status_code == 303
    assert removed.headers["location"].endswith(f"?day={today()}#supplements")
    assert _calcium(world) is None  # nothing in force that day: unknown, not zero
    assert f'action="{action}"' not in ann.client.get(f"/patients/{pid}/nutrition").text
    with UnitOfWork(world.factory) as uow:
        [audit] = [a for a in uow.audit.for_patient(pid) if "supplement entry" in a.what]
    assert audit.detail["reason"] == "took it yesterday"
    assert audit.detail["original"]["calcium_mg"] == pytest.approx(500.0)
    # A form opened before the correction form existed still withdraws (the older URL).
    again = ann.client.post(
        f"{action}/withdraw",
        data={"csrf_token": ann.csrf, "reason": "took it yesterday", "day": today()},
    )
    assert again.status_code == 404


def _dose(world: World, units: float = 2) -> int:
    return nutrition.log_supplement(
        uow=UnitOfWork(world.factory),
        actor=LOCAL_OPERATOR,
        patient_id=world.patient_a.patient_id,
        day=date.today(),
        meal="dinner",
        dose=supplements.calcium("carbonate", elemental_mg=500, units=units),
    ).id


def test_she_corrects_a_supplement_dose_and_a_bad_correction_keeps_what_she_typed(
    sqlite_world: World,
) -> None:
    world = sqlite_world
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    dose = _dose(world)
    assert _calcium(world) == pytest.approx(1000.0)
    action = f"/patients/{pid}/nutrition/supplements/{dose}"
    page = ann.client.get(f"/patients/{pid}/nutrition?day={today()}").text
    assert "Corrected number taken" in page and 'name="units" ' in page
    typed = {
        "csrf_token": ann.csrf,
        "action": "correct",
        "reason": "one tablet, not two",
        "name": "Caltrate 600",
        "units": "two",
        "meal": "breakfast",
        "day": today(),
        "shown_day": today(),
    }
    refused = ann.client.post(action, data=typed)
    assert refused.status_code == 422
    text = _text(refused.text)
    assert "is not a number" in text and "Nothing was saved" in text, text[text.find("Nothing") :][
        :600
    ]
    assert 'value="one tablet, not two"' in refused.text and 'value="Caltrate 600"' in refused.text
    assert 'value="two"' in refused.text and 'aria-invalid="true"' in refused.text
    assert "<option selected>breakfast</option>" in refused.text
    assert _calcium(world) == pytest.approx(1000.0)  # nothing lost
    too_many = ann.client.post(action, data={**typed, "units": "50"})
    assert too_many.status_code == 422 and "more than 20" in _text(too_many.text)
    corrected = ann.client.post(action, data={**typed, "units": "1"})
    assert corrected.status_code == 303
    assert corrected.headers["location"].endswith(f"?day={today()}#supplements")
    assert _calcium(world) == pytest.approx(500.0)
    page = ann.client.get(f"/patients/{pid}/nutrition?day={today()}").text
    assert "Caltrate 600" in page and f'action="{action}"' not in page
    with UnitOfWork(world.factory) as uow:
        [audit] = [a for a in uow.audit.for_patient(pid) if "corrected" in a.what]
    assert audit.actor_email == world.patient_a.email
    assert audit.detail["reason"] == "one tablet, not two"
    assert audit.detail["original"]["units"] == 2 and audit.detail["corrected"]["units"] == 1
    assert ann.client.post(action, data={**typed, "units": "1"}).status_code == 404


def test_the_api_corrects_and_withdraws_her_supplement_doses(sqlite_world: World) -> None:
    world = sqlite_world
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    dose = _dose(world)
    diary = ann.client.get(f"/api/v1/patients/{pid}/food-diary?day={today()}").json()
    assert [s["id"] for s in diary["supplements"]] == [dose]
    api = f"/api/v1/patients/{pid}/supplements/{dose}"
    headers = ann.headers()
    for bad in ({"reason": "one tablet"}, {"reason": "one tablet", "units": 0}, {"units": 1}):
        refused = ann.client.post(f"{api}/correction", json=bad, headers=headers)
        assert refused.status_code == 422, bad
    assert _calcium(world) == pytest.approx(1000.0)
    corrected = ann.client.post(
        f"{api}/correction",
        json={"reason": "one tablet, not two", "units": 1, "meal": "lunch", "name": "Caltrate"},
        headers=headers,
    )
    assert corrected.status_code == 201, corrected.text
    body = corrected.json()
    assert (body["units"], body["meal"], body["name"]) == (1, "lunch", "Caltrate")
    assert body["calcium_mg"] == pytest.approx(500.0) and body["day"] == today()
    assert _calcium(world) == pytest.approx(500.0)
    assert (
        ann.client.post(f"{api}/withdrawal", json={"reason": "again"}, headers=headers).status_code
        == 404
    )
    withdrawn = ann.client.post(
        f"/api/v1/patients/{pid}/supplements/{body['id']}/withdrawal",
        json={"reason": "did not take it"},
        headers=headers,
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn"]["id"] == body["id"]
    assert _calcium(world) is None
