"""Her data in her hands: JSON, a FHIR Bundle and CSV from one page and the API, each parsed
back and compared with what she entered."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

from fhir.resources.R4B.bundle import Bundle

from bonewise.fhir.importer import import_fhir
from bonewise.terminology import codes

from .conftest import World


def _fill(world: World) -> str:
    ann = world.actor("patient_a")
    pid = world.patient_a.patient_id
    assert pid is not None
    today = date.today()
    posts = [
        ("food-diary", {"ndb_no": "01079", "meal": "breakfast", "quantity": 1, "measure": "1"}),
        ("exercise", {"exercise_id": "brisk-walking", "minutes": 35, "pain": 2}),
        (
            "checkins",
            {
                "answered_on": (today - timedelta(weeks=1)).isoformat(),
                "worst_pain": 6,
                "stiffness": "30_to_60",
                "missed_ai_days": None,
            },
        ),
        ("checkins", {"worst_pain": 3, "stiffness": "none", "missed_ai_days": 1}),
    ]
    for path, body in posts:
        response = ann.client.post(
            f"/api/v1/patients/{pid}/{path}", json=body, headers=ann.headers()
        )
        assert response.status_code == 201, response.text
    return pid


def test_json_fhir_and_csv_carry_everything_she_entered(sqlite_world: World) -> None:
    pid = _fill(sqlite_world)
    ann = sqlite_world.actor("patient_a")
    page = ann.client.get(f"/patients/{pid}/export").text
    for link in ("export?fmt=json", "export?fmt=fhir", "diary.csv", "exercise.csv", "checkins.csv"):
        assert link in page

    response = ann.client.get(f"/api/v1/patients/{pid}/export", params={"fmt": "json"})
    assert "attachment" in response.headers["content-disposition"]
    data = json.loads(response.content)
    entered, computed = data["entered"], data["computed"]
    assert data["format"] == "bonewise-export" and entered["record"]["id"] == pid
    assert entered["account"]["email"] == "ann@example.org"
    assert [e["ndb_no"] for e in entered["diary"]] == ["01079"]
    assert [s["minutes"] for s in entered["exercise"]] == [35]
    assert [c["worst_pain"] for c in entered["checkins"]] == [6, 3]
    assert entered["checkins"][0]["missed_ai_days"] is None  # unknown stays unknown
    assert computed["diary_days"][0]["nutrients"]["calcium_mg"]["known"] > 0
    assert computed["exercise_weeks"][0]["aerobic"]["minutes"] == 35
    assert computed["checkin_trend"]["weeks"][-1]["checkin"]["worst_pain"] == 3
    assert "who_category" in computed["assessment"]

    fhir = ann.client.get(f"/api/v1/patients/{pid}/export", params={"fmt": "fhir"})
    bundle = json.loads(fhir.content)
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    # Her copy: no CarePlan of recommendations for her team to review.
    assert not [r for r in resources if r["resourceType"] in ("CarePlan", "RiskAssessment")]
    checkin_code = codes.LOCAL_CODES["weekly-checkin"].code
    checkins = [
        r
        for r in resources
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == checkin_code
    ]
    assert sorted(c["component"][0]["valueInteger"] for c in checkins) == [3, 6]
    assert any("dataAbsentReason" in c["component"][2] for c in checkins)
    back = import_fhir(bundle, today=date.today()).record
    assert back.patient.birth_date.isoformat() == entered["record"]["patient"]["birth_date"]

    def table(kind: str) -> list[dict[str, str]]:
        got = ann.client.get(f"/api/v1/patients/{pid}/export/{kind}.csv")
        assert got.headers["content-type"].startswith("text/csv")
        return list(csv.DictReader(io.StringIO(got.text)))

    (food,) = table("diary")
    assert food["ndb_no"] == "01079" and float(food["calcium_mg"]) > 0
    (session,) = table("exercise")
    assert session["exercise_id"] == "brisk-walking" and session["minutes"] == "35"
    assert [(c["worst_pain"], c["missed_ai_days"]) for c in table("checkins")] == [
        ("6", ""),
        ("3", "1"),
    ]


def test_her_clinician_gets_the_assessment_and_strangers_get_nothing(sqlite_world: World) -> None:
    pid = _fill(sqlite_world)
    lee = sqlite_world.actor("linked_clinician")
    bundle = lee.client.get(f"/api/v1/patients/{pid}/export", params={"fmt": "fhir"}).json()
    assert any(e["resource"]["resourceType"] == "CarePlan" for e in bundle["entry"])
    trail = sqlite_world.actor("patient_a").client.get(f"/api/v1/patients/{pid}/audit").json()
    assert trail[0]["what"] == "export of her data"
    bea = sqlite_world.actor("patient_b")
    assert bea.client.get(f"/api/v1/patients/{pid}/export").status_code == 403
    assert bea.client.get(f"/api/v1/patients/{pid}/export/diary.csv").status_code == 403
    assert bea.client.get(f"/patients/{pid}/export").status_code == 403
