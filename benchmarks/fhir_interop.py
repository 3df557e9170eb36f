"""How fast FHIR import/export and the CDS Hooks services answer.

Run: .venv/bin/python -m benchmarks.fhir_interop
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from jwt.algorithms import ECAlgorithm
from starlette.testclient import TestClient

from bonewise.clinical.assessment import assess
from bonewise.fhir import cds_security
from bonewise.fhir.export import export_bundle
from bonewise.fhir.importer import import_fhir
from bonewise.importers.patient_file import load_patient_file
from bonewise.web.routers import cds_services as web_cds

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 27)


def timed(
    label: str, repeat: int, func: Callable[[], Any], baseline: Callable[[], Any] | None = None
) -> float:
    """Median ms of `func`; with a baseline (the bare work, e.g. json.loads of the same text)
    measured in the same run, also the ratio to it."""
    func()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    median = statistics.median(samples)
    ratio = ""
    if baseline is not None:
        bare = timed_quietly(repeat, baseline)
        ratio = f"  {median / bare:6.1f}x bare json.loads"
    print(f"{label:<58} median {median:7.2f} ms  p95 {p95:7.2f} ms  (n={repeat}){ratio}")
    return median


def timed_quietly(repeat: int, func: Callable[[], Any]) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _ehr_corpus() -> None:
    """The EHR-shaped corpus: ICD-10-CM by ancestor, name matching, assumptions."""
    for path in sorted((ROOT / "tests/data/ehr").glob("*.json")):
        text = path.read_text()
        timed(
            f"import EHR bundle {path.stem}",
            30,
            lambda text=text: import_fhir(text, today=AS_OF),
            lambda text=text: json.loads(text),
        )


def _signed_client(tmp: Path) -> tuple[TestClient, Callable[[], str]]:
    """A CDS client whose every call carries a fresh ES384 JWT (keys made here)."""
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    jwks = tmp / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "k1"}]}))
    issuer = "https://ehr.bench.example"
    os.environ[cds_security.TRUSTED_ISSUERS_ENV] = json.dumps({issuer: {"jwks_file": str(jwks)}})
    os.environ[web_cds.PUBLIC_URL_ENV] = "https://bonewise.bench.example"
    os.environ.pop(cds_security.ALLOW_UNAUTHENTICATED_ENV, None)
    audience = "https://bonewise.bench.example/cds-services/bonewise-patient-view"

    def token() -> str:
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, key, algorithm="ES384", headers={"kid": "k1"})

    app = FastAPI()
    app.include_router(web_cds.router)
    return TestClient(app), token


def main() -> None:
    synthea = (ROOT / "tests/data/fhir/synthea-anastrozole-osteopenia.json").read_text()
    ndjson = (ROOT / "tests/data/fhir/exemestane-denosumab.ndjson").read_text()
    record = load_patient_file(ROOT / "examples/patients/lapsed-denosumab.json", today=AS_OF)
    assessment = assess(record, as_of=AS_OF)
    bundle = export_bundle(record, assessment)
    bundle_text = json.dumps(bundle)
    print(f"lapsed-denosumab export: {len(bundle['entry'])} resources, {len(bundle_text)} bytes")

    timed(
        "import Synthea-style bundle (26 resources)",
        50,
        lambda: import_fhir(synthea, today=AS_OF),
        lambda: json.loads(synthea),
    )
    timed("import NDJSON (13 lines)", 50, lambda: import_fhir(ndjson, today=AS_OF))
    _ehr_corpus()
    timed(
        "assess + export with validation (54 resources)",
        50,
        lambda: export_bundle(record, assess(record, as_of=AS_OF)),
    )
    timed(
        "import an exported bundle (54 resources)",
        50,
        lambda: import_fhir(bundle_text, today=AS_OF),
        lambda: json.loads(bundle_text),
    )
    big = json.loads(synthea)
    template = next(
        e for e in big["entry"] if e["resource"].get("code", {}).get("text", "").startswith("Gluc")
    )
    for i in range(2000):  # a long chart: years of routine labs and claims bonewise does not read
        obs = json.loads(json.dumps(template))
        obs["resource"]["id"] = f"glucose-{i}"
        obs["fullUrl"] = f"urn:uuid:glucose-{i}"
        big["entry"].append(obs)
        big["entry"].append({"resource": {"resourceType": "Claim", "id": f"claim-{i}"}})
    big_text = json.dumps(big)
    timed(
        f"import a long chart ({len(big['entry'])} resources)",
        5,
        lambda: import_fhir(big_text, today=AS_OF),
        lambda: json.loads(big_text),
    )

    os.environ[cds_security.ALLOW_UNAUTHENTICATED_ENV] = "1"  # first without JWTs
    app = FastAPI()
    app.include_router(web_cds.router)
    client = TestClient(app)
    entries = json.loads(synthea)["entry"]
    text = json.dumps([e["resource"] for e in entries])
    for e in entries:  # a FHIR server answers with server ids, not the bundle's urn:uuid refs
        text = text.replace(e["fullUrl"], f"{e['resource']['resourceType']}/{e['resource']['id']}")
    resources = json.loads(text)
    kinds = {
        "observations": "Observation",
        "conditions": "Condition",
        "medicationStatements": "MedicationStatement",
        "medicationRequests": "MedicationRequest",
        "medicationAdministrations": "MedicationAdministration",
        "procedures": "Procedure",
        "dxaObservations": "Observation",
        "dxaProcedures": "Procedure",
    }
    prefetch: dict[str, Any] = {"patient": resources[0]}
    for key, kind in kinds.items():  # each prefetch key as the EHR answers its template
        prefetch[key] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in resources if r["resourceType"] == kind],
        }
    patient_id = resources[0]["id"]
    body = {
        "hook": "patient-view",
        "hookInstance": "bench",
        "context": {"patientId": patient_id},
        "prefetch": prefetch,
    }
    answer = client.post("/cds-services/bonewise-patient-view", json=body)
    assert answer.status_code == 200 and answer.json()["cards"], answer.text
    timed(
        "CDS patient-view over HTTP (TestClient, 26 resources)",
        50,
        lambda: client.post("/cds-services/bonewise-patient-view", json=body),
    )
    order = {
        "hook": "order-select",
        "hookInstance": "bench",
        "prefetch": prefetch,
        "context": {
            "patientId": patient_id,
            "selections": ["MedicationRequest/d"],
            "draftOrders": {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "MedicationRequest",
                            "id": "d",
                            "status": "draft",
                            "intent": "order",
                            "medicationCodeableConcept": {
                                "coding": [
                                    {
                                        "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                        "code": "200064",
                                    }
                                ]
                            },
                        }
                    }
                ],
            },
        },
    }
    timed(
        "CDS order-select over HTTP (TestClient)",
        50,
        lambda: client.post("/cds-services/bonewise-order-select", json=order),
    )

    with tempfile.TemporaryDirectory() as tmp:
        signed, token = _signed_client(Path(tmp))
        timed(
            "CDS patient-view with JWT verification (ES384)",
            50,
            lambda: signed.post(
                "/cds-services/bonewise-patient-view",
                json=body,
                headers={"Authorization": f"Bearer {token()}"},
            ),
        )


if __name__ == "__main__":
    main()
