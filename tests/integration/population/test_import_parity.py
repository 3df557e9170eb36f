"""The population loader and the single-patient FHIR import read the same facts from one bundle.

Each EHR-shaped bundle of the test corpus (tests/data/ehr, tests/data/fhir) is imported with
`bonewise.fhir.importer` and, written out as a Bulk Data export (one NDJSON file per resource
type), staged by the population loader and cleaned by the quality step: the rows the measures
read. Both must see the same AI exposure, DXA results, fractures, bone-therapy doses,
glucocorticoid course and bone metastases.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bonewise.clinical.calendar import add_months
from bonewise.clinical.models import PatientRecord
from bonewise.fhir.importer import import_fhir
from bonewise.measures.definitions import load_measures
from bonewise.population import engine, quality
from bonewise.population.fhir_ndjson import stage_ndjson

TODAY = date(2026, 12, 1)
DATA = Path(__file__).resolve().parents[2] / "data"
# every one-patient file of the corpus (two-patients.json is refused by the import by design)
BUNDLES = sorted(
    p
    for folder in ("ehr", "fhir")
    for p in (DATA / folder).iterdir()
    if p.suffix in (".json", ".ndjson") and p.name != "two-patients.json"
)


def _resources(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("resourceType") == "Bundle":
        return [e["resource"] for e in data.get("entry", []) if "resource" in e]
    return [data]


def _population_rows(path: Path, tmp: Path) -> dict[str, list[dict[str, Any]]]:
    """The cleaned flat tables of the bundle written as a Bulk Data export."""
    export, staging = tmp / "export", tmp / "staging"
    export.mkdir()
    staging.mkdir()
    if path.suffix == ".ndjson":  # already an export (with its broken line, as sent)
        (export / path.name).write_bytes(path.read_bytes())
    else:
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for resource in _resources(path):
            by_type[resource["resourceType"]].append(resource)
        for kind, resources in by_type.items():
            (export / f"{kind}.ndjson").write_text(
                "\n".join(json.dumps(r) for r in resources) + "\n", encoding="utf-8"
            )
    staged, _ = stage_ndjson(export, staging)
    con = engine.connect("duckdb")
    cohort = quality.clean(engine.register(con, staged))
    return {name: t.to_pyarrow().to_pylist() for name, t in cohort.tables.items()}


def _facts_of_import(record: PatientRecord) -> dict[str, Any]:
    therapy = record.therapy
    doses = {
        (t.agent, day)
        for t in record.bone_therapy
        for day in (t.doses or ([t.start_date] if t.start_date else []))
    }
    return {
        "ai": (therapy.agent, therapy.start_date) if therapy else None,
        "dxa": {
            scan.date: min(
                (s.t_score for s in scan.sites.values() if s.t_score is not None), default=None
            )
            for scan in record.dxa_scans
        },
        "fractures": {f.date for f in record.fractures},
        "bone_therapy": doses,
        "long_glucocorticoids": bool(record.risk_factors.oral_glucocorticoids_over_6_months),
        "bone_metastases": bool(record.risk_factors.bone_metastases),
    }


def _facts_of_population(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    drugs = rows["drug_exposures"]
    ais = [d for d in drugs if d["drug_class"] == "aromatase_inhibitor"]
    first_ai = min(ais, key=lambda d: d["start_date"], default=None)
    dxa: dict[date, float | None] = {}
    for m in rows["measurements"]:
        if m["concept"] in ("dxa_t_score", "dxa_z_score", "dxa_bmd"):
            dxa.setdefault(m["date"], None)
        if m["concept"] == "dxa_t_score" and m["value"] is not None:
            current = dxa[m["date"]]
            dxa[m["date"]] = m["value"] if current is None else min(current, m["value"])
    months = int(load_measures().number("RISK_GLUCOCORTICOID_MONTHS"))
    long_gc = any(
        min(d["end_date"] or TODAY, TODAY) > add_months(d["start_date"], months)
        for d in drugs
        if d["drug_class"] == "glucocorticoid"
    )
    conditions = rows["conditions"]
    return {
        "ai": (first_ai["concept"], first_ai["start_date"]) if first_ai else None,
        "dxa": dxa,
        "fractures": {c["onset_date"] for c in conditions if c["concept"] == "fracture"},
        "bone_therapy": {
            (d["concept"], d["start_date"])
            for d in drugs
            if d["drug_class"] == "bone_directed_therapy"
        },
        "long_glucocorticoids": long_gc,
        "bone_metastases": any(c["concept"] == "bone_metastases" for c in conditions),
    }


def test_the_corpus_is_there() -> None:
    assert len(BUNDLES) >= 10  # 6 EHR-shaped bundles and the FHIR examples


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_population_loader_and_import_read_the_same_facts(path: Path, tmp_path: Path) -> None:
    imported = import_fhir(path.read_text(encoding="utf-8"), today=TODAY).record
    assert _facts_of_population(_population_rows(path, tmp_path)) == _facts_of_import(imported)
