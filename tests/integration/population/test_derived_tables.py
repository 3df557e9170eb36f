"""The derived tables the runner computes once: the measures read DXA results from them."""

from __future__ import annotations

from pathlib import Path

import ibis.expr.types as ir

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
