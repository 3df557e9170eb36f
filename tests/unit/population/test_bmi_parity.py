"""A low BMI (a hadji-2017 risk factor) is decided on the BMI as displayed, the same in the
clinical core and in the engines: the engine compares with a cut-off the core computes instead
of its own round(), which differs at x.x5 (Spark rounds 19.95 half up to 20.0, Python to 19.9).
"""

from __future__ import annotations

import math
from datetime import date

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from bonewise import evidence as ev
from bonewise.clinical.facts import largest_bmi_shown_below, shown_bmi
from bonewise.measures.definitions import load_measures
from bonewise.population import rules
from bonewise.population.schema import SCHEMAS

LOW = ev.HADJI_RISK_BMI_UNDER.value
DAY = date(2026, 1, 1)
EDGES = (19.95, 19.85, 19.949999, 19.950001, 20.0, 19.99, 18.25, 0.15 * 133)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=10.0, max_value=30.0))
def test_the_cut_off_is_exactly_the_displayed_comparison(bmi: float) -> None:
    cut = largest_bmi_shown_below(LOW)
    assert (bmi <= cut) == (shown_bmi(bmi) < LOW)


def test_the_cut_off_sits_between_two_neighbouring_floats() -> None:
    cut = largest_bmi_shown_below(LOW)
    assert shown_bmi(cut) < LOW <= shown_bmi(math.nextafter(cut, math.inf))


def _tables(bmis: tuple[float, ...]) -> dict[str, ibis.Table]:
    ids = [f"w{i}" for i in range(len(bmis))]
    rows: dict[str, list[dict[str, object]]] = {
        "persons": [{"person_id": i, "birth_date": date(1960, 1, 1)} for i in ids],
        "measurements": [
            {"person_id": i, "concept": "bmi", "date": date(2025, 6, 1), "value": b}
            for i, b in zip(ids, bmis, strict=True)
        ],
    }
    return {
        name: ibis.memtable(
            pa.Table.from_pylist(
                [{f.name: row.get(f.name) for f in schema} for row in rows.get(name, [])],
                schema=schema,
            )
        )
        for name, schema in SCHEMAS.items()
    }


def test_the_engine_counts_a_low_bmi_where_the_core_does() -> None:
    factors = rules._risk_factor_ids(_tables(EDGES), DAY, load_measures())
    got = set(ibis.duckdb.connect().to_pyarrow(factors["low_bmi"]).column("person_id").to_pylist())
    expected = {f"w{i}" for i, b in enumerate(EDGES) if shown_bmi(b) < LOW}
    assert got == expected and "w0" in got  # 19.95 displays as 19.9: under 20
