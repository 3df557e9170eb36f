"""CDS Hooks 2.0 over HTTP: discovery and cards validated against a JSON schema of the 2.0 shapes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bonewise.clinical.assessment import assess
from bonewise.fhir.export import export_bundle
from bonewise.importers.patient_file import load_patient_file
from bonewise.web.routers import cds_services as web_cds

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FHIR_DATA = ROOT / "tests" / "data" / "fhir"
EXAMPLES = ROOT / "examples" / "patients"
TODAY = date(2026, 11, 27)
_SCHEMA = json.loads((HERE / "cds-hooks-2.0.schema.json").read_text())


def _validator(definition: str) -> Any:
    return jsonschema_rs.validator_for(
        {**_SCHEMA, "$ref": f"#/$defs/{definition}"}, validate_formats=True
    )


DISCOVERY = _validator("discovery")
RESPONSE = _validator("response")


def _valid(validator: Any, body: Any) -> None:
    errors = [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, errors


PUBLIC = "https://bonewise.hospital.example"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch, cds_store: sessionmaker[Session]) -> TestClient:
    # Local development mode: no CDS client JWT (test_cds_security.py tests the JWT path).
    monkeypatch.setenv("BONEWISE_CDS_ALLOW_UNAUTHENTICATED", "1")
    monkeypatch.setenv(web_cds.PUBLIC_URL_ENV, PUBLIC)
    app = FastAPI()
    app.state.session_factory = cds_store
    app.include_router(web_cds.router)
    app.dependency_overrides[web_cds.today] = lambda: TODAY
    return TestClient(app)


def _searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def _prefetch_from_bundle(bundle: dict[str, Any]) -> dict[str, Any]:
    """Split a Bundle into the prefetch keys an EHR would fill from the discovery templates."""
    resources = [e["resource"] for e in bundle["entry"]]
    # Prefetched resources reference the patient by its server id.
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    text = json.dumps(resources)
    for entry in bundle["entry"]:
        if entry["resource"] is patient and entry.get("fullUrl"):
            text = text.replace(entry["fullUrl"], f"Patient/{patient['id']}")
    resources = json.loads(text)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(r)
    prefetch: dict[str, Any] = {"patient": by_type["Patient"][0]}
    for key, kind in (
        ("observations", "Observation"),
        ("conditions", "Condition"),
        ("medicationStatements", "MedicationStatement"),
        ("medicationRequests", "MedicationRequest"),
        ("medicationAdministrations", "MedicationAdministration"),
        ("procedures", "Procedure"),
    ):
        prefetch[key] = _searchset(by_type.get(kind, []))
    return prefetch


def _example_prefetch(name: str) -> tuple[str, dict[str, Any]]:
    record = load_patient_file(EXAMPLES / name, today=TODAY)
    bundle = export_bundle(record)  # the record as an EHR would hold it
    prefetch = _prefetch_from_bundle(bundle)
    return prefetch["patient"]["id"], prefetch


def _call(client: TestClient, service: str, hook: str, patient_id: str, **extra: Any) -> Any:
    body = {
        "hook": hook,
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": "https://ehr.example.org/fhir",
        "context": {
            "userId": "Practitioner/123",
            "patientId": patient_id,
            **extra.pop("context", {}),
        },
        **extra,
    }
    return client.post(f"/cds-services/{service}", json=body)


def _cards(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    _valid(RESPONSE, body)
    return {card["source"]["topic"]["code"]: card for card in body["cards"]}


def test_discovery_matches_the_spec_and_has_prefetch_templates(client: TestClient) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    body = response.json()
    _valid(DISCOVERY, body)
    services = {s["id"]: s for s in body["services"]}
    assert services["bonewise-patient-view"]["hook"] == "patient-view"
    assert services["bonewise-order-select"]["hook"] == "order-select"
    for service in services.values():
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert all("{{context.patientId}}" in t for t in service["prefetch"].values())
    assert (
        "http://loinc.org|38267-1"
        in services["bonewise-order-select"]["prefetch"]["dxaObservations"]
    )


def test_patient_view_on_a_synthea_chart_shows_category_and_therapy_gap(client: TestClient) -> None:
    bundle = json.loads((FHIR_DATA / "synthea-anastrozole-osteopenia.json").read_text())
    prefetch = _prefetch_from_bundle(bundle)
    cards = _cards(
        _call(
            client,
            "bonewise-patient-view",
            "patient-view",
            prefetch["patient"]["id"],
            prefetch=prefetch,
        )
    )
    assert cards["who-category"]["summary"].startswith(
        "Bone density: osteopenia (lowest T-score -1.8"
    )
    assert "hadji-2017 (2017)" in cards["who-category"]["detail"]
    gap = cards["therapy-gap"]
    assert gap["indicator"] == "warning"
    assert "hadji-2017" in gap["summary"]
    assert "dxa-overdue" not in cards  # scanned 2025-02-03, not due until 2027
    for card in cards.values():
        assert card["links"][0]["url"].endswith(f"/patients/{prefetch['patient']['id']}/assessment")
        assert "mg" not in card["summary"]  # never a dose


def test_patient_view_denosumab_lapse_is_critical(client: TestClient) -> None:
    patient_id, prefetch = _example_prefetch("lapsed-denosumab.json")
    cards = _cards(
        _call(client, "bonewise-patient-view", "patient-view", patient_id, prefetch=prefetch)
    )
    lapse = cards["denosumab-lapse"]
    assert lapse["indicator"] == "critical"
    assert "rebound" in lapse["summary"]
    assert "therapy-gap" not in cards  # denosumab is recorded


def test_patient_view_missing_dxa_suggests_a_service_request(client: TestClient) -> None:
    patient_id, prefetch = _example_prefetch("no-dxa-yet.json")
    cards = _cards(
        _call(client, "bonewise-patient-view", "patient-view", patient_id, prefetch=prefetch)
    )
    card = cards["dxa-overdue"]
    assert card["selectionBehavior"] == "at-most-one"
    (action,) = card["suggestions"][0]["actions"]
    assert action["type"] == "create"
    request = action["resource"]
    assert request["resourceType"] == "ServiceRequest"
    assert request["code"]["coding"][0]["code"] == "312681000"
    assert request["subject"] == {"reference": f"Patient/{patient_id}"}


def test_patient_view_with_bone_metastases_routes_to_the_clinician(client: TestClient) -> None:
    patient_id, prefetch = _example_prefetch("bone-metastases.json")
    cards = _cards(
        _call(client, "bonewise-patient-view", "patient-view", patient_id, prefetch=prefetch)
    )
    assert "route-to-clinician" in cards


def test_patient_view_without_menopausal_status_infers_it_and_says_so(client: TestClient) -> None:
    bundle = json.loads((FHIR_DATA / "synthea-anastrozole-osteopenia.json").read_text())
    bundle["entry"] = [
        e for e in bundle["entry"] if "76498008" not in json.dumps(e["resource"].get("code", {}))
    ]
    prefetch = _prefetch_from_bundle(bundle)
    cards = _cards(
        _call(
            client,
            "bonewise-patient-view",
            "patient-view",
            prefetch["patient"]["id"],
            prefetch=prefetch,
        )
    )
    assert "who-category" in cards and "cannot-assess" not in cards
    assumptions = cards["assumptions"]
    assert assumptions["indicator"] == "info"
    assert "Menopausal status not recorded: postmenopausal, inferred" in assumptions["detail"]
    assert "Bone metastases: none on the problem list" in assumptions["detail"]
    confirm = cards["confirm-metastases"]
    assert confirm["indicator"] == "info"


def _draft_letrozole() -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": "draft-1",
                    "status": "draft",
                    "intent": "order",
                    "medicationCodeableConcept": {
                        "coding": [
                            {
                                "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                "code": "200064",
                                "display": "letrozole 2.5 MG Oral Tablet",
                            }
                        ]
                    },
                    "subject": {"reference": "Patient/pt-1"},
                }
            }
        ],
    }


def _dxa_prefetch(day: str) -> dict[str, Any]:
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "38264-8"}]},
        "subject": {"reference": "Patient/pt-1"},
        "effectiveDateTime": day,
        "valueQuantity": {"value": -1.1, "unit": "{T-score}"},
    }
    return {
        "patient": {"resourceType": "Patient", "id": "pt-1"},
        "dxaObservations": _searchset([observation]),
        "dxaProcedures": _searchset([]),
    }


def test_order_select_warns_when_an_ai_is_ordered_without_recent_dxa(client: TestClient) -> None:
    context = {"selections": ["MedicationRequest/draft-1"], "draftOrders": _draft_letrozole()}
    cards = _cards(
        _call(
            client,
            "bonewise-order-select",
            "order-select",
            "pt-1",
            context=context,
            prefetch=_dxa_prefetch("2023-06-01"),
        )
    )
    card = cards["dxa-before-aromatase-inhibitor"]
    assert card["indicator"] == "warning"
    assert "letrozole" in card["summary"]
    assert "2023-06-01" in card["detail"]
    resource = card["suggestions"][0]["actions"][0]["resource"]
    assert resource["resourceType"] == "ServiceRequest" and resource["status"] == "draft"


def test_order_select_is_quiet_with_a_recent_dxa(client: TestClient) -> None:
    context = {"selections": ["MedicationRequest/draft-1"], "draftOrders": _draft_letrozole()}
    response = _call(
        client,
        "bonewise-order-select",
        "order-select",
        "pt-1",
        context=context,
        prefetch=_dxa_prefetch("2025-06-01"),
    )
    assert _cards(response) == {}


def test_errors_are_named(client: TestClient) -> None:
    assert (
        _call(client, "no-such-service", "patient-view", "x", prefetch={"a": {}}).status_code == 404
    )
    wrong_hook = _call(client, "bonewise-order-select", "patient-view", "x", prefetch={"a": {}})
    assert wrong_hook.status_code == 400 and "order-select" in wrong_hook.json()["detail"]
    no_prefetch = _call(client, "bonewise-patient-view", "patient-view", "x")
    assert no_prefetch.status_code == 412
    patient_id, prefetch = _example_prefetch("osteoporosis.json")
    del prefetch["conditions"], prefetch["medicationRequests"]
    partial = _call(client, "bonewise-patient-view", "patient-view", patient_id, prefetch=prefetch)
    assert partial.status_code == 412
    assert "conditions, medicationRequests" in partial.json()["detail"]
    assert (
        client.post(
            "/cds-services/bonewise-patient-view", json={"hook": "patient-view"}
        ).status_code
        == 422
    )


def test_a_list_the_ehr_could_not_prefetch_is_not_read_as_empty(client: TestClient) -> None:
    patient_id, prefetch = _example_prefetch("osteoporosis.json")
    prefetch["conditions"] = {  # CDS Hooks 2.0: how a client says a prefetch failed
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "timeout", "diagnostics": "Condition search timed out"}
        ],
    }

    response = _call(client, "bonewise-patient-view", "patient-view", patient_id, prefetch=prefetch)

    assert response.status_code == 412, response.text
    detail = response.json()["detail"]
    assert "could not prefetch conditions (Condition search timed out)" in detail


def test_links_use_the_public_url(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(web_cds.PUBLIC_URL_ENV, "https://bonewise.hospital.example/")
    patient_id, prefetch = _example_prefetch("lapsed-denosumab.json")
    cards = _cards(
        _call(client, "bonewise-patient-view", "patient-view", patient_id, prefetch=prefetch)
    )
    url = cards["denosumab-lapse"]["links"][0]["url"]
    assert url == f"https://bonewise.hospital.example/patients/{patient_id}/assessment"


def test_assessment_cards_agree_with_the_core(client: TestClient) -> None:
    record = load_patient_file(EXAMPLES / "osteoporosis.json", today=TODAY)
    assessment = assess(record, as_of=TODAY)
    patient_id, prefetch = _example_prefetch("osteoporosis.json")
    cards = _cards(
        _call(client, "bonewise-patient-view", "patient-view", patient_id, prefetch=prefetch)
    )
    assert cards["who-category"]["indicator"] == "info"  # information; gaps get their own card
    assert assessment.who_category == "osteoporosis"
    assert f"{assessment.lowest_t_score.value:+.1f}" in cards["who-category"]["summary"]


def test_the_schema_itself_rejects_off_spec_cards() -> None:
    card = {"summary": "x" * 140, "indicator": "info", "source": {"label": "bonewise"}}
    assert not RESPONSE.is_valid({"cards": [card]})  # summary must be under 140 characters
    card = {
        "summary": "ok",
        "indicator": "urgent",
        "source": {"label": "bonewise"},
    }
    assert not RESPONSE.is_valid({"cards": [card]})
    card = {
        "summary": "ok",
        "indicator": "info",
        "source": {"label": "bonewise"},
        "suggestions": [{"label": "do it"}],
    }
    assert not RESPONSE.is_valid({"cards": [card]})  # suggestions need selectionBehavior
    assert not DISCOVERY.is_valid({"services": [{"hook": "patient-view", "id": "x"}]})


def test_patient_view_is_quiet_for_a_patient_not_on_an_aromatase_inhibitor(
    client: TestClient,
) -> None:
    bundle = json.loads((FHIR_DATA / "synthea-anastrozole-osteopenia.json").read_text())
    bundle["entry"] = [
        e for e in bundle["entry"] if e["resource"]["resourceType"] != "MedicationRequest"
    ]
    prefetch = _prefetch_from_bundle(bundle)
    response = _call(
        client,
        "bonewise-patient-view",
        "patient-view",
        prefetch["patient"]["id"],
        prefetch=prefetch,
    )
    assert _cards(response) == {}
