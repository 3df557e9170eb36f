"""CDS Hooks 2.0 security and limits: client JWTs signed with keys generated here."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from jwt.algorithms import ECAlgorithm
from starlette.testclient import TestClient

from bonewise.fhir import cds_security
from bonewise.web.routers import cds_services as web_cds

PUBLIC = "https://bonewise.hospital.example"
ISSUER = "https://ehr.hospital.example"
SERVICE = "bonewise-order-select"
AUDIENCE = f"{PUBLIC}/cds-services/{SERVICE}"


@pytest.fixture
def ehr_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ec.EllipticCurvePrivateKey:
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    jwks = tmp_path / "ehr-jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "ehr-1", "alg": "ES384", "use": "sig"}]}))
    monkeypatch.setenv(
        cds_security.TRUSTED_ISSUERS_ENV, json.dumps({ISSUER: {"jwks_file": str(jwks)}})
    )
    monkeypatch.setenv(web_cds.PUBLIC_URL_ENV, PUBLIC)
    monkeypatch.delenv(cds_security.ALLOW_UNAUTHENTICATED_ENV, raising=False)
    return key


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.include_router(web_cds.router)
    return TestClient(app)


DROP = object()


def _token(key: Any, **claims: Any) -> str:
    """A CDS client JWT; a claim given as DROP is left out."""
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "sub": "client-1",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
        **claims,
    }
    body = {name: value for name, value in body.items() if value is not DROP}
    return jwt.encode(body, key, algorithm="ES384", headers={"kid": "ehr-1"})


def _request(patient_id: str = "p1", **prefetch: Any) -> dict[str, Any]:
    return {
        "hook": "order-select",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": patient_id, "draftOrders": {}},
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": "p1"},
            "dxaObservations": None,  # the EHR found nothing
            "dxaProcedures": None,
            **prefetch,
        },
    }


def _post(client: TestClient, token: str | None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/cds-services/{SERVICE}", json=body or _request(), headers=headers)


def test_a_signed_token_from_a_trusted_issuer_is_accepted(client: TestClient, ehr_key: Any) -> None:
    response = _post(client, _token(ehr_key))
    assert response.status_code == 200, response.text
    assert response.json() == {"cards": []}


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "https://elsewhere.example/cds-services/x"}, "Audience"),
        ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, "expired"),
        ({"iss": "https://untrusted.example"}, "not trusted"),
        ({"jti": DROP}, "jti"),
        ({"exp": int(time.time()) + 86_400}, "lifetime"),
    ],
)
def test_bad_tokens_are_refused_with_the_reason(
    client: TestClient, ehr_key: Any, claims: dict[str, Any], reason: str
) -> None:
    response = _post(client, _token(ehr_key, **claims))
    assert response.status_code == 401
    assert reason in response.json()["detail"]


def test_no_token_wrong_key_and_replay_are_refused(client: TestClient, ehr_key: Any) -> None:
    assert _post(client, None).status_code == 401
    stranger = ec.generate_private_key(ec.SECP384R1())
    assert _post(client, _token(stranger)).status_code == 401
    token = _token(ehr_key)
    assert _post(client, token).status_code == 200
    replay = _post(client, token)
    assert replay.status_code == 401 and "replay" in replay.json()["detail"]


def test_local_development_flag_skips_the_token(
    client: TestClient, ehr_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cds_security.ALLOW_UNAUTHENTICATED_ENV, "1")
    assert _post(client, None).status_code == 200


def test_patient_id_must_be_the_prefetched_patient(client: TestClient, ehr_key: Any) -> None:
    response = _post(client, _token(ehr_key), _request(patient_id="someone-else"))
    assert response.status_code == 400 and "not the prefetched Patient" in response.json()["detail"]
    foreign = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "resource": {
                    "resourceType": "Observation",
                    "id": "o",
                    "subject": {"reference": "Patient/p2"},
                }
            }
        ],
    }
    response = _post(client, _token(ehr_key), _request(dxaObservations=foreign))
    assert response.status_code == 400 and "Patient/p2" in response.json()["detail"]


def test_oversized_and_overfull_prefetch_get_a_clear_answer(
    client: TestClient, ehr_key: Any
) -> None:
    padding = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [],
        "note": "x" * (6 * 1024 * 1024),
    }
    response = _post(client, _token(ehr_key), _request(dxaObservations=padding))
    assert response.status_code == 413 and "at most" in response.json()["detail"]
    many = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": {"resourceType": "Observation"}}]
        * (web_cds.MAX_PREFETCH_RESOURCES + 1),
    }
    response = _post(client, _token(ehr_key), _request(dxaObservations=many))
    assert response.status_code == 413 and "resources" in response.json()["detail"]


def test_missing_prefetch_patient_is_named(client: TestClient, ehr_key: Any) -> None:
    body = _request()
    body["prefetch"] = {"dxaObservations": {"resourceType": "Bundle", "type": "searchset"}}
    response = _post(client, _token(ehr_key), body)
    assert response.status_code == 412 and "prefetch.patient" in response.json()["detail"]


def test_feedback_is_accepted_and_checked(client: TestClient, ehr_key: Any) -> None:
    feedback = {
        "feedback": [
            {
                "card": "9368d37b-283f-44a0-93ea-547cebf3d5fc",
                "outcome": "overridden",
                "overrideReason": {"reason": {"code": "not-relevant"}},
                "outcomeTimestamp": "2026-11-27T10:00:00Z",
            }
        ]
    }
    ok = client.post(
        f"/cds-services/{SERVICE}/feedback",
        json=feedback,
        headers={"Authorization": f"Bearer {_token(ehr_key, aud=AUDIENCE)}"},
    )
    assert ok.status_code == 200 and ok.json() == {}
    bad = client.post(
        f"/cds-services/{SERVICE}/feedback",
        json={"feedback": [{"card": "x", "outcome": "maybe", "outcomeTimestamp": "t"}]},
        headers={"Authorization": f"Bearer {_token(ehr_key)}"},
    )
    assert bad.status_code == 422 and "outcome" in bad.json()["detail"]


def test_keys_are_fetched_from_the_issuers_jwks_url(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import http.server
    import threading

    key = ec.generate_private_key(ec.SECP384R1())
    jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "ehr-1", "alg": "ES384"}]}).encode()

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/jwks.json"
        monkeypatch.setenv(
            cds_security.TRUSTED_ISSUERS_ENV, json.dumps({ISSUER: {"jwks_url": url}})
        )
        monkeypatch.setenv(web_cds.PUBLIC_URL_ENV, PUBLIC)
        monkeypatch.delenv(cds_security.ALLOW_UNAUTHENTICATED_ENV, raising=False)
        assert _post(client, _token(key)).status_code == 200
        stranger = ec.generate_private_key(ec.SECP384R1())
        assert _post(client, _token(stranger)).status_code == 401
    finally:
        server.shutdown()
        server.server_close()


def test_a_malformed_issuer_setting_refuses_calls(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cds_security.TRUSTED_ISSUERS_ENV, "{not json")
    monkeypatch.setenv(web_cds.PUBLIC_URL_ENV, PUBLIC)
    monkeypatch.delenv(cds_security.ALLOW_UNAUTHENTICATED_ENV, raising=False)
    key = ec.generate_private_key(ec.SECP384R1())
    response = _post(client, _token(key))
    assert response.status_code == 401 and "not JSON" in response.json()["detail"]
