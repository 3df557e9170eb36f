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
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bonewise.fhir import cds_security
from bonewise.services.cds import (
    CdsClient,
    first_use_of_token,
    recent_feedback,
    store_feedback,
)
from bonewise.store import cds as store_cds
from bonewise.store.accounts import AuditRow
from bonewise.store.db import alembic_config, make_engine, migrate
from bonewise.store.uow import UnitOfWork, session_factory
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


def _app(factory: sessionmaker[Session]) -> FastAPI:
    app = FastAPI()
    app.state.session_factory = factory
    app.include_router(web_cds.router)
    return app


@pytest.fixture
def client(cds_store: sessionmaker[Session]) -> TestClient:
    return TestClient(_app(cds_store))


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


def test_feedback_is_accepted_checked_and_stored(
    client: TestClient, ehr_key: Any, cds_store: sessionmaker[Session]
) -> None:
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
    kept = recent_feedback(uow=UnitOfWork(cds_store), limit=1)[0]
    assert (kept.service_id, kept.client, kept.card, kept.outcome) == (
        SERVICE,
        ISSUER,
        "9368d37b-283f-44a0-93ea-547cebf3d5fc",
        "overridden",
    )
    assert kept.override_reason == {"code": "not-relevant"}
    assert kept.outcome_at == "2026-11-27T10:00:00Z"
    with cds_store() as session:  # the write is audited under the verified issuer
        audited = session.execute(
            select(AuditRow.actor_email, AuditRow.actor_role, AuditRow.action, AuditRow.what)
        ).all()
    assert [tuple(row) for row in audited] == [
        (f"CDS client {ISSUER}", "cds-client", "write", f"CDS feedback on {SERVICE}")
    ]
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


def test_a_token_used_at_one_worker_is_refused_at_another(
    migrated_store_url: str, ehr_key: Any
) -> None:
    """Two app instances (two workers) on one database share the memory of used tokens."""
    engine = make_engine(migrated_store_url)
    migrate(engine)
    factory = session_factory(engine)
    try:
        first, second = TestClient(_app(factory)), TestClient(_app(factory))
        token = _token(ehr_key)
        assert _post(first, token).status_code == 200
        replay = _post(second, token)
        assert replay.status_code == 401 and "replay" in replay.json()["detail"]
        assert _post(second, _token(ehr_key)).status_code == 200  # a new jti is fine
    finally:
        engine.dispose()


def test_used_token_ids_are_kept_until_their_token_expires(
    cds_store: sessionmaker[Session],
) -> None:
    now = time.time()
    uow = UnitOfWork(cds_store)
    iss = f"https://purge-{uuid.uuid4()}.example"
    assert first_use_of_token(uow=uow, iss=iss, jti="a", expires_at=now + 300)
    assert not first_use_of_token(uow=uow, iss=iss, jti="a", expires_at=now + 300)
    assert first_use_of_token(uow=uow, iss=iss, jti="b", expires_at=now - 1)  # expired already
    with uow:
        live = uow.cds.live_tokens()
    # The next call purges every expired id ("b"), and keeps the live one ("a").
    assert first_use_of_token(uow=uow, iss=iss, jti="c", expires_at=now + 300)
    with uow:
        assert uow.cds.live_tokens() == live  # "b" went, "c" came
    assert not first_use_of_token(uow=uow, iss=iss, jti="a", expires_at=now + 300)


def test_a_long_jti_is_refused(client: TestClient, ehr_key: Any) -> None:
    response = _post(client, _token(ehr_key, jti="j" * (cds_security.MAX_JTI_CHARS + 1)))
    assert response.status_code == 401 and "jti longer" in response.json()["detail"]


def test_feedback_is_bounded_in_size_and_in_number(
    cds_store: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_cds, "MAX_FEEDBACK_ROWS", 3)
    item = {
        "card": "c" * 500,
        "outcome": "overridden",
        "outcomeTimestamp": "2026-11-27T10:00:00Z",
        "acceptedSuggestions": [{"id": f"s{n}"} for n in range(80)],
        "overrideReason": {"reason": {"code": "x" * 900}, "userComment": "w" * 5_000},
    }
    for n in range(5):
        store_feedback(
            uow=UnitOfWork(cds_store),
            actor=CdsClient(issuer=ISSUER),
            service_id=f"svc-{n}",
            items=[item],
        )
    kept = recent_feedback(uow=UnitOfWork(cds_store), limit=100)
    assert [k.service_id for k in kept] == ["svc-4", "svc-3", "svc-2"]  # the oldest went
    newest = kept[0]
    assert len(newest.card) == 200 and len(newest.accepted) == 50
    assert newest.override_reason is not None
    assert len(newest.override_reason["code"]) == 200
    assert len(newest.override_reason["userComment"]) == 1_000


def test_migration_0012_is_reversible(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    config = alembic_config(engine)
    command.upgrade(config, "heads")
    assert {"cds_seen_tokens", "cds_feedback"} <= set(inspect(engine).get_table_names())
    command.downgrade(config, "0012_cds_jti-1")
    tables = set(inspect(engine).get_table_names())
    assert not {"cds_seen_tokens", "cds_feedback"} & tables and "sign_in_throttle" in tables
    command.upgrade(config, "heads")
    assert {"cds_seen_tokens", "cds_feedback"} <= set(inspect(engine).get_table_names())
    engine.dispose()
