"""Calendar-month arithmetic (decision-logic §1.1). Pure: no clock."""

import calendar
from datetime import date, timedelta


def add_months(d: date, n: int) -> date:
    """Return the same day n months later (or earlier); the month's last day when that day does not exist."""
    month_index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def whole_months(a: date, b: date) -> int:
    """Return the largest n with add_months(a, n) <= b (negative when b is before a)."""
    n = (b.year - a.year) * 12 + (b.month - a.month)
    while add_months(a, n) > b:
        n -= 1
    while add_months(a, n + 1) <= b:
        n += 1
    return n


def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)


def completed_years(a: date, b: date) -> int:
    """Return the completed years from a to b (age on b of someone born on a)."""
    return whole_months(a, b) // 12
