"""RxNorm codes read from public sources (bonewise.terminology.rxnorm_codes) are recognised by
code, with their provenance, by the single-patient import and by the population NDJSON loader
alike; Xgeva (the oncology dose) is deliberately not read as osteoporosis denosumab."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from bonewise.fhir.importer import FhirImport, import_fhir
from bonewise.fhir.record_codes import GNRH_RECORD_AGENT
from bonewise.population import schema
from bonewise.population.fhir_ndjson import stage_ndjson
from bonewise.terminology import codes, rxnorm_codes

TODAY = date(2026, 12, 1)
ROWS = rxnorm_codes.ROWS


def _statement(row: dict[str, str], pid: str) -> dict[str, Any]:
    """A 9-month course under the row's code alone (no display or text to match by name)."""
    return {
        "resourceType": "MedicationStatement",
        "id": f"med-{row['code']}",
        "status": "completed",
        "medicationCodeableConcept": {"coding": [{"system": codes.RXNORM, "code": row["code"]}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectivePeriod": {"start": "2025-01-15", "end": "2025-10-15"},
    }


def _patient(pid: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1958-04-02"}


def test_every_added_code_is_in_the_drug_table_with_its_term_type_and_source() -> None:
    assert len({row["code"] for row in ROWS}) == len(ROWS)
    for row in ROWS:
        entry = codes.drug_code(codes.RXNORM, row["code"])
        assert entry is not None, row
        assert (entry.agent, entry.drug_class) == (row["agent"], row["drug_class"])
        assert entry.term_type == codes.RXNORM_TTY[row["tty"]]
        assert entry.concept.display == row["display"]
        assert entry.concept.evidence == "secondary"
        assert rxnorm_codes.PROVENANCE[row["source"]] in entry.concept.verified_in
    for code, source in rxnorm_codes.CONFIRMED.items():
        entry = codes.drug_code(codes.RXNORM, code)
        assert entry is not None and entry.concept.evidence == "secondary", code
        assert rxnorm_codes.PROVENANCE[source] in entry.concept.verified_in


def test_xgeva_is_not_read_as_osteoporosis_denosumab() -> None:
    """1.7 ML denosumab 70 MG/ML [Xgeva] is the monthly oncology dose: an unknown code to show
    the clinician, never a denosumab course judged by the 6-monthly rules."""
    assert codes.drug_code(codes.RXNORM, "1046402") is None
    xgeva = {
        "resourceType": "MedicationRequest",
        "id": "xgeva",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [
                {
                    "system": codes.RXNORM,
                    "code": "1046402",
                    "display": "1.7 ML denosumab 70 MG/ML Injection [Xgeva]",
                }
            ]
        },
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2025-03-01",
    }
    found = import_fhir([_patient("p1"), xgeva], today=TODAY)
    assert found.record.bone_therapy == []
    unknown = [i for i in found.report.issues if i.kind == "unknown-code"]
    assert any("Xgeva" in i.message for i in unknown)


def _imported(row: dict[str, str]) -> FhirImport:
    return import_fhir([_patient("p1"), _statement(row, "p1")], today=TODAY)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row['tty']}-{row['code']}")
def test_the_import_reads_each_added_code_as_its_drug(row: dict[str, str]) -> None:
    found = _imported(row)
    kinds = {issue.kind for issue in found.report.issues}
    assert "unknown-code" not in kinds and "matched-by-name" not in kinds
    record = found.record
    if row["drug_class"] == "bone_directed_therapy":
        assert [course.agent for course in record.bone_therapy] == [row["agent"]]
    elif row["drug_class"] == "gnrh_agonist":
        assert [c.agent for c in record.gnrh_agonists] == [GNRH_RECORD_AGENT[row["agent"]]]
    elif row["drug_class"] == "glucocorticoid":  # 9 months: longer than the measure's 6
        assert record.risk_factors.oral_glucocorticoids_over_6_months is True
    else:  # tamoxifen: recognised, read by no rule
        assert row["drug_class"] == "serm"
        assert any(
            i.kind == "context" and i.message.startswith(f"{row['agent']}: recognised")
            for i in found.report.issues
        )


def test_the_population_loader_reads_each_added_code_as_its_drug(tmp_path: Path) -> None:
    export, staging = tmp_path / "export", tmp_path / "staging"
    export.mkdir()
    staging.mkdir()
    patients = [_patient(f"p{row['code']}") for row in ROWS]
    statements = [_statement(row, f"p{row['code']}") for row in ROWS]
    for kind, resources in (("Patient", patients), ("MedicationStatement", statements)):
        (export / f"{kind}.ndjson").write_text("\n".join(json.dumps(r) for r in resources) + "\n")
    paths, _ = stage_ndjson(export, staging)
    drugs = {
        row["person_id"]: (row["concept"], row["drug_class"])
        for row in pq.read_table(paths["drug_exposures"]).to_pylist()
    }
    for row in ROWS:
        entry = codes.drug_code(codes.RXNORM, row["code"])
        assert entry is not None
        expected = (schema.drug_concept(entry), row["drug_class"])
        assert drugs.get(f"p{row['code']}") == expected, row
