from datetime import date

import pytest

from guidance.dates import add_months, completed_years, whole_months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year: last day of February
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2023, 1, 31), 2, date(2023, 3, 31)),
        (date(2023, 3, 31), 1, date(2023, 4, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2023, 1, 10), 12, date(2024, 1, 10)),
        (date(2023, 12, 15), 1, date(2024, 1, 15)),
        (date(2023, 3, 31), -1, date(2023, 2, 28)),
        (date(2023, 5, 5), 0, date(2023, 5, 5)),
    ],
)
def test_add_months_moves_to_same_day_or_month_end(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2023, 1, 10), date(2024, 1, 10), 12),
        (date(2023, 1, 10), date(2024, 1, 9), 11),
        (date(2024, 1, 31), date(2024, 2, 29), 1),
        (date(2024, 1, 31), date(2024, 2, 28), 0),
        (date(2023, 1, 31), date(2023, 2, 28), 1),
        (date(2023, 5, 5), date(2023, 5, 5), 0),
        (date(2016, 6, 14), date(2025, 4, 15), 106),
        (date(2024, 3, 10), date(2024, 1, 10), -2),
    ],
)
def test_whole_months_is_largest_n_with_add_months_not_after_b(a, b, expected):
    result = whole_months(a, b)

    assert result == expected
    assert add_months(a, result) <= b < add_months(a, result + 1)


@pytest.mark.parametrize(
    ("birth", "on", "years"),
    [
        (date(1964, 3, 2), date(2016, 3, 1), 51),
        (date(1964, 3, 2), date(2016, 3, 2), 52),
        (date(2000, 2, 29), date(2001, 2, 28), 1),
    ],
)
def test_completed_years_counts_birthdays(birth, on, years):
    assert completed_years(birth, on) == years
