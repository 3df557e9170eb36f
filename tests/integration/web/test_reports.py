"""Report downloads: a real PDF for her, the clinician summary only for clinicians, audited."""

from __future__ import annotations

from .conftest import World


def test_patient_downloads_her_pdf_and_not_the_clinician_summary(sqlite_world: World) -> None:
    pid = sqlite_world.patient_a.patient_id
    patient = sqlite_world.actor("patient_a")
    url = f"/api/v1/patients/{pid}/report"
    pdf = patient.client.get(url, params={"fmt": "pdf"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    refused = patient.client.get(url, params={"audience": "clinician", "fmt": "html"})
    assert refused.status_code == 403


def test_linked_clinician_gets_the_summary_and_the_read_is_audited(sqlite_world: World) -> None:
    pid = sqlite_world.patient_a.patient_id
    doctor = sqlite_world.actor("linked_clinician")
    page = doctor.client.get(
        f"/api/v1/patients/{pid}/report", params={"audience": "clinician", "fmt": "html"}
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<html" in page.text.lower()
    trail = sqlite_world.actor("patient_a").client.get(f"/api/v1/patients/{pid}/audit").json()
    assert trail[0]["what"] == "clinician report (html)"
    assert trail[0]["actor_email"] == "dr.lee@example.org"
