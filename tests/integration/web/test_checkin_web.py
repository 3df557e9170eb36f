"""The weekly check-in on the web: the form (bounded, plain-word errors, keeps what she typed),
the API (strict JSON), her dashboard's trend and the clinician panel's flag."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from .conftest import World


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_bad_answer_is_named_in_her_words_and_keeps_what_she_typed(
    sqlite_world: World,
) -> None:
    ann = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    response = ann.client.post(
        f"/patients/{pid}/checkin",
        data={
            "csrf_token": ann.csrf,
            "worst_pain": "14",
            "stiffness": "30_to_60",
            "missed_ai_days": "2",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert "Worst joint pain: 14 is outside the scale" in _text(page)
    assert 'value="14"' in page and 'value="2"' in page
    assert re.search(r'value="30_to_60" checked', page)
    api = ann.client.get(f"/api/v1/patients/{pid}/checkins").json()
    assert all(w["checkin"] is None for w in api["weeks"])  # nothing was saved


def test_a_week_of_check_ins_shows_on_her_dashboard_and_flags_on_the_panel(
    sqlite_world: World,
) -> None:
    ann = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    today = date.today()
    for weeks_ago, pain in ((1, 7), (0, 8)):
        response = ann.client.post(
            f"/api/v1/patients/{pid}/checkins",
            json={
                "answered_on": (today - timedelta(weeks=weeks_ago)).isoformat(),
                "worst_pain": pain,
                "stiffness": "over_60",
                "missed_ai_days": 0,
            },
            headers=ann.headers(),
        )
        assert response.status_code == 201, response.text
    board = _text(ann.client.get(f"/patients/{pid}").text)
    assert "Joint pain and your aromatase inhibitor, week by week" in board and "8/10" in board
    assert "Please tell your care team" in board
    lee = sqlite_world.actor("linked_clinician")
    report = f"/api/v1/patients/{pid}/report"
    mine = _text(ann.client.get(report, params={"fmt": "html"}).text)
    assert (
        "Your joint pain and your aromatase inhibitor" in mine
        and "Please tell your care team" in mine
    )
    theirs = _text(lee.client.get(report, params={"audience": "clinician", "fmt": "html"}).text)
    assert "Weekly check-ins" in theirs and "Rule checkin-persistent-joint-pain" in theirs
    panel = lee.client.get("/api/v1/clinician/panel").json()
    (row,) = [r for r in panel if r["patient_id"] == pid]
    assert [f["rule_id"] for f in row["checkin_flags"]] == ["checkin-persistent-joint-pain"]
    assert "Persistent joint pain" in _text(lee.client.get("/clinician").text)


def test_the_api_refuses_what_its_schema_forbids_and_a_clinician_cannot_answer_for_her(
    sqlite_world: World,
) -> None:
    ann = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    bad = {"worst_pain": "5", "stiffness": "none"}  # a string for a number
    response = ann.client.post(f"/api/v1/patients/{pid}/checkins", json=bad, headers=ann.headers())
    assert response.status_code == 422
    lee = sqlite_world.actor("linked_clinician")
    response = lee.client.post(
        f"/api/v1/patients/{pid}/checkins",
        json={"worst_pain": 5, "stiffness": "none"},
        headers=lee.headers(),
    )
    assert response.status_code == 403
    bea = sqlite_world.actor("patient_b")
    assert bea.client.get(f"/api/v1/patients/{pid}/checkins").status_code == 403
