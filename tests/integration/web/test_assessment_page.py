"""The assessment page's change table: where no precision is known for a site (the 33% radius)
the least significant change is 'unknown' and no change is called meaningful or not."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from bonewise.clinical.models import PatientRecord
from bonewise.web import create_app

from .conftest import EXAMPLES, World, add_user, example, link, signed_in
from .test_patient_wording import page_text


def test_a_site_without_known_precision_shows_an_unknown_lsc(
    sqlite_store: sessionmaker[Session],
) -> None:
    data = json.loads((EXAMPLES / "lapsed-denosumab.json").read_text())
    for scan, bmd in zip(data["dxa_scans"], (0.700, 0.650), strict=True):
        scan["sites"]["radius_33"] = {"bmd_g_cm2": bmd, "t_score": -1.5}
    record = PatientRecord.parse(data, today=date.today())
    patient = add_user(sqlite_store, email="fay@example.org", role="patient", record=record)
    doctor = add_user(sqlite_store, email="dr.fay@example.org", role="clinician")
    link(sqlite_store, doctor, record.id)
    app = create_app(session_factory=sqlite_store)
    for user in (patient, doctor):
        response = signed_in(app, sqlite_store, user, user.email).client.get(
            f"/patients/{record.id}/assessment"
        )
        assert response.status_code == 200
        text = page_text(response.text)
        row = text.split("33% radius 2020-12-15 2025-01-20")[1][:80].strip()
        assert row.startswith("-7.1% unknown cannot tell"), row
        assert "lumbar spine (L1-L4) 2020-12-15 2025-01-20 +7.7% ±3.0% yes" in text


def test_her_assessment_page_speaks_the_plain_words_of_her_report(sqlite_world: World) -> None:
    from bonewise.clinical.assessment import assess
    from bonewise.render.patient import where_bones_stand

    pid = sqlite_world.patient_a.patient_id
    page = sqlite_world.actor("patient_a").client.get(f"/patients/{pid}/assessment").text
    record = example("osteopenia-with-risk-factors")
    headline, _ = where_bones_stand(assess(record, as_of=date.today()), record)
    text = page_text(page)
    assert " ".join(headline.split(".")[0].split()) in text
    for jargon in ("WHO category", "(version ", "hadji-2017", "rule hadji"):
        assert jargon not in text
    clinician = sqlite_world.actor("linked_clinician").client.get(f"/patients/{pid}/assessment")
    assert "WHO category" in clinician.text and "hadji-2017" in clinician.text
