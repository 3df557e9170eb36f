"""Issue 13: a saved EHR import's assumptions are listed on the clinician's assessment page, and
an assumed "no" never reads "(asked)"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bonewise.fhir.importer import load_fhir_file
from bonewise.web import create_app

from .conftest import add_user, link, signed_in
from .test_patient_wording import page_text

SYNTHEA = Path(__file__).resolve().parents[3] / "tests" / "data" / "ehr" / "synthea-arimidex.json"


def test_the_assessment_page_lists_what_the_ehr_import_assumed(
    sqlite_store: sessionmaker[Session],
) -> None:
    record = load_fhir_file(SYNTHEA, today=date.today()).record
    add_user(sqlite_store, email="ehr@example.org", role="patient", record=record)
    doctor = add_user(sqlite_store, email="dr.ehr@example.org", role="clinician")
    link(sqlite_store, doctor, record.id)
    app = create_app(session_factory=sqlite_store)
    response = signed_in(app, sqlite_store, doctor, doctor.email).client.get(
        f"/patients/{record.id}/assessment"
    )
    assert response.status_code == 200
    text = page_text(response.text)
    assert "Assumed from the EHR record" in text
    assert "Bone metastases: none on the problem list - please confirm" in text
    assert "bone metastases no (assumed: not on the EHR's lists)" in text
    assert "(asked)" not in text
