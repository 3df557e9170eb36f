"""A write that fails validation changes nothing and says what was wrong."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from bonewise.store.accounts import AuditLog
from bonewise.store.uow import UnitOfWork

from .conftest import World


def tomorrow() -> str:
    """Tomorrow's date, read when the test runs (a suite can cross midnight)."""
    return (date.today() + timedelta(days=1)).isoformat()


BAD_SCANS: list[tuple[dict[str, Any], str]] = [
    (
        {
            "date": "2025-01-01",
            "scanner_make": "hologic",
            "sites": {"lumbar_spine": {"t_score": -9.5}},
        },
        "t_score",
    ),
    (
        {
            "date": "2025-01-01",
            "scanner_make": "hologic",
            "sites": {"femoral_neck": {"bmd_g_cm2": 3.1}},
        },
        "bmd_g_cm2",
    ),
    (
        {"date": tomorrow(), "scanner_make": "hologic", "sites": {"total_hip": {"t_score": -1.0}}},
        "date",
    ),
    (
        {"date": "2025-01-01", "scanner_make": "acme", "sites": {"total_hip": {"t_score": -1.0}}},
        "scanner_make",
    ),
    ({"date": "2025-01-01", "scanner_make": "hologic", "sites": {}}, "sites"),
]


def _state(world: World, pid: str) -> tuple[dict[str, Any], int]:
    actor = world.actor("patient_a")
    record = actor.client.get(f"/api/v1/patients/{pid}").json()
    with UnitOfWork(world.factory) as uow:
        return record, AuditLog(uow.session).count()


@pytest.mark.parametrize("scan,field", BAD_SCANS)
def test_invalid_dxa_changes_nothing_and_names_the_field(
    sqlite_world: World, scan: dict[str, Any], field: str
) -> None:
    pid = sqlite_world.patient_a.patient_id
    assert pid
    before = _state(sqlite_world, pid)
    actor = sqlite_world.actor("patient_a")
    response = actor.client.post(f"/api/v1/patients/{pid}/dxa", json=scan, headers=actor.headers())
    assert response.status_code == 422
    assert field in str(response.json()["detail"])
    assert _state(sqlite_world, pid) == before


def test_invalid_dxa_form_rerenders_with_the_error_and_keeps_what_was_typed(
    sqlite_world: World,
) -> None:
    pid = sqlite_world.patient_a.patient_id
    assert pid
    before = _state(sqlite_world, pid)
    actor = sqlite_world.actor("patient_a")
    response = actor.client.post(
        f"/patients/{pid}/dxa",
        data={
            "csrf_token": actor.csrf,
            "date": "2025-02-03",
            "scanner_make": "hologic",
            "lumbar_spine_t_score": "-12",
        },
    )
    assert response.status_code == 422
    assert "Nothing was saved" in response.text
    assert "-12" in response.text  # her input is still in the form
    assert "Lumbar spine T-score: enter a number at least -7." in response.text
    assert _state(sqlite_world, pid) == before


def test_invalid_profile_with_a_future_birth_date_changes_nothing(sqlite_world: World) -> None:
    pid = sqlite_world.patient_a.patient_id
    assert pid
    before = _state(sqlite_world, pid)
    actor = sqlite_world.actor("patient_a")
    response = actor.client.put(
        f"/api/v1/patients/{pid}/profile",
        json={"patient": {"birth_date": tomorrow(), "menopausal_status": "postmenopausal"}},
        headers=actor.headers(),
    )
    assert response.status_code == 422
    assert "future" in str(response.json()["detail"])
    assert _state(sqlite_world, pid) == before


def test_a_birth_date_outside_the_adult_range_is_refused(sqlite_world: World) -> None:
    pid = sqlite_world.patient_a.patient_id
    assert pid
    before = _state(sqlite_world, pid)
    actor = sqlite_world.actor("patient_a")
    response = actor.client.put(
        f"/api/v1/patients/{pid}/profile",
        json={"patient": {"birth_date": "0907-01-01", "menopausal_status": "postmenopausal"}},
        headers=actor.headers(),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "patient", "birth_date"]
    assert _state(sqlite_world, pid) == before


def test_exercise_log_rejects_a_future_day_and_counts_a_walk(sqlite_world: World) -> None:
    pid = sqlite_world.patient_a.patient_id
    actor = sqlite_world.actor("patient_a")
    url = f"/api/v1/patients/{pid}/exercise"
    start = actor.client.get(url).json()["week"]["aerobic"]["minutes"]
    bad = actor.client.post(
        url,
        json={"exercise_id": "brisk-walking", "minutes": 30, "performed_on": tomorrow()},
        headers=actor.headers(),
    )
    assert bad.status_code == 422
    assert actor.client.get(url).json()["week"]["aerobic"]["minutes"] == start
    good = actor.client.post(
        url, json={"exercise_id": "brisk-walking", "minutes": 30}, headers=actor.headers()
    )
    assert good.status_code == 201
    assert actor.client.get(url).json()["week"]["aerobic"]["minutes"] == start + 30


