"""The NDJSON loader's SQL says what bonewise.fhir.read says: partial dates and skipped statuses."""

from __future__ import annotations

from datetime import date

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from bonewise.fhir import read
from bonewise.population.fhir_ndjson import _SKIPPED, fhir_day_sql

_DATES = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat),
    st.dates().map(lambda d: f"{d.year:04d}"),
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}"),
    st.datetimes().map(lambda d: d.isoformat() + "+01:00"),
    st.sampled_from(["", "  2024 ", "2023-02-30", "2024-13", "abcd", "2024-03-05T10:00:00Z"]),
)


_CON = duckdb.connect()  # one in-memory database for every example (a connection is slow)


def _sql_day(text: str) -> date | None:
    row = _CON.execute(f"SELECT TRY_CAST({fhir_day_sql('$1')} AS DATE)", [text]).fetchone()
    return row[0] if row else None


@settings(max_examples=80, deadline=None)
@given(_DATES)
def test_sql_day_is_read_date(text: str) -> None:
    assert _sql_day(text) == read.day(text)


def test_a_year_is_the_first_of_january_and_a_month_its_first_day() -> None:
    assert _sql_day("1950") == date(1950, 1, 1)
    assert _sql_day("2024-03") == date(2024, 3, 1)
    assert _sql_day("2024-03-05T23:30:00-05:00") == date(2024, 3, 5)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(st.none(), st.sampled_from(sorted(read.SKIPPED_STATUSES | {"active", "final"}))),
    st.lists(st.sampled_from(["confirmed", "refuted", "entered-in-error", "unconfirmed"])),
)
def test_skipped_statuses_are_read_skip_reason(status: str | None, verification: list[str]) -> None:
    resource = {
        "status": status,
        "verificationStatus": {"coding": [{"code": c} for c in verification]},
    }
    row = _CON.execute(
        f"SELECT {_SKIPPED} FROM (SELECT $1::VARCHAR AS status, "
        "{'coding': [{'code': unnest} for unnest in $2::VARCHAR[]]} AS verificationStatus)",
        [status, verification],
    ).fetchone()
    assert row is not None
    assert row[0] == (read.status_skip_reason(resource) is not None)


def _general_day_sql(value: str) -> str:
    """The general rule alone (trim, then by length), without the loader's fast path for a text
    that is already a day."""
    t = f"trim({value})"
    return (
        f"(CASE WHEN {t} = '' THEN NULL WHEN length({t}) = 4 THEN {t} || '-01-01' "
        f"WHEN length({t}) = 7 THEN {t} || '-01' ELSE left({t}, 10) END)"
    )


@settings(max_examples=80, deadline=None)
@given(st.one_of(_DATES, st.text(alphabet=" 0123456789-T:Zé\t", max_size=14)))
def test_the_fast_path_gives_the_general_rule_text(text: str) -> None:
    """Not-a-date texts reach the quality step as the general rule leaves them, spaces and all."""
    row = _CON.execute(f"SELECT {fhir_day_sql('$1')}, {_general_day_sql('$1')}", [text]).fetchone()
    assert row is not None
    assert row[0] == row[1]
