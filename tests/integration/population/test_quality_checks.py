"""The quality step's counts stay exact when they are computed the cheap way (DuckDB)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bonewise.population import engine, quality
from bonewise.population.schema import SCHEMAS, TABLES, TableName


def _table(name: TableName, rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMAS[name])


def _run(
    tmp: Path, procedures: list[dict[str, Any]], *, sort_ids_here: bool = False
) -> tuple[dict[str, dict[str, int]], int]:
    persons = [
        {"person_id": pid, "gender": "female", "birth_date": date(1960, 1, 1)} for pid in "ab"
    ]
    raw = {name: _table(name, []) for name in TABLES}
    raw["persons"] = _table("persons", persons)
    raw["procedures"] = _table("procedures", procedures)
    for name, table in raw.items():
        pq.write_table(table, tmp / f"{name}.parquet")
    con = engine.connect("duckdb")
    tables = engine.register(con, {name: tmp / f"{name}.parquet" for name in TABLES})
    cohort = quality.clean(tables, lambda n, e: engine.materialize(con, f"clean_{n}", e))
    usable = cohort.tables["procedures"].count().to_pyarrow().as_py()
    return quality.count_malformed(cohort, sort_ids_here=sort_ids_here), int(usable)


def _dxa(record_id: str | None, person: str = "a") -> dict[str, Any]:
    return {"record_id": record_id, "person_id": person, "concept": "dxa", "date": date(2024, 1, 2)}


@pytest.mark.parametrize("sort_ids_here", [False, True], ids=["engine", "here"])
def test_duplicate_ids_are_counted_exactly_and_missing_ids_are_not_duplicates(
    tmp_path: Path, sort_ids_here: bool
) -> None:
    """The same count whether the engine sorts the id hashes or this process does (DuckDB)."""
    report, usable = _run(
        tmp_path,
        [_dxa("p1"), _dxa("p1"), _dxa("p1"), _dxa("p2"), _dxa(None), _dxa(None)],
        sort_ids_here=sort_ids_here,
    )
    assert report["procedures"]["duplicate_id"] == 2
    assert report["procedures"]["rows"] == 6
    assert usable == 6  # a repeated id is reported, the rows still count


@pytest.mark.parametrize("sort_ids_here", [False, True], ids=["engine", "here"])
def test_no_duplicates_and_orphans_counted_per_row(tmp_path: Path, sort_ids_here: bool) -> None:
    report, usable = _run(
        tmp_path,
        [_dxa("p1"), _dxa("p2", "nobody"), _dxa("p3", "nobody"), _dxa("p4", "b")],
        sort_ids_here=sort_ids_here,
    )
    assert report["procedures"]["duplicate_id"] == 0
    assert report["procedures"]["unknown_person"] == 2
    assert usable == 4


def test_a_hash_collision_is_not_a_duplicate() -> None:
    """Hashes that repeat make the step count the ids themselves: here every id is made to share
    one hash, and no id repeats."""
    rows = ibis.memtable({"record_id": ["x", "y", "z", "z"]})
    collided = rows.mutate(_id_hash=ibis.literal(7, "int64"))
    hashed = collided.aggregate(n=collided._id_hash.count() - collided._id_hash.nunique())
    assert hashed.to_pyarrow().column("n")[0].as_py() == 3  # what the hash alone would say
    assert quality._exact_duplicates(rows.record_id).to_pyarrow().as_py() == 1
