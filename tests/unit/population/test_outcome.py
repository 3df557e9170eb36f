"""eCQM arithmetic on a measure's rows: exclusions win, gaps are what is left, sorted by id."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from bonewise.population.runner import outcome, review_reasons

rows = st.lists(
    st.tuples(st.text("abcdef", min_size=1, max_size=6), st.booleans(), st.booleans()),
    unique_by=lambda r: r[0],
    max_size=40,
)


def _table(data: list[tuple[str, bool, bool]]) -> pa.Table:
    return pa.table(
        {
            "person_id": pa.array([p for p, _, _ in data], pa.string()),
            "index_date": pa.array([date(2024, 1, 1)] * len(data), pa.date32()),
            "excluded": pa.array([e for _, e, _ in data], pa.bool_()),
            "numerator": pa.array([n for _, _, n in data], pa.bool_()),
        }
    )


@given(rows)
def test_counts_partition_the_denominator(data: list[tuple[str, bool, bool]]) -> None:
    o = outcome("m", _table(data))
    assert o.denominator == len(data)
    assert o.excluded == sum(e for _, e, _ in data)
    # a woman who died before D is excluded even if her record met the numerator
    assert o.numerator == sum(n and not e for _, e, n in data)
    assert o.gaps == o.denominator - o.excluded - o.numerator
    ids = [pid for pid, _ in o.gap_rows]
    assert ids == sorted(p for p, e, n in data if not e and not n)


def test_review_reasons_name_each_reason() -> None:
    flags = pa.table(
        {
            "person_id": ["a", "b", "c"],
            "bone_metastases": [True, False, True],
            "recent_fracture": [False, True, True],
        }
    )
    assert review_reasons(flags) == {
        "a": "bone metastases",
        "b": "recent fracture",
        "c": "bone metastases; recent fracture",
    }
    o = outcome("m", _table([("a", False, False), ("z", False, False)]), review_reasons(flags))
    assert o.gap_table.column("clinician_review").to_pylist() == ["bone metastases", ""]
    assert o.needing_review == 1
