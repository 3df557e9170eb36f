"""Issue 13: what an EHR import assumed is kept on the saved record and shown wherever the
decision is: the Assessment, the clinician and patient PDFs, the web page and the CDS card."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bonewise.cli import app
from bonewise.clinical.assessment import assess
from bonewise.fhir.export import export_bundle
from bonewise.fhir.importer import import_fhir

ROOT = Path(__file__).resolve().parents[3]
SYNTHEA = ROOT / "tests" / "data" / "ehr" / "synthea-arimidex.json"
TODAY = date(2026, 12, 1)
runner = CliRunner()


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def test_saved_import_keeps_its_assumptions_and_the_reports_show_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BONEWISE_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    saved = runner.invoke(app, ["fhir", "import", str(SYNTHEA), "--save", "--json"])
    assert saved.exit_code == 0, saved.output
    pid = json.loads(saved.stdout)["record"]["id"]
    shown = runner.invoke(app, ["patient", "show", pid])
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)
    metastases = record["risk_factors"]["provenance"]["bone_metastases"]
    assert metastases["source"] == "ehr-import"
    assert metastases["basis"] == "absent-from-record"
    assert "Bone metastases: none on the problem list" in {
        a["statement"] for a in record["assumptions"]
    }

    as_of = ["--as-of", TODAY.isoformat()]
    clinician = tmp_path / "clinician.pdf"
    made = runner.invoke(
        app, ["report", "--patient", pid, "--audience", "clinician", "-o", str(clinician), *as_of]
    )
    assert made.exit_code == 0, made.output
    text = _pdf_text(clinician)
    assert "Bone metastases: none on the problem list - please confirm" in text
    assert "Rheumatoid arthritis: not on the problem list" in text
    assert "(asked)" not in text  # nobody was asked: the EHR's lists were read

    patient = tmp_path / "patient.pdf"
    made = runner.invoke(app, ["report", "--patient", pid, "-o", str(patient), *as_of])
    assert made.exit_code == 0, made.output
    text = _pdf_text(patient)
    assert "Your hospital record did not say these things" in text
    assert "Bone metastases: none on the problem list" in text


def test_a_report_straight_from_the_bundle_lists_the_assumptions(tmp_path: Path) -> None:
    out = tmp_path / "clinician.html"
    made = runner.invoke(
        app,
        [
            "report",
            str(SYNTHEA),
            "--audience",
            "clinician",
            "-o",
            str(out),
            "--as-of",
            TODAY.isoformat(),
        ],
    )
    assert made.exit_code == 0, made.output
    html = out.read_text(encoding="utf-8")
    assert "Bone metastases: none on the problem list - please confirm" in html
    assert "(asked)" not in html


def test_the_assessment_carries_the_assumptions_still_in_force() -> None:
    record = import_fhir(SYNTHEA.read_text(), today=TODAY).record
    lines = [a.line for a in assess(record, as_of=TODAY).assumptions]
    assert "Bone metastases: none on the problem list - please confirm" in lines
    answers = {f.name: f for f in assess(record, as_of=TODAY).risk_factors}
    assert answers["bone_metastases"].words == "no (assumed: not on the EHR's lists)"
    # a clinician's answer ends the assumption
    data = record.model_dump(mode="json")
    data["risk_factors"]["provenance"]["bone_metastases"] = {"source": "clinician"}
    corrected = type(record).parse(data, today=TODAY)
    after = assess(corrected, as_of=TODAY)
    assert not [a for a in after.assumptions if a.field == "risk_factors.bone_metastases"]
    assert {f.name: f for f in after.risk_factors}["bone_metastases"].words == "no (asked)"
    # and the assumptions survive a bonewise export and import
    again = import_fhir(json.dumps(export_bundle(record)), today=TODAY).record
    assert again == record
