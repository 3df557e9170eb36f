"""Calendar arithmetic the rules need: whole calendar months, day clamped to the month's end."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months; 31 January + 1 month is 28 (or 29) February."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def completed_years(born: date, on: date) -> int:
    """Whole years from `born` to `on`: her age on that day (a 29 February birthday turns on
    1 March in other years)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# The earliest day any dated entry may carry (diary, exercise log, API bodies): it refuses year
# 0001 and a mistyped century. Not her account's creation: the local operator enters records
# for women with no account, and a paper diary may be typed in after she signs up. Policy.
EARLIEST_DAY = date(1900, 1, 1)
