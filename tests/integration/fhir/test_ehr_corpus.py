"""EHR-shaped bundles (tests/data/ehr): each imports, assesses, plans exercise and returns cards,
with every assumption listed. Nothing in them is recorded as absent, as in a real chart."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient
from tests.integration.fhir.test_cds_hooks_api import _prefetch_from_bundle
from typer.testing import CliRunner

from bonewise.cli import app
from bonewise.clinical.assessment import assess
from bonewise.fhir.export import export_bundle
from bonewise.fhir.importer import import_fhir
from bonewise.web.routers import cds_services as web_cds
from bonewise.web.routers import smart_launch

ROOT = Path(__file__).resolve().parents[3]
EHR = ROOT / "tests" / "data" / "ehr"
BUNDLES = sorted(EHR.glob("*.json"))
TODAY = date(2026, 11, 27)
runner = CliRunner()


def _bundle(name: str) -> dict[str, Any]:
    return json.loads((EHR / f"{name}.json").read_text())


def _import(name: str) -> Any:
    return import_fhir(_bundle(name), today=TODAY, source_name=name)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("BONEWISE_CDS_ALLOW_UNAUTHENTICATED", "1")
    monkeypatch.setenv(web_cds.PUBLIC_URL_ENV, "https://bonewise.hospital.example")
    monkeypatch.setenv(smart_launch.CLIENT_ID_ENV, "bonewise")  # SMART launch set up
    monkeypatch.setenv(smart_launch.ISSUERS_ENV, "https://ehr.hospital.example/fhir")
    api = FastAPI()
    api.include_router(web_cds.router)
    api.dependency_overrides[web_cds.today] = lambda: TODAY
    return TestClient(api)


def _cards(client: TestClient, bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    prefetch = _prefetch_from_bundle(bundle)
    response = client.post(
        "/cds-services/bonewise-patient-view",
        json={
            "hook": "patient-view",
            "hookInstance": "3f1a2b9c-0000-4000-8000-000000000001",
            "context": {"userId": "Practitioner/1", "patientId": prefetch["patient"]["id"]},
            "prefetch": prefetch,
        },
    )
    assert response.status_code == 200, response.text
    return {c["source"]["topic"]["code"]: c for c in response.json()["cards"]}


def test_the_corpus_is_ehr_shaped() -> None:
    assert len(BUNDLES) >= 6
    text = " ".join(path.read_text() for path in BUNDLES)
    assert "urn:bonewise" not in text  # nothing bonewise-specific, no recorded negatives
    assert "entered-in-error" in text and "icd-10-cm" in text and "262485" in text


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_each_bundle_assesses_plans_exercise_and_returns_cards(
    path: Path, client: TestClient, tmp_path: Path
) -> None:
    result = import_fhir(path.read_text(), today=TODAY)
    assert result.report.assumptions, "every EHR record is read with stated assumptions"
    fields = {a.field for a in result.report.assumptions}
    assert "patient.menopausal_status" in fields  # none of them records it
    assessment = assess(result.record, as_of=TODAY)
    assert assessment.guidelines
    plan = runner.invoke(
        app, ["exercise", "plan", str(path), "--json", "--as-of", TODAY.isoformat()]
    )
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.stdout)["patient_id"] == result.record.id
    cards = _cards(client, json.loads(path.read_text()))
    assert "assumptions" in cards and "cannot-assess" not in cards
    for a in result.report.assumptions:
        assert a.statement in cards["assumptions"]["detail"]
    text = runner.invoke(app, ["assess", str(path), "--as-of", TODAY.isoformat()])
    assert text.exit_code == 0, text.output
    assert "Assumed: Menopausal status not recorded" in text.stdout


def test_synthea_arimidex_entered_in_error_metastases_are_not_read() -> None:
    result = _import("synthea-arimidex")
    assert result.record.therapy is not None and result.record.therapy.agent == "anastrozole"
    assert result.record.therapy.start_date == date(2024, 3, 1)  # "2024-03": first of the month
    assert result.record.risk_factors.bone_metastases is False
    assert result.record.patient.menopausal_status == "postmenopausal"


def test_femara_vertebral_fracture_and_prednisone_by_ingredient() -> None:
    record = _import("femara-vertebral-fracture").record
    assert [(f.date, f.vertebral) for f in record.fractures] == [(date(2025, 6, 1), True)]
    assert record.risk_factors.oral_glucocorticoids_over_6_months is True
    assert [s.sites["lumbar_spine"].t_score for s in record.dxa_scans] == [-2.3]


def test_goserelin_by_name_means_ovarian_suppression() -> None:
    result = _import("aromasin-goserelin")
    assert result.record.patient.menopausal_status == "premenopausal"
    assert result.record.therapy is not None and result.record.therapy.ovarian_suppression
    assert result.report.of_kind("matched-by-name")


def test_icd10cm_bone_metastases_route_to_the_clinician(client: TestClient) -> None:
    record = _import("letrozole-bone-metastases").record
    assert record.risk_factors.bone_metastases is True
    cards = _cards(client, _bundle("letrozole-bone-metastases"))
    assert "route-to-clinician" in cards and "confirm-metastases" not in cards


def test_mcode_m0_and_a_denosumab_lapse(client: TestClient) -> None:
    result = _import("anastrozole-m0-denosumab")
    assert result.record.risk_factors.bone_metastases is False
    staged = [a for a in result.report.assumptions if a.field == "risk_factors.bone_metastases"]
    assert staged[0].basis == "inferred" and not staged[0].confirm
    assert [t.doses for t in result.record.bone_therapy] == [[date(2025, 8, 4), date(2026, 2, 2)]]
    cards = _cards(client, _bundle("anastrozole-m0-denosumab"))
    assert cards["denosumab-lapse"]["indicator"] == "critical"
    assert cards["denosumab-lapse"]["suggestions"]
    assert "confirm-metastases" not in cards


def test_oophorectomy_and_a_recent_hip_fracture(client: TestClient) -> None:
    record = _import("oophorectomy-hip-fracture").record
    assert record.patient.menopausal_status == "postmenopausal"
    assert record.risk_factors.oral_glucocorticoids_over_6_months is False  # a short course
    cards = _cards(client, _bundle("oophorectomy-hip-fracture"))
    assert cards["new-fracture"]["indicator"] == "critical"
    confirm = cards["confirm-metastases"]
    assert confirm["indicator"] == "info"
    smart = [link for link in confirm["links"] if link["type"] == "smart"]
    assert smart and json.loads(smart[0]["appContext"])["record"] == "bone_metastases"
    assert smart[0]["url"] == "https://bonewise.hospital.example/smart/launch"  # bonewise's own


def test_only_metastases_or_a_recent_fracture_block_the_exercise_plan() -> None:
    blocked = set()
    for path in BUNDLES:
        plan = runner.invoke(
            app, ["exercise", "plan", str(path), "--json", "--as-of", TODAY.isoformat()]
        )
        if json.loads(plan.stdout)["blocked"]:
            blocked.add(path.stem)
    assert blocked <= {"letrozole-bone-metastases", "oophorectomy-hip-fracture"}
    assert "letrozole-bone-metastases" in blocked


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_an_ehr_record_exported_and_imported_again_keeps_its_decisions(path: Path) -> None:
    record = import_fhir(path.read_text(), today=TODAY).record
    exported = json.dumps(export_bundle(record, assess(record, as_of=TODAY)))
    again = import_fhir(exported, today=TODAY)
    assert again.record == record
    assert assess(again.record, as_of=TODAY).to_json() == assess(record, as_of=TODAY).to_json()
    # bonewise's own export states each fact, so nothing is assumed the second time round
    assert not [a for a in again.report.assumptions if a.basis == "absent-from-record"]
