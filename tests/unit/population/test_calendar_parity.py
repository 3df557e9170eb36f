"""The engines' month arithmetic and age are the clinical core's (hypothesis, batched per query)."""

from __future__ import annotations

from datetime import date

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.oracles.caregaps_reference import age_on

from bonewise.clinical.calendar import add_months
from bonewise.population.rules import age_years, plus_months

_con = ibis.duckdb.connect()
days = st.dates(min_value=date(1930, 1, 1), max_value=date(2060, 12, 31))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(days, st.integers(-36, 36)), min_size=1, max_size=200))
def test_plus_months_clamps_to_the_month_end_like_add_months(
    cases: list[tuple[date, int]],
) -> None:
    table = ibis.memtable(
        pa.table({"day": pa.array([d for d, _ in cases], pa.date32()), "i": range(len(cases))})
    )
    exprs = {f"m{k}": plus_months(table.day, k) for k in sorted({m for _, m in cases})}
    got = _con.to_pyarrow(table.mutate(**exprs).order_by("i")).to_pylist()
    for (day, months), row in zip(cases, got, strict=True):
        assert row[f"m{months}"] == add_months(day, months), (day, months)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(days, days), min_size=1, max_size=200))
def test_age_in_the_engine_is_completed_years(cases: list[tuple[date, date]]) -> None:
    table = ibis.memtable(
        pa.table(
            {
                "birth": pa.array([b for b, _ in cases], pa.date32()),
                "on": pa.array([o for _, o in cases], pa.date32()),
                "i": range(len(cases)),
            }
        )
    )
    got = _con.to_pyarrow(table.mutate(age=age_years(table.birth, table.on)).order_by("i"))
    for (birth, on), age in zip(cases, got.column("age").to_pylist(), strict=True):
        assert age == age_on(birth, on), (birth, on)


def test_leap_day_birthday_is_reached_on_the_first_of_march() -> None:
    assert age_on(date(1960, 2, 29), date(2026, 2, 28)) == 65
    assert age_on(date(1960, 2, 29), date(2026, 3, 1)) == 66