def test_logging_a_cup_of_milk_raises_the_days_calcium(sqlite_world: World) -> None:
    pid = sqlite_world.patient_a.patient_id
    actor = sqlite_world.actor("patient_a")
    url = f"/api/v1/patients/{pid}/food-diary"

    def calcium() -> float:
        progress = actor.client.get(url).json()["summary"]["progress"]
        return float(next(p["amount"] for p in progress if p["nutrient"] == "calcium_mg"))

    assert calcium() == 0
    hits = actor.client.get("/api/v1/foods", params={"q": "milk 2%"}).json()
    milk = next(h for h in hits if h["ndb_no"] == "01079")
    cup = next(m for m in milk["measures"] if m["description"] == "cup")
    bad = actor.client.post(
        url,
        json={"ndb_no": "01079", "measure": "99", "meal": "breakfast"},
        headers=actor.headers(),
    )
    assert bad.status_code == 422
    assert "measure" in str(bad.json()["detail"])
    assert calcium() == 0
    added = actor.client.post(
        url,
        json={"ndb_no": "01079", "measure": str(cup["seq"]), "meal": "breakfast"},
        headers=actor.headers(),
    )
    assert added.status_code == 201, added.text
    expected = milk["calcium_mg_per_100g"] * cup["grams"] / 100
    assert calcium() == pytest.approx(expected, abs=0.1)


def test_a_clinician_cannot_write_in_her_food_diary(sqlite_world: World) -> None:
    pid = sqlite_world.patient_a.patient_id
    doctor = sqlite_world.actor("linked_clinician")
    response = doctor.client.post(
        f"/api/v1/patients/{pid}/food-diary",
        json={"ndb_no": "01079", "measure": "1"},
        headers=doctor.headers(),
    )
    assert response.status_code == 403


def test_pain_she_logged_last_week_steps_this_weeks_plan_back(sqlite_world: World) -> None:
    pid = sqlite_world.patient_a.patient_id
    actor = sqlite_world.actor("patient_a")
    url = f"/api/v1/patients/{pid}/exercise"
    last_week = date.today() - timedelta(days=7)
    painful = {
        "exercise_id": "brisk-walking",
        "minutes": 30,
        "performed_on": last_week.isoformat(),
        "pain": 6,
    }
    assert actor.client.post(url, json=painful, headers=actor.headers()).status_code == 201
    plan = actor.client.get(url).json()["plan"]
    assert [entry["week"] for entry in plan["logged_pain"]] == [1]
    assert any("pain" in note and "steps back" in note for note in plan["notes"])


def test_saving_the_profile_form_keeps_what_the_form_does_not_show(sqlite_world: World) -> None:
    """The form has no end date and no earlier AIs: saving it (say, a new weight) keeps them."""
    from bonewise.web import forms

    actor = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    record = actor.client.get(f"/api/v1/patients/{pid}").json()
    start = date.fromisoformat(record["therapy"]["start_date"])
    therapy = {
        **record["therapy"],
        "end_date": (start + timedelta(days=400)).isoformat(),
        "switched_from": [
            {
                "agent": "letrozole",
                "start_date": (start - timedelta(days=200)).isoformat(),
                "end_date": (start - timedelta(days=1)).isoformat(),
            }
        ],
    }
    put = actor.client.put(
        f"/api/v1/patients/{pid}/profile",
        json={"patient": record["patient"], "therapy": therapy},
        headers=actor.headers(),
    )
    assert put.status_code == 200, put.text
    stored = actor.client.get(f"/api/v1/patients/{pid}").json()
    values = forms.profile_to_form(stored)
    values["weight_value"] = 61.5
    posted = actor.client.post(
        f"/patients/{pid}/profile", data={**values, "csrf_token": actor.csrf}
    )
    assert posted.status_code == 303, posted.text
    after = actor.client.get(f"/api/v1/patients/{pid}").json()
    assert after["patient"]["weight"]["value"] == 61.5
    assert after["therapy"]["end_date"] == therapy["end_date"]
    assert after["therapy"]["switched_from"] == therapy["switched_from"]


def test_the_profile_form_records_the_end_of_ai_therapy_and_checks_its_date(
    sqlite_world: World,
) -> None:
    """The form offers "Stopped on": a date is kept; one before the start or in the future is
    refused in her words, with what she typed kept; an empty field means she still takes it."""
    from bonewise.web import forms

    actor = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    stored = actor.client.get(f"/api/v1/patients/{pid}").json()
    start = date.fromisoformat(stored["therapy"]["start_date"])
    values = forms.profile_to_form(stored)
    page = actor.client.get(f"/patients/{pid}/profile").text
    assert 'name="end_date"' in page and "Stopped on" in page

    def post(end_date: str) -> Any:
        return actor.client.post(
            f"/patients/{pid}/profile",
            data={**values, "end_date": end_date, "csrf_token": actor.csrf},
        )

    before_start = (start - timedelta(days=1)).isoformat()
    for bad, words in ((before_start, "before"), (tomorrow(), "future")):
        refused = post(bad)
        assert refused.status_code == 422, bad
        assert f'value="{bad}"' in refused.text
        said = re.sub(r"<[^>]+>", " ", refused.text)  # what she reads, not attributes
        assert words in said and "end_date" not in said and "start_date" not in said
        assert actor.client.get(f"/api/v1/patients/{pid}").json()["therapy"].get("end_date") is None
    ended = (start + timedelta(days=30)).isoformat()
    assert post(ended).status_code == 303
    assert actor.client.get(f"/api/v1/patients/{pid}").json()["therapy"]["end_date"] == ended
    assert f'value="{ended}"' in actor.client.get(f"/patients/{pid}/profile").text
    assert post("").status_code == 303  # emptied: she takes it again
    assert actor.client.get(f"/api/v1/patients/{pid}").json()["therapy"]["end_date"] is None
