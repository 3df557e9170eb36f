"""The population's reading of one woman's DXA rows for hadji-2017 (rules.therapy_evidence):
her latest day with a result the core can read, whatever earlier or unreadable rows hold."""

from __future__ import annotations

from datetime import date
from typing import Any

from bonewise.population.rules import therapy_evidence

D = date(2025, 6, 1)


def _row(
    on: date, value: float, site: str = "lumbar_spine", make: str = "hologic"
) -> dict[str, Any]:
    return {
        "person_id": "p1",
        "date": on,
        "concept": "dxa_t_score",
        "value": value,
        "body_site": site,
        "device_make": make,
        "precision_pct": None,
        "code_system": None,
        "code": None,
    }


def test_latest_day_is_read_not_the_lowest_earlier_one() -> None:
    rows = [_row(date(2022, 1, 1), -3.0), _row(date(2024, 1, 1), -1.2)]
    found = therapy_evidence(rows, [], date(1960, 1, 1), D)
    assert found is not None
    assert (found.latest_dxa, found.t_score) == (date(2024, 1, 1), -1.2)


def test_a_latest_day_with_no_readable_result_falls_back_to_the_day_before() -> None:
    # a T-score outside the plausible range and a result of no site are not read (as the import)
    rows = [
        _row(date(2022, 1, 1), -2.7),
        _row(date(2024, 1, 1), -42.0),
        _row(date(2024, 1, 1), -1.0, site=""),
    ]
    found = therapy_evidence(rows, [], date(1960, 1, 1), D)
    assert found is not None
    assert (found.latest_dxa, found.t_score) == (date(2022, 1, 1), -2.7)


def test_rows_after_the_day_are_not_read_and_two_scanners_on_a_day_give_the_lower() -> None:
    rows = [
        _row(date(2023, 3, 1), -1.8, make="hologic"),
        _row(date(2023, 3, 1), -2.6, site="total_hip", make="lunar"),
        _row(date(2026, 1, 1), -4.0),
    ]
    found = therapy_evidence(rows, [], date(1960, 1, 1), D)
    assert found is not None
    assert (found.latest_dxa, found.t_score) == (date(2023, 3, 1), -2.6)
    assert therapy_evidence([_row(date(2026, 1, 1), -4.0)], [], None, D) is None
