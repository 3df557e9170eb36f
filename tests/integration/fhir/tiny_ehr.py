"""A tiny EHR for the SMART launch tests: a SMART App Launch 2.0 authorization server and a
FHIR R4 server holding one chart from the EHR-shaped corpus (tests/data/ehr).

It is the other side of the launch, not a stand-in for anything bonewise uses: it checks what a
real EHR checks (the registered client and redirect URI, aud, the launch id, PKCE S256 against
the verifier, single-use codes, the access token and its patient on every FHIR read) and serves
search results in pages with `next` links, as servers do. MedicationStatement is not offered
(404), as in many EHRs that keep only orders. When the app asks for `openid fhirUser` the token
response carries an id_token (RS256) naming the signed-in practitioner, signed with a test key
whose public half the EHR serves as its JWKS (`jwks_uri` in its smart-configuration).

    with serve(TinyEhr.from_bundle(bundle, client_id=..., redirect_uri=...)) as ehr:
        ehr.fhir_base  # iss
        ehr.launch_id  # what the EHR appends to the launch URL
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

PAGE_SIZE = 2  # small, so a chart takes more than one page
KEY_ID = "tiny-ehr-1"
PRACTITIONER = "Practitioner/dr-tiny-1"


@functools.cache
def signing_key(name: str = "ehr") -> rsa.RSAPrivateKey:
    """An RSA test key (made once per name and process: key generation is the slow part)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class TinyEhr:
    patient: dict[str, Any]
    resources: list[dict[str, Any]]
    client_id: str
    redirect_uri: str
    app_context: str | None = None
    base: str = ""
    launch_id: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    deny: bool = False  # the clinician refuses at the EHR's consent screen
    token_error: str | None = None  # the token endpoint refuses every code with this error
    next_base: str | None = None  # where `next` links point (another server: a test of the app)
    # The id_token: claims changed or added (None removes one), and the key it is signed with
    # (signing_key("other"): a signature the published key does not verify).
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    id_token_key: rsa.RSAPrivateKey | None = None
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)

    @property
    def fhir_base(self) -> str:
        return f"{self.base}/fhir"

    @classmethod
    def from_bundle(cls, bundle: dict[str, Any], **kw: Any) -> TinyEhr:
        """The bundle's chart as a server holds it: references to the patient are
        `Patient/{id}` (the bundle's urn:uuid fullUrls are resolved on the way in)."""
        patient_entry = next(
            e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
        )
        pid = patient_entry["resource"]["id"]
        text = json.dumps([e["resource"] for e in bundle["entry"]])
        if patient_entry.get("fullUrl"):
            text = text.replace(patient_entry["fullUrl"], f"Patient/{pid}")
        resources = json.loads(text)
        patient = next(r for r in resources if r["resourceType"] == "Patient")
        return cls(patient, [r for r in resources if r is not patient], **kw)

    def id_token(self) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.fhir_base,
            "sub": "dr-tiny-1",
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "fhirUser": f"{self.fhir_base}/{PRACTITIONER}",
        }
        claims.update(self.id_token_claims)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = self.id_token_key or signing_key()
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})

    # --- the app ----------------------------------------------------------------------------
    def app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def keep(request: Request, call_next: Any) -> Response:
            self.requests.append(f"{request.method} {request.url.path}")
            response: Response = await call_next(request)
            return response

        @app.get("/fhir/.well-known/smart-configuration")
        def configuration() -> dict[str, Any]:
            return {
                "authorization_endpoint": f"{self.base}/auth/authorize",
                "token_endpoint": f"{self.base}/auth/token",
                "capabilities": [
                    "launch-ehr",
                    "client-public",
                    "context-ehr-patient",
                    "permission-v2",
                ],
                "code_challenge_methods_supported": ["S256"],
                "issuer": self.fhir_base,
                "jwks_uri": f"{self.base}/auth/jwks",
            }

        @app.get("/auth/jwks")
        def jwks() -> dict[str, Any]:
            public = jwt.algorithms.RSAAlgorithm.to_jwk(signing_key().public_key(), as_dict=True)
            return {"keys": [public | {"kid": KEY_ID, "use": "sig", "alg": "RS256"}]}

        @app.get("/auth/authorize")
        def authorize(request: Request) -> Response:
            q = request.query_params
            problems = [
                name
                for name, ok in (
                    ("response_type", q.get("response_type") == "code"),
                    ("client_id", q.get("client_id") == self.client_id),
                    ("redirect_uri", q.get("redirect_uri") == self.redirect_uri),
                    ("aud", q.get("aud") == self.fhir_base),
                    ("launch", q.get("launch") == self.launch_id),
                    ("code_challenge_method", q.get("code_challenge_method") == "S256"),
                    (
                        "scope",
                        {"launch", "patient/Condition.rs"} <= set(q.get("scope", "").split()),
                    ),
                    ("state", bool(q.get("state"))),
                )
                if not ok
            ]
            if problems:  # an EHR does not redirect to an unchecked URI: it shows an error
                return JSONResponse({"error": "invalid_request", "bad": problems}, 400)
            if self.deny:
                query = {"error": "access_denied", "state": q["state"]}
                return RedirectResponse(f"{self.redirect_uri}?{urlencode(query)}", 302)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "challenge": q["code_challenge"],
                "redirect_uri": q["redirect_uri"],
                "scope": q["scope"],
            }
            query = {"code": code, "state": q["state"]}
            return RedirectResponse(f"{self.redirect_uri}?{urlencode(query)}", 302)

        @app.post("/auth/token")
        def token(
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            code_verifier: str = Form(),
            client_id: str = Form(),
        ) -> JSONResponse:
            issued = self.codes.pop(code, None)  # a code is used once
            if self.token_error:
                return JSONResponse({"error": self.token_error}, 400)
            digest = hashlib.sha256(code_verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if (
                issued is None
                or grant_type != "authorization_code"
                or client_id != self.client_id
                or redirect_uri != issued["redirect_uri"]
                or challenge != issued["challenge"]
            ):
                return JSONResponse({"error": "invalid_grant"}, 400)
            access = secrets.token_urlsafe(24)
            self.tokens.add(access)
            body: dict[str, Any] = {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "launch openid fhirUser patient/*.rs",
                "patient": self.patient["id"],
            }
            if self.app_context is not None:
                body["appContext"] = self.app_context
            if {"openid", "fhirUser"} <= set(issued["scope"].split()):
                body["id_token"] = self.id_token()
            return JSONResponse(body)

        def authorised(request: Request) -> bool:
            auth = request.headers.get("authorization", "")
            return auth.startswith("Bearer ") and auth[7:] in self.tokens

        @app.get("/fhir/Patient/{pid}")
        def read_patient(pid: str, request: Request) -> JSONResponse:
            if not authorised(request):
                return JSONResponse({"resourceType": "OperationOutcome"}, 401)
            if pid != self.patient["id"]:
                return JSONResponse({"resourceType": "OperationOutcome"}, 403)
            return JSONResponse(self.patient)

        @app.get("/fhir/{resource_type}")
        def search(
            resource_type: str, request: Request, patient: str, _offset: int = 0
        ) -> Response:
            if not authorised(request):
                return JSONResponse({"resourceType": "OperationOutcome"}, 401)
            if patient != self.patient["id"]:
                return JSONResponse({"resourceType": "OperationOutcome"}, 403)
            if resource_type == "MedicationStatement":
                return JSONResponse({"resourceType": "OperationOutcome"}, 404)
            found = [r for r in self.resources if r["resourceType"] == resource_type]
            page = found[_offset : _offset + PAGE_SIZE]
            bundle: dict[str, Any] = {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(found),
                "entry": [{"resource": r, "search": {"mode": "match"}} for r in page],
            }
            if _offset + PAGE_SIZE < len(found):
                query = urlencode({"patient": patient, "_offset": _offset + PAGE_SIZE})
                bundle["link"] = [
                    {
                        "relation": "next",
                        "url": f"{self.next_base or self.fhir_base}/{resource_type}?{query}",
                    }
                ]
            return JSONResponse(bundle, media_type="application/fhir+json")

        return app


@contextmanager
def serve(ehr: TinyEhr, port: int = 0) -> Iterator[TinyEhr]:
    """Serve the EHR with uvicorn on a loopback port (a free one unless given) for the duration
    of the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", port))
    ehr.base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(ehr.app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the tiny EHR did not start")
        time.sleep(0.01)
    try:
        yield ehr
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
