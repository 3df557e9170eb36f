"""Issue 12: one "DXA results -> scans" (clinical.dxa_results.group_scans) for the FHIR import and
the population run. The same FHIR resources, imported for one patient and staged as a Bulk Data
export for the population, give the same scans: here the edge the two used to settle apart, a
left and a right femur on one scan (the side with the lower T-score, all of its values)."""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from bonewise.clinical.models import DxaScan, PatientRecord
from bonewise.fhir.export import export_bundle
from bonewise.fhir.importer import import_fhir
from bonewise.population import engine, quality
from bonewise.population.fhir_ndjson import stage_ndjson
from bonewise.population.rules import dxa_scans_from_rows
from bonewise.terminology import codes

TODAY = date(2026, 12, 1)
# total hip, by side: LOINC of the T-score and the BMD
SIDES = {"left": ("80946-7", "46278-8"), "right": ("80945-9", "46279-6")}


def _record() -> PatientRecord:
    return PatientRecord.parse(
        {
            "id": "two-femurs",
            "patient": {
                "birth_date": "1958-03-02",
                "sex": "female",
                "menopausal_status": "postmenopausal",
            },
            "therapy": {"agent": "letrozole", "start_date": "2024-10-01"},
            "dxa_scans": [
                {
                    "date": "2025-03-01",
                    "scanner_make": "hologic",
                    "sites": {"total_hip": {"t_score": -1.0, "bmd_g_cm2": 0.700}},
                }
            ],
        },
        today=TODAY,
    )


def _two_femurs(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scan's total-hip T-score and BMD recorded as the left femur's, and a right femur
    beside them with the lower T-score (-1.2) but the higher BMD (0.780)."""
    t_code = codes.EXPORT_DXA_LOINC[("total_hip", "t_score")].concept.code
    bmd_code = codes.EXPORT_DXA_LOINC[("total_hip", "bmd")].concept.code
    right = {t_code: (SIDES["right"][0], -1.2), bmd_code: (SIDES["right"][1], 0.780)}
    left = {t_code: SIDES["left"][0], bmd_code: SIDES["left"][1]}
    out = []
    for resource in resources:
        coding = resource.get("code", {}).get("coding", [{}])[0]
        if resource["resourceType"] != "Observation" or coding.get("code") not in left:
            out.append(resource)
            continue
        other = copy.deepcopy(resource)
        other["id"] = resource["id"] + "-right"
        other_code, value = right[coding["code"]]
        other["code"] = {"coding": [{**coding, "code": other_code}]}
        other["valueQuantity"] = {**resource["valueQuantity"], "value": value}
        resource["code"] = {"coding": [{**coding, "code": left[coding["code"]]}]}
        out.extend([resource, other])
    return out


def _population_scans(resources: list[dict[str, Any]], tmp: Path) -> list[DxaScan]:
    export, staging = tmp / "export", tmp / "staging"
    export.mkdir()
    staging.mkdir()
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for resource in resources:
        by_type[resource["resourceType"]].append(resource)
    for kind, found in by_type.items():
        (export / f"{kind}.ndjson").write_text(
            "\n".join(json.dumps(r) for r in found) + "\n", encoding="utf-8"
        )
    staged, _ = stage_ndjson(export, staging)
    cohort = quality.clean(engine.register(engine.connect("duckdb"), staged))
    rows = cohort.tables["measurements"].to_pyarrow().to_pylist()
    dxa = [r for r in rows if r["concept"] in ("dxa_t_score", "dxa_z_score", "dxa_bmd")]
    return dxa_scans_from_rows(dxa)


def _scans(scans: list[DxaScan]) -> list[tuple[date, str, dict[str, Any]]]:
    return [(s.date, s.scanner_make, s.model_dump(mode="json")["sites"]) for s in scans]


def test_left_and_right_femur_give_the_same_scan_in_the_import_and_the_population(
    tmp_path: Path,
) -> None:
    bundle = export_bundle(_record())
    resources = _two_femurs([e["resource"] for e in bundle["entry"]])
    imported = import_fhir(resources, today=TODAY).record.dxa_scans
    # the side with the lower T-score, with its own BMD (not the other side's lower BMD)
    assert imported[0].sites["total_hip"].t_score == -1.2
    assert imported[0].sites["total_hip"].bmd_g_cm2 == 0.780
    assert _scans(_population_scans(resources, tmp_path)) == _scans(list(imported))
