"""The population converts a vitamin D result to ng/mL exactly as the core does
(units.calcidiol_to_ng_ml divides by 2.496): the same number, so the same side of any site's
threshold. By the reciprocal, 74.88 nmol/L was 30.0 ng/mL for the population and 29.999...
(below a site's 30) for the core. And the single-patient FHIR import accepts the units the
population accepts, no more: a result in pmol/L (the unit of 1,25-dihydroxyvitamin D, another
test) was divided by 1000 by the import and refused by the population."""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import pyarrow as pa

from bonewise.fhir.importer import import_fhir
from bonewise.population import quality
from bonewise.population.schema import SCHEMAS, TABLES
from bonewise.units import NMOL_L_PER_NG_ML_25OHD, calcidiol_to_ng_ml

RESULTS = [(74.88, "nmol/L"), (49.92, "nmol/L"), (75.0, "nmol/L"), (29.9, "ng/mL"), (20.0, "ng/mL")]


def _population_values(results: list[tuple[float, str]]) -> tuple[list[float], int]:
    """The cleaned ng/mL values in date order, and how many rows had an unknown unit."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES} | {
        "persons": [{"person_id": "a", "birth_date": date(1960, 1, 1)}],
        "measurements": [
            {
                "record_id": f"m{n}",
                "person_id": "a",
                "concept": "vitamin_d_25oh",
                "date": date(2025, 1, n + 1),
                "value": value,
                "unit": unit,
            }
            for n, (value, unit) in enumerate(results)
        ],
    }
    raw = {
        name: ibis.memtable(
            pa.Table.from_pylist(
                [{f.name: row.get(f.name) for f in SCHEMAS[name]} for row in rows[name]],
                schema=SCHEMAS[name],
            )
        )
        for name in TABLES
    }
    result = quality.clean(raw)
    con = ibis.duckdb.connect()
    cleaned = result.tables["measurements"].order_by("date")
    values = con.to_pyarrow(cleaned).column("value").to_pylist()
    checks = con.to_pyarrow(result.checks["measurements"]).to_pylist()[0]
    return values, checks["unknown_unit"]


def test_the_population_reads_each_vitamin_d_result_as_the_core_does() -> None:
    got, _ = _population_values(RESULTS)
    assert got == [calcidiol_to_ng_ml(v, u) for v, u in RESULTS]  # type: ignore[arg-type]
    assert got[0] < 30.0  # a site whose threshold is 30 ng/mL calls 74.88 nmol/L low


# one result (30 ng/mL) in each spelling a record may use, and one the analyte is never reported in
SAME_RESULT = [(30.0, "ng/mL"), (74.88, "nmol/L"), (30.0, "ug/L"), (74880.0, "pmol/L")]


def _fhir_import_values(results: list[tuple[float, str]]) -> tuple[list[float], list[str]]:
    """The imported 25-OH vitamin D values in ng/mL in date order, and the rejections."""
    observations = [
        {
            "resourceType": "Observation",
            "id": f"vd{n}",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "62292-8"}]},
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": date(2025, 1, n + 1).isoformat(),
            "valueQuantity": {"value": value, "unit": unit},
        }
        for n, (value, unit) in enumerate(results)
    ]
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1960-01-01"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (patient, *observations)],
    }
    imported = import_fhir(bundle, today=date(2026, 1, 1), menopausal_status="postmenopausal")
    labs = sorted(imported.record.labs, key=lambda lab: lab.date)
    rejected = [i.message for i in imported.report.issues if i.kind == "rejected"]
    return [lab.normalised for lab in labs if lab.kind == "25_oh_vitamin_d"], rejected


def test_the_fhir_import_and_the_population_accept_and_convert_the_same_units() -> None:
    imported, rejected = _fhir_import_values(SAME_RESULT)
    population, unknown_units = _population_values(SAME_RESULT)
    assert imported == population == [30.0, 74.88 / NMOL_L_PER_NG_ML_25OHD, 30.0]
    assert unknown_units == 1
    assert any("'pmol/L'" in message for message in rejected)
