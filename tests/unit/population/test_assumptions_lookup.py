"""The gap ids of all measures are looked up in the run's assumptions at once
(`population.assumptions.with_assumptions`): each measure keeps its own women's lines, a woman
not read has none, and a measure without gaps stays empty."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from bonewise.population import assumptions
from bonewise.population.runner import MeasureOutcome


def _outcome(measure_id: str, patient_ids: list[str]) -> MeasureOutcome:
    table = pa.table(
        {
            "patient_id": pa.array(patient_ids, pa.string()),
            "index_date": pa.array([date(2026, 1, 1)] * len(patient_ids), pa.date32()),
            "clinician_review": pa.array([""] * len(patient_ids), pa.string()),
        }
    )
    if not patient_ids:  # as the engine gives a table with no rows: no chunk at all
        table = pa.Table.from_batches([], table.schema)
    n = len(patient_ids)
    return MeasureOutcome(measure_id, n, 0, 0, n, table)


def test_each_measure_keeps_its_own_womens_lines() -> None:
    lines = pa.table(
        {
            "person_id": ["w3", "w1", "w2"],
            "assumptions": pa.DictionaryArray.from_arrays(
                pa.array([1, 2, 1], pa.int32()), pa.array(["", "a | b", "c"])
            ),
        }
    )
    outcomes = {
        "first": _outcome("first", ["w1", "w2"]),
        "none": _outcome("none", []),
        "second": _outcome("second", ["w2", "w3", "w4"]),  # w4: not read
    }
    found = assumptions.with_assumptions(outcomes, lines)
    assert list(found) == ["first", "none", "second"]
    words = {mid: m.gap_table.column("assumptions").to_pylist() for mid, m in found.items()}
    assert words == {"first": ["c", "a | b"], "none": [], "second": ["a | b", "a | b", ""]}
    assert found["first"].gap_table.column("patient_id").to_pylist() == ["w1", "w2"]
