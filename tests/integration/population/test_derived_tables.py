"""The derived tables the runner computes once: the measures read DXA results from them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from bonewise.measures.definitions import load_measures
from bonewise.population import engine as engines
from bonewise.population import quality, rules
from bonewise.population.sources import stage

from .conftest import AS_OF, EXPECTED_GAPS


def test_the_measures_read_dxa_results_only_from_the_derived_table(
    known_answer_dir: Path, tmp_path: Path
) -> None:
    staged = stage(known_answer_dir, tmp_path)
    con = engines.connect("duckdb")
    cohort = quality.clean(engines.register(con, staged.tables))
    tables: rules.Tables = {str(name): expr for name, expr in cohort.tables.items()}
    kept: list[str] = []

    def keep(name: str, expr: ir.Table) -> ir.Table:
        kept.append(name)
        return engines.materialize(con, f"bw_{name}", expr)

    tables.update(rules.derived_tables(tables, AS_OF, keep=keep))
    # the women on an AI at D before the DXA results kept of them only
    assert kept == ["initial_population", "dxa_results", "dxa_events"]
    results = tables["dxa_results"].to_pyarrow()
    assert results.num_rows > 0
    assert set(results.column("concept").to_pylist()) <= set(rules.DXA_OBSERVATIONS)
    assert max(results.column("date").to_pylist()) <= AS_OF
    ip = tables["initial_population"]
    on_ai = set(ip.filter(ip.on_ai_at_d).person_id.to_pyarrow().to_pylist())
    assert set(results.column("person_id").to_pylist()) <= on_ai
    # with the DXA rows gone from the measurements, every measure still gives the known answers:
    # none of them scans the measurements again for DXA results
    meas = tables["measurements"]
    tables["measurements"] = meas.filter(~meas.concept.isin(list(rules.DXA_OBSERVATIONS)))
    ms = load_measures()
    for measure, expected in EXPECTED_GAPS.items():
        answer = rules.MEASURES[measure](tables, AS_OF, ms).to_pyarrow().to_pylist()
        gaps = {r["person_id"] for r in answer if not r["excluded"] and not r["numerator"]}
        assert gaps == expected, measure


def _table_memory_bytes(con: object) -> int:
    rows = con.raw_sql(  # type: ignore[attr-defined]
        "SELECT sum(memory_usage_bytes) FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'"
    ).fetchall()
    return int(rows[0][0] or 0)


def test_a_materialized_table_is_held_compressed(tmp_path: Path) -> None:
    """The tables a run computes once stay in DuckDB's memory for the whole run: they are held
    compressed (200,000 rows of repeated ids, days and a 16-character code system take some 10 MB
    as a temporary table, a small fraction of it compressed)."""
    n = 200_000
    pq.write_table(
        pa.table(
            {
                "person_id": [f"pt{i // 4:08d}" for i in range(n)],
                "date": [date(2020, 1, 1) + timedelta(days=i % 365) for i in range(n)],
                "code_system": ["http://loinc.org"] * n,
            }
        ),
        tmp_path / "rows.parquet",
    )
    con = engines.connect("duckdb")
    rows = con.read_parquet(str(tmp_path / "rows.parquet"), table_name="bw_raw_rows")  # type: ignore[attr-defined]
    before = _table_memory_bytes(con)
    kept = engines.materialize(con, "bw_rows", rows)
    held = _table_memory_bytes(con) - before
    assert kept.count().execute() == 200_000
    assert kept.code_system.nunique().execute() == 1
    assert held < 3_000_000, held
