"""The assessment page's change table: where no precision is known for a site (the 33% radius)
the least significant change is 'unknown' and no change is called meaningful or not."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from bonewise.clinical.models import PatientRecord
from bonewise.web import create_app

from .conftest import EXAMPLES, add_user, link, signed_in
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
