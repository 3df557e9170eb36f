"""How fast FHIR import/export and the CDS Hooks services answer.

Run: .venv/bin/python -m benchmarks.fhir_interop
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.testclient import TestClient

from bonewise.clinical.assessment import assess
from bonewise.fhir.export import export_bundle
from bonewise.fhir.importer import import_fhir
from bonewise.importers.patient_file import load_patient_file
from bonewise.web.routers import cds_services as web_cds

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 27)


def timed(label: str, repeat: int, func: Callable[[], Any]) -> None:
    func()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    print(
        f"{label:<58} median {statistics.median(samples):7.2f} ms  p95 {p95:7.2f} ms  (n={repeat})"
    )


def main() -> None:
    synthea = (ROOT / "tests/data/fhir/synthea-anastrozole-osteopenia.json").read_text()
    ndjson = (ROOT / "tests/data/fhir/exemestane-denosumab.ndjson").read_text()
    record = load_patient_file(ROOT / "examples/patients/lapsed-denosumab.json", today=AS_OF)
    assessment = assess(record, as_of=AS_OF)
    bundle = export_bundle(record, assessment)
    bundle_text = json.dumps(bundle)
    print(f"lapsed-denosumab export: {len(bundle['entry'])} resources, {len(bundle_text)} bytes")

    timed(
        "import Synthea-style bundle (26 resources)", 50, lambda: import_fhir(synthea, today=AS_OF)
    )
    timed("import NDJSON (13 lines)", 50, lambda: import_fhir(ndjson, today=AS_OF))
    timed(
        "assess + export with validation (54 resources)",
        50,
        lambda: export_bundle(record, assess(record, as_of=AS_OF)),
    )
    timed(
        "import an exported bundle (54 resources)",
        50,
        lambda: import_fhir(bundle_text, today=AS_OF),
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
    )

    app = FastAPI()
    app.include_router(web_cds.router)
    client = TestClient(app)
    resources = [e["resource"] for e in json.loads(synthea)["entry"]]
    prefetch = {
        "everything": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in resources],
        }
    }
    patient_id = resources[0]["id"]
    body = {
        "hook": "patient-view",
        "hookInstance": "bench",
        "context": {"patientId": patient_id},
        "prefetch": prefetch,
    }
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


if __name__ == "__main__":
    main()
