"""FRAX results and bone-directed therapy entered by her linked clinician in the web app: what
is entered reaches the assessment (the FRAX criterion, the denosumab-lapse check), bad input is
refused with the field named and nothing stored, every write is audited, and the patient reads
these pages without a form and without a drug name or a dose."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from .conftest import World
from .test_patient_wording import DRUG_WORDS, page_text


def _day(days_ago: int) -> str:
    return (date.today() - timedelta(days=days_ago)).isoformat()


def _record(world: World) -> dict[str, Any]:
    pid = world.patient_a.patient_id
    return world.actor("linked_clinician").client.get(f"/api/v1/patients/{pid}").json()  # type: ignore[no-any-return]


def _audit_whats(world: World) -> list[str]:
    pid = world.patient_a.patient_id
    entries = world.actor("patient_a").client.get(f"/api/v1/patients/{pid}/audit").json()
    return [e["what"] for e in entries]


def _form_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


# --- FRAX ----------------------------------------------------------------------------------
def test_clinician_enters_and_replaces_frax_and_the_assessment_uses_it(world: World) -> None:
    pid = world.patient_a.patient_id
    doctor = world.actor("linked_clinician")
    first = {"date": _day(10), "major_osteoporotic_pct": 31.5, "hip_pct": 3.4, "with_bmd": True}
    response = doctor.client.put(
        f"/api/v1/patients/{pid}/frax", json=first, headers=doctor.headers()
    )
    assert response.status_code == 200, response.text
    assert doctor.client.get(f"/api/v1/patients/{pid}/frax").json() == first
    asco = doctor.client.get(f"/api/v1/patients/{pid}/assessment").json()["guidelines"]["asco-2019"]
    assert "FRAX major osteoporotic fracture 31.5% >= 20.0%" in asco["reasons"]
    second = {"date": _day(1), "major_osteoporotic_pct": 9.5, "hip_pct": None, "with_bmd": False}
    response = doctor.client.put(
        f"/api/v1/patients/{pid}/frax", json=second, headers=doctor.headers()
    )
    assert response.status_code == 200, response.text
    assert response.json()["frax"] == second  # replaced; an unknown hip risk stays unknown
    asco = doctor.client.get(f"/api/v1/patients/{pid}/assessment").json()["guidelines"]["asco-2019"]
    assert not any("FRAX major" in r for r in asco["reasons"])
    assert sorted(w for w in _audit_whats(world) if w.startswith("FRAX")) == sorted(
        [f"FRAX result of {first['date']}", f"FRAX result of {second['date']}"]
    )


def test_frax_form_saves_and_empty_percentages_stay_unknown(world: World) -> None:
    pid = world.patient_a.patient_id
    doctor = world.actor("linked_clinician")
    page = doctor.client.get(f"/patients/{pid}/frax")
    assert "never calculates FRAX" in page_text(page.text)
    assert "not validated in women taking aromatase inhibitors" in page_text(page.text)
    form = {"date": _day(5), "major_osteoporotic_pct": "14", "hip_pct": "", "with_bmd": "yes"}
    response = doctor.client.post(
        f"/patients/{pid}/frax", data={**form, "csrf_token": _form_csrf(page.text)}
    )
    assert response.status_code == 303
    assert _record(world)["frax"] == {
        "date": form["date"],
        "major_osteoporotic_pct": 14.0,
        "hip_pct": None,
        "with_bmd": True,
    }


def test_bad_frax_is_refused_with_the_field_named_and_nothing_stored(world: World) -> None:
    pid = world.patient_a.patient_id
    doctor = world.actor("linked_clinician")
    url = f"/api/v1/patients/{pid}/frax"
    stored = _record(world)["frax"]
    assert stored is not None
    over = {"date": _day(1), "major_osteoporotic_pct": 101, "hip_pct": 2.0, "with_bmd": True}
    response = doctor.client.put(url, json=over, headers=doctor.headers())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "major_osteoporotic_pct"]
    future = {"date": _day(-3), "major_osteoporotic_pct": 10, "hip_pct": 2.0, "with_bmd": True}
    response = doctor.client.put(url, json=future, headers=doctor.headers())
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "date"] and "in the future" in detail["msg"]
    page = doctor.client.get(f"/patients/{pid}/frax")
    response = doctor.client.post(
        f"/patients/{pid}/frax",
        data={"date": _day(1), "hip_pct": "250", "csrf_token": _form_csrf(page.text)},
    )
    assert response.status_code == 422
    assert "Nothing was saved" in response.text and "hip_pct" in response.text
    assert 'value="250"' in response.text  # what she typed is kept for correction
    assert _record(world)["frax"] == stored
    assert not [w for w in _audit_whats(world) if w.startswith("FRAX")]


def test_the_patient_reads_her_frax_but_cannot_change_it(world: World) -> None:
    pid = world.patient_a.patient_id
    doctor = world.actor("linked_clinician")
    frax = {"date": _day(3), "major_osteoporotic_pct": 17.0, "hip_pct": 2.5, "with_bmd": True}
    doctor.client.put(f"/api/v1/patients/{pid}/frax", json=frax, headers=doctor.headers())
    her = world.actor("patient_a")
    page = her.client.get(f"/patients/{pid}/frax")
    assert page.status_code == 200
    assert "17.0 %" in page.text and '<form method="post" action="/patients/' not in page.text
    changed = {**frax, "major_osteoporotic_pct": 5.0}
    response = her.client.put(f"/api/v1/patients/{pid}/frax", json=changed, headers=her.headers())
    assert response.status_code == 403
    assert _record(world)["frax"] == frax


# --- bone-directed therapy -----------------------------------------------------------------
def test_doses_entered_by_form_reach_the_denosumab_lapse_check(world: World) -> None:
    pid = world.patient_a.patient_id
    doctor = world.actor("linked_clinician")
    page = doctor.client.get(f"/patients/{pid}/bone-therapy")
    csrf = _form_csrf(page.text)
    response = doctor.client.post(
        f"/patients/{pid}/bone-therapy",
        data={"agent": "denosumab", "start_date": "", "dose_date": _day(400), "csrf_token": csrf},
    )
    assert response.status_code == 303
    response = doctor.client.post(
        f"/patients/{pid}/bone-therapy/doses",
        data={"course": "0", "date": _day(220), "csrf_token": csrf},
    )
    assert response.status_code == 303
    courses = doctor.client.get(f"/api/v1/patients/{pid}/bone-therapy").json()
    assert courses == [
        {
            "agent": "denosumab",
            "dose_mg": None,
            "doses": [_day(400), _day(220)],
            "start_date": None,
            "end_date": None,
        }
    ]
    monitoring = doctor.client.get(f"/api/v1/patients/{pid}/assessment").json()["monitoring"]
    assert "denosumab-dose" in monitoring["overdue"]  # last dose > 6 months ago, none since
    response = doctor.client.post(
        f"/patients/{pid}/bone-therapy/doses",
        data={"course": "0", "date": _day(10), "csrf_token": csrf},
    )
    assert response.status_code == 303
    monitoring = doctor.client.get(f"/api/v1/patients/{pid}/assessment").json()["monitoring"]
    assert "denosumab-dose" not in monitoring["overdue"]
    response = doctor.client.post(
        f"/patients/{pid}/bone-therapy/end",
        data={"course": "0", "end_date": _day(2), "csrf_token": csrf},
    )
    assert response.status_code == 303
    assert doctor.client.get(f"/api/v1/patients/{pid}/bone-therapy").json()[0]["end_date"] == _day(
        2
    )
    whats = [w for w in _audit_whats(world) if "bone-directed" in w]
    assert len(whats) == 4


def test_api_starts_a_course_adds_a_dose_and_ends_it(world: World) -> None:
    pid = world.patient_a.patient_id
    doctor = world.actor("linked_clinician")
    base = f"/api/v1/patients/{pid}/bone-therapy"
    started = doctor.client.post(
        base, json={"agent": "alendronate", "start_date": _day(90)}, headers=doctor.headers()
    )
    assert started.status_code == 201, started.text
    dose = doctor.client.post(f"{base}/0/doses", json={"date": _day(60)}, headers=doctor.headers())
    assert dose.status_code == 201, dose.text
    ended = doctor.client.post(
        f"{base}/0/end", json={"end_date": _day(30)}, headers=doctor.headers()
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["bone_therapy"] == [
        {
            "agent": "alendronate",
            "dose_mg": None,
            "doses": [_day(60)],
            "start_date": _day(90),
            "end_date": _day(30),
        }
    ]


def test_bad_bone_therapy_input_is_refused_and_nothing_is_stored(world: World) -> None:
    pid = world.patient_a.patient_id
    doctor = world.actor("linked_clinician")
    base = f"/api/v1/patients/{pid}/bone-therapy"
    doctor.client.post(
        base, json={"agent": "denosumab", "doses": [_day(100)]}, headers=doctor.headers()
    )
    stored = _record(world)["bone_therapy"]
    h = doctor.headers()

    def refused(response: Any, field: str, words: str) -> None:
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert any(d["loc"][-1] == field and words in d["msg"] for d in detail), detail

    refused(
        doctor.client.post(base, json={"agent": "romosozumab", "start_date": _day(1)}, headers=h),
        "agent",
        "denosumab",
    )
    refused(
        doctor.client.post(base, json={"agent": "ibandronate", "start_date": _day(-2)}, headers=h),
        "start_date",
        "in the future",
    )
    refused(
        doctor.client.post(base, json={"agent": "ibandronate"}, headers=h), "body", "start_date"
    )
    refused(
        doctor.client.post(f"{base}/0/doses", json={"date": _day(-1)}, headers=h),
        "date",
        "in the future",
    )
    refused(
        doctor.client.post(f"{base}/0/doses", json={"date": _day(100)}, headers=h),
        "date",
        "already recorded",
    )
    refused(
        doctor.client.post(f"{base}/5/doses", json={"date": _day(1)}, headers=h),
        "course",
        "no course 5",
    )
    refused(
        doctor.client.post(f"{base}/0/end", json={"end_date": _day(200)}, headers=h),
        "end_date",
        "before the course's last date",
    )
    refused(
        doctor.client.post(
            base,
            json={"agent": "risedronate", "doses": [_day(20)], "end_date": _day(30)},
            headers=h,
        ),
        "end_date",
        "before the course's last date",
    )
    assert _record(world)["bone_therapy"] == stored
    doctor.client.post(f"{base}/0/end", json={"end_date": _day(50)}, headers=h)
    refused(
        doctor.client.post(f"{base}/0/doses", json={"date": _day(10)}, headers=h),
        "date",
        "after the course ended",
    )
    refused(
        doctor.client.post(f"{base}/0/end", json={"end_date": _day(5)}, headers=h),
        "end_date",
        "already ended",
    )
    assert _record(world)["bone_therapy"] == [{**stored[0], "end_date": _day(50)}]


def test_bad_form_input_is_shown_beside_its_form(world: World) -> None:
    pid = world.patient_a.patient_id
    doctor = world.actor("linked_clinician")
    page = doctor.client.get(f"/patients/{pid}/bone-therapy")
    csrf = _form_csrf(page.text)
    response = doctor.client.post(
        f"/patients/{pid}/bone-therapy",
        data={"agent": "denosumab", "dose_date": _day(-4), "csrf_token": csrf},
    )
    assert response.status_code == 422
    assert "Nothing was saved" in response.text and "in the future" in response.text
    assert 'id="err-dose_date"' in response.text
    assert _record(world)["bone_therapy"] == []


def test_the_patient_sees_her_treatment_dates_without_drug_names_or_doses(world: World) -> None:
    pid = world.patient_a.patient_id
    doctor = world.actor("linked_clinician")
    doctor.client.post(
        f"/api/v1/patients/{pid}/bone-therapy",
        json={"agent": "zoledronic_acid", "doses": [_day(40)]},
        headers=doctor.headers(),
    )
    theirs = page_text(doctor.client.get(f"/patients/{pid}/bone-therapy").text)
    assert "Zoledronic acid" in theirs
    her = world.actor("patient_a")
    for path in ("/bone-therapy", "/frax"):
        response = her.client.get(f"/patients/{pid}{path}")
        assert response.status_code == 200
        text = page_text(response.text)
        assert not DRUG_WORDS.search(text), DRUG_WORDS.findall(text)
        assert 'action="/patients/' not in response.text.split("</header>", 1)[1]
    assert _day(40) in page_text(her.client.get(f"/patients/{pid}/bone-therapy").text)
    response = her.client.post(
        f"/api/v1/patients/{pid}/bone-therapy/0/doses",
        json={"date": _day(1)},
        headers=her.headers(),
    )
    assert response.status_code == 403
    assert len(_record(world)["bone_therapy"][0]["doses"]) == 1


def test_the_clinician_patient_view_links_the_new_pages(world: World) -> None:
    pid = world.patient_a.patient_id
    html = world.actor("linked_clinician").client.get(f"/patients/{pid}").text
    assert f'href="/patients/{pid}/frax"' in html
    assert f'href="/patients/{pid}/bone-therapy"' in html
