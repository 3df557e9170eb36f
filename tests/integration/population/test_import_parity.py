"""The population loader and the single-patient FHIR import read the same facts from one bundle.

Each EHR-shaped bundle of the test corpus (tests/data/ehr, tests/data/fhir) is imported with
`bonewise.fhir.importer` and, written out as a Bulk Data export (one NDJSON file per resource
type), staged by the population loader and cleaned by the quality step: the rows the measures
read. Both must see the same AI exposure, DXA results, fractures, bone-therapy doses,
glucocorticoid course and bone metastases.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from bonewise.clinical.calendar import add_months
from bonewise.clinical.models import PatientRecord
from bonewise.fhir.importer import import_fhir
from bonewise.measures.definitions import load_measures
from bonewise.population import engine, quality
from bonewise.population.fhir_ndjson import MATCHED_BY_NAME, UNCONFIRMED_FAMILIES, stage_ndjson
from bonewise.terminology import codes

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


def _population_rows(
    path: Path, tmp: Path
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, int]]]:
    """The cleaned flat tables of the bundle written as a Bulk Data export, and the loader's
    issues."""
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
    staged, issues = stage_ndjson(export, staging)
    con = engine.connect("duckdb")
    cohort = quality.clean(engine.register(con, staged))
    return {name: t.to_pyarrow().to_pylist() for name, t in cohort.tables.items()}, issues


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
        # the BMD series' inputs (issue 12): each BMD day with its scanner make
        "bmd_scans": {
            (scan.date, scan.scanner_make)
            for scan in record.dxa_scans
            if any(s.bmd_g_cm2 is not None for s in scan.sites.values())
        },
        "bone_therapy": doses,
        "long_glucocorticoids": bool(record.risk_factors.oral_glucocorticoids_over_6_months),
        "bone_metastases": bool(record.risk_factors.bone_metastases),
    }


# the import's "unknown, please confirm" for a code it does not know, by the fact it leaves open
_UNCONFIRMED_FIELDS = {
    "risk_factors.bone_metastases": "bone_metastases",
    "risk_factors.vertebral_fracture": "fracture",
    "risk_factors.prior_fragility_fracture_after_50": "fracture",
    "patient.menopausal_status": "menopause",
}


def _unconfirmed_of_import(result: Any) -> set[str]:
    return {
        _UNCONFIRMED_FIELDS[a.field]
        for a in result.report.assumptions
        if a.confirm and "under a code bonewise does not know" in a.statement
    }


def _unconfirmed_of_population(issues: dict[str, dict[str, int]]) -> set[str]:
    counted = issues.get("conditions", {})
    return {family for family, reason in UNCONFIRMED_FAMILIES.items() if counted.get(reason)}


def _recorded_status_of_import(result: Any) -> str | None:
    """Her recorded menopausal status as the import read it; None when it inferred one."""
    inferred = any(a.field == "patient.menopausal_status" for a in result.report.assumptions)
    return None if inferred else result.record.patient.menopausal_status


def _recorded_status_of_population(rows: dict[str, list[dict[str, Any]]]) -> str | None:
    [person] = rows["persons"]
    return person["menopausal_status"]


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
        "bmd_scans": {
            (m["date"], m["device_make"] or "other")
            for m in rows["measurements"]
            if m["concept"] == "dxa_bmd"
        },
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


def _synthea_with(*added: dict[str, Any]) -> dict[str, Any]:
    """The Synthea-shaped Arimidex bundle with more resources for its patient."""
    bundle = json.loads((DATA / "ehr" / "synthea-arimidex.json").read_text(encoding="utf-8"))
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    for number, resource in enumerate(added):
        resource = copy.deepcopy(resource) | {
            "id": f"added-{number}",
            "subject": {"reference": f"Patient/{patient['id']}"},
        }
        bundle["entry"].append({"fullUrl": f"urn:uuid:added-{number}", "resource": resource})
    return bundle


def _order(concept: dict[str, Any], authored: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": concept,
        "authoredOn": authored,
    }


def _problem(code: str, display: str, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {
        "coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]
    }
    if text:
        concept["text"] = text
    return {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": concept,
        "onsetDateTime": "2025-02-03",
    }


_RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
# A record as EHRs send it: codes bonewise does not know, named by their words (one bundle,
# one loader run: each addition changes a different fact).
EHR_WORDS = _synthea_with(
    # a brand display under an RxNorm code not in bonewise's table: an ibandronate course
    _order(
        {"coding": [{"system": _RXNORM, "code": "904932", "display": "Boniva 150 MG"}]},
        "2025-03-01",
    ),
    # a medication with text only (no coding): a prednisone course of over 6 months
    {
        "resourceType": "MedicationStatement",
        "status": "completed",
        "medicationCodeableConcept": {"text": "predniSONE 10 MG Oral Tablet"},
        "effectivePeriod": {"start": "2024-01-05", "end": "2025-02-01"},
    },
    # a topical steroid by name is no oral glucocorticoid exposure
    _order({"text": "hydrocortisone 1 % Topical Cream"}, "2025-04-01"),
    # problems under codes bonewise does not know, whose words name a family
    _problem("66112004", "Closed fracture of sternum (disorder)"),
    _problem("1234567002", "Surgical menopause"),
    _problem("1234567001", "Metastatic carcinoma", "Metastasis to spine from breast cancer"),
)


@pytest.fixture(scope="module")
def ehr_words(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("ehr-words")
    path = tmp / "ehr-words.json"
    path.write_text(json.dumps(EHR_WORDS), encoding="utf-8")
    rows, issues = _population_rows(path, tmp)
    return {
        "imported": import_fhir(path.read_text(encoding="utf-8"), today=TODAY),
        "rows": rows,
        "issues": issues,
        "staged_drugs": pq.read_table(tmp / "staging" / "drug_exposures.parquet").to_pylist(),
    }


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_population_loader_and_import_read_the_same_facts(path: Path, tmp_path: Path) -> None:
    imported = import_fhir(path.read_text(encoding="utf-8"), today=TODAY)
    rows, issues = _population_rows(path, tmp_path)
    assert _facts_of_population(rows) == _facts_of_import(imported.record)
    assert _unconfirmed_of_population(issues) == _unconfirmed_of_import(imported)
    assert _recorded_status_of_population(rows) == _recorded_status_of_import(imported)


@pytest.mark.parametrize(
    ("code", "display", "status"),
    [
        ("76498008", "Postmenopausal state (finding)", "postmenopausal"),
        ("22636003", "Premenopausal state (finding)", "premenopausal"),
    ],
)
def test_a_menopausal_state_on_the_problem_list_is_her_recorded_status(
    code: str, display: str, status: str, tmp_path: Path
) -> None:
    """Only a Condition says her status (no menopausal-status Observation): the loader and the
    import both take it as recorded, not inferred by NCCN criteria."""
    path = tmp_path / "condition-status.json"
    path.write_text(json.dumps(_synthea_with(_problem(code, display))), encoding="utf-8")
    imported = import_fhir(path.read_text(encoding="utf-8"), today=TODAY)
    rows, _ = _population_rows(path, tmp_path)
    assert _recorded_status_of_import(imported) == status
    assert _recorded_status_of_population(rows) == status


def test_an_ehr_record_named_by_its_words_gives_the_same_facts(ehr_words: dict[str, Any]) -> None:
    imported = ehr_words["imported"]
    facts = _facts_of_population(ehr_words["rows"])
    assert facts == _facts_of_import(imported.record)
    assert ("ibandronate", date(2025, 3, 1)) in facts["bone_therapy"]
    assert facts["long_glucocorticoids"]
    assert _unconfirmed_of_population(ehr_words["issues"]) == _unconfirmed_of_import(imported)
    assert _unconfirmed_of_import(imported) == {"fracture", "bone_metastases", "menopause"}


def test_a_drug_matched_by_name_says_so(ehr_words: dict[str, Any]) -> None:
    issues = ehr_words["imported"].report.issues
    assert [i.kind for i in issues if "Boniva" in i.message] == ["matched-by-name"]
    [named] = [d for d in ehr_words["staged_drugs"] if d["concept"] == "ibandronate"]
    assert named["code_system"] == MATCHED_BY_NAME
    assert "Boniva 150 MG" in named["code"]
    assert named["source"] == "MedicationRequest"
    # a coded drug keeps its code system
    coded = {d["code_system"] for d in ehr_words["staged_drugs"] if d["concept"] == "anastrozole"}
    assert coded == {codes.RXNORM}
