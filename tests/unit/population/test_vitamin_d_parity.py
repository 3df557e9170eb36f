"""The population converts a vitamin D result to ng/mL exactly as the core does
(units.calcidiol_to_ng_ml divides by 2.496): the same number, so the same side of any site's
threshold. By the reciprocal, 74.88 nmol/L was 30.0 ng/mL for the population and 29.999...
(below a site's 30) for the core."""

from __future__ import annotations

from datetime import date

import ibis
import pyarrow as pa

from bonewise.population import quality
from bonewise.population.schema import SCHEMAS, TABLES
from bonewise.units import calcidiol_to_ng_ml

RESULTS = [(74.88, "nmol/L"), (49.92, "nmol/L"), (75.0, "nmol/L"), (29.9, "ng/mL"), (20.0, "ng/mL")]


def test_the_population_reads_each_vitamin_d_result_as_the_core_does() -> None:
    rows = {name: [] for name in TABLES} | {
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
            for n, (value, unit) in enumerate(RESULTS)
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
    cleaned = quality.clean(raw).tables["measurements"].order_by("date")
    got = ibis.duckdb.connect().to_pyarrow(cleaned).column("value").to_pylist()
    assert got == [calcidiol_to_ng_ml(v, u) for v, u in RESULTS]  # type: ignore[arg-type]
    assert got[0] < 30.0  # a site whose threshold is 30 ng/mL calls 74.88 nmol/L low
