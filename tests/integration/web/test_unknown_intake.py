"""Unknown is not zero on her pages: a day whose logged food has no SR28 vitamin D value shows
vitamin D as "unknown", never "0 of 800 IU" or "below goal"; when only part is unknown, the
known amount is "at least N" and the status is "cannot tell"."""

from __future__ import annotations

from typing import Any

from .conftest import World
from .test_patient_wording import page_text

ROQUEFORT = "01039"  # SR28: calcium known, vitamin D not analysed
MILK = "01079"  # SR28: calcium and vitamin D known


def _log(world: World, ndb_no: str, quantity: float) -> None:
    pid = world.patient_a.patient_id
    actor = world.actor("patient_a")
    response = actor.client.post(
        f"/api/v1/patients/{pid}/food-diary",
        json={"ndb_no": ndb_no, "quantity": quantity, "meal": "lunch"},
        headers=actor.headers(),
    )
    assert response.status_code == 201, response.text


def _vitamin_d(world: World) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    pid = world.patient_a.patient_id
    client = world.actor("patient_a").client
    dashboard = page_text(client.get(f"/patients/{pid}").text)
    food = page_text(client.get(f"/patients/{pid}/nutrition").text)
    diary = client.get(f"/api/v1/patients/{pid}/food-diary").json()
    progress = next(p for p in diary["summary"]["progress"] if p["nutrient"] == "vitamin_d_iu")
    today = client.get(f"/api/v1/patients/{pid}/dashboard").json()["nutrition_today"]
    return dashboard, food, progress, today


def _tile(text: str, heading: str) -> str:
    return text.split(heading, 1)[1][:160]


def test_vitamin_d_no_logged_food_has_a_value_for_is_unknown(sqlite_world: World) -> None:
    _log(sqlite_world, ROQUEFORT, 60)
    dashboard, food, progress, today = _vitamin_d(sqlite_world)
    assert _tile(dashboard, "Vitamin D today").startswith(" unknown (goal 800 IU)")
    assert _tile(food, "Vitamin D").startswith(" unknown (goal 800 IU)")
    for text in (dashboard, food):
        assert "0 of 800" not in text
        assert "below goal" not in text
    assert (progress["amount"], progress["status"]) == (None, "unknown")
    assert today["vitamin_d_iu"] is None and today["vitamin_d_status"] == "unknown"
    # calcium from the same cheese is known
    assert today["calcium_mg"] == round(0.6 * 662)


def test_partly_unknown_vitamin_d_is_at_least_the_known_amount(sqlite_world: World) -> None:
    _log(sqlite_world, ROQUEFORT, 60)
    _log(sqlite_world, MILK, 244)  # 244 g of milk: 119.56 IU
    dashboard, food, progress, today = _vitamin_d(sqlite_world)
    assert _tile(dashboard, "Vitamin D today").startswith(" at least 120 of 800 IU")
    assert _tile(food, "Vitamin D").startswith(" at least 120 of 800 IU")
    assert progress["status"] == "cannot tell" and progress["amount"] == 119.6
    assert today["vitamin_d_iu"] == 120 and today["vitamin_d_status"] == "cannot tell"
    for text in (dashboard, food):
        assert "below goal" not in text
        assert "may be higher" in text
