"""Report downloads: a real PDF for her, the clinician summary only for clinicians, audited."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from .conftest import World, example


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


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_both_reports_carry_her_banner_on_every_page(
    sqlite_world: World, tmp_path: Path, audience: str
) -> None:
    """Name, date of birth, age and record number, at the top and in every page's footer."""
    pid = sqlite_world.patient_a.patient_id
    assert pid is not None
    who = "linked_clinician" if audience == "clinician" else "patient_a"
    pdf = sqlite_world.actor(who).client.get(
        f"/api/v1/patients/{pid}/report", params={"audience": audience, "fmt": "pdf"}
    )
    assert pdf.status_code == 200
    text = _pdf_text(pdf.content, tmp_path)
    record = example("osteopenia-with-risk-factors")
    born = record.patient.birth_date.isoformat()
    age = record.patient.age_on(date.today())
    assert f"Patient Ann Example Born {born} Age {age} Record {pid}" in text
    pages = len(re.findall(r"page \d+ of \d+", text))
    assert pages >= 1
    assert text.count(f"Ann Example · born {born} ({age}) · record {pid}") == pages
