"""`bonewise fhir import/export` and Bundles accepted wherever a patient file is."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bonewise.cli import app
from bonewise.fhir.importer import import_fhir
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork, open_store

ROOT = Path(__file__).resolve().parents[3]
FHIR_DATA = ROOT / "tests" / "data" / "fhir"
EXAMPLES = ROOT / "examples" / "patients"
runner = CliRunner()


def test_import_prints_the_record_and_the_report() -> None:
    result = runner.invoke(app, ["fhir", "import", str(FHIR_DATA / "messy-letrozole.json")])
    assert result.exit_code == 0, result.output
    assert '"agent": "letrozole"' in result.output
    assert "rejected: Observation/" in result.output
    assert "missing-unit:" in result.output
    assert "unknown-code:" in result.output


def test_import_json_has_record_and_report() -> None:
    result = runner.invoke(
        app, ["fhir", "import", str(FHIR_DATA / "exemestane-denosumab.ndjson"), "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["record"]["therapy"]["agent"] == "exemestane"
    assert body["report"]["format"] == "NDJSON"
    assert body["report"]["counts"]["rejected"] == 1
    assert body["saved"] is False


def test_import_save_stores_the_record(store_url: str) -> None:
    path = FHIR_DATA / "synthea-anastrozole-osteopenia.json"
    result = runner.invoke(app, ["fhir", "import", str(path), "--save"])
    assert result.exit_code == 0, result.output
    expected = import_fhir(path.read_text(), today=__import__("datetime").date.today()).record
    with UnitOfWork(open_store(store_url)) as uow:
        assert PatientRepository(uow.session).get_or_raise(expected.id) == expected


def test_a_bad_bundle_exits_2_and_stores_nothing(store_url: str) -> None:
    result = runner.invoke(app, ["fhir", "import", str(FHIR_DATA / "two-patients.json"), "--save"])
    assert result.exit_code == 2
    assert "2 Patient resources" in result.stderr
    with UnitOfWork(open_store(store_url)) as uow:
        assert PatientRepository(uow.session).ids() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fhir", "import", "no/such/file.json"], "no such file"),
        (["fhir", "import", str(EXAMPLES / "normal.json")], "not FHIR"),
        (
            [
                "fhir",
                "import",
                str(FHIR_DATA / "messy-letrozole.json"),
                "--menopausal-status",
                "late",
            ],
            "is not one of premenopausal",
        ),
    ],
)
def test_invalid_input_names_the_problem(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_export_writes_a_bundle_that_imports_back(tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    source = EXAMPLES / "lapsed-denosumab.json"
    result = runner.invoke(
        app, ["fhir", "export", str(source), "-o", str(out), "--as-of", "2026-11-27"]
    )
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text())
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {
        "Patient",
        "RiskAssessment",
        "CarePlan",
        "Provenance",
        "MedicationAdministration",
    } <= kinds
    original = json.loads(source.read_text())
    back = import_fhir(bundle, today=__import__("datetime").date(2026, 11, 27)).record
    assert back.id == original["id"]
    assert [d.isoformat() for d in back.bone_therapy[0].doses] == original["bone_therapy"][0][
        "doses"
    ]


def test_export_accepts_a_bundle_as_the_patient(tmp_path: Path) -> None:
    out = tmp_path / "again.json"
    result = runner.invoke(
        app,
        ["fhir", "export", str(FHIR_DATA / "synthea-anastrozole-osteopenia.json"), "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["resourceType"] == "Bundle"


def test_export_to_a_missing_folder_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "bundle.json"
    result = runner.invoke(app, ["fhir", "export", str(EXAMPLES / "normal.json"), "-o", str(out)])
    assert result.exit_code == 2
    assert not out.exists()


def test_assess_takes_a_bundle_as_the_patient_file() -> None:
    bundle = FHIR_DATA / "synthea-anastrozole-osteopenia.json"
    result = runner.invoke(app, ["assess", str(bundle), "--json", "--as-of", "2026-11-27"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["who_category"] == "osteopenia"
    assert body["lowest_t_score"]["value"] == -1.8
    bad = runner.invoke(app, ["assess", str(FHIR_DATA / "two-patients.json")])
    assert bad.exit_code == 2
    assert "FHIR Bundle" in bad.stderr


def test_menopausal_status_option_overrides_and_reports_the_conflict() -> None:
    path = FHIR_DATA / "synthea-anastrozole-osteopenia.json"
    result = runner.invoke(
        app, ["fhir", "import", str(path), "--json", "--menopausal-status", "perimenopausal"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["record"]["patient"]["menopausal_status"] == "perimenopausal"
    assert body["report"]["counts"]["conflict"] == 1


def test_export_to_stdout_without_assessment_holds_only_the_record() -> None:
    result = runner.invoke(
        app, ["fhir", "export", str(EXAMPLES / "normal.json"), "-o", "-", "--without-assessment"]
    )
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.stdout)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert "Patient" in kinds
    assert not kinds & {"RiskAssessment", "CarePlan", "Provenance"}


def test_export_a_stored_patient_and_read_it_back(store_url: str, tmp_path: Path) -> None:
    saved = runner.invoke(app, ["patient", "add", str(EXAMPLES / "osteoporosis.json")])
    assert saved.exit_code == 0, saved.output
    record_id = json.loads((EXAMPLES / "osteoporosis.json").read_text())["id"]
    out = tmp_path / "bundle.json"
    result = runner.invoke(app, ["fhir", "export", "--patient", record_id, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with UnitOfWork(open_store(store_url)) as uow:
        stored = PatientRepository(uow.session).get_or_raise(record_id)
    today = __import__("datetime").date.today()
    back = import_fhir(out.read_text(), today=today).record
    assert back.model_dump() == stored.model_dump()


def test_export_needs_exactly_one_source(store_url: str, tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    neither = runner.invoke(app, ["fhir", "export", "-o", str(out)])
    assert neither.exit_code == 2 and "one of them" in neither.stderr
    missing = runner.invoke(app, ["fhir", "export", "--patient", "nobody", "-o", str(out)])
    assert missing.exit_code == 2 and "nobody" in missing.stderr
    assert not out.exists()


@pytest.mark.parametrize("command", [["assess", "--json"], ["exercise", "plan", "--json"]])
def test_commands_that_take_a_patient_file_read_fhir_ndjson_like_fhir_import(
    command: list[str],
) -> None:
    """The NDJSON file has a malformed line; `fhir import` reports it and goes on, so do these."""
    path = FHIR_DATA / "exemestane-denosumab.ndjson"
    imported = import_fhir(path.read_text(encoding="utf-8"), today=date.today()).record
    result = runner.invoke(app, [*command, str(path)])
    assert result.exit_code == 0, result.output
    assert imported.id in result.output


def test_a_file_that_is_neither_json_nor_fhir_ndjson_says_where(tmp_path: Path) -> None:
    path = tmp_path / "notes.ndjson"
    path.write_text('not json\n{"resourceType": "Patient"}\n', encoding="utf-8")
    result = runner.invoke(app, ["assess", str(path)])
    assert result.exit_code != 0
    assert "not valid JSON at line 1" in result.output
