"""Demo case files dated for a meeting: move a whole clinical course in time, keeping every interval."""

import copy
import datetime as dt
import re

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _dates(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _dates(item)
    elif isinstance(value, list):
        for item in value:
            yield from _dates(item)
    elif isinstance(value, str) and ISO_DATE.fullmatch(value):
        yield dt.date.fromisoformat(value)


def latest_date(case: dict) -> dt.date:
    """Return the latest date anywhere in a case file (its most recent record)."""
    return max(_dates(case))


def shift_case(case: dict, days: int) -> dict:
    """Return a copy of the case file with every date moved by `days` (birth date included, so ages stay)."""

    def shifted(value):
        if isinstance(value, dict):
            return {key: shifted(item) for key, item in value.items()}
        if isinstance(value, list):
            return [shifted(item) for item in value]
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
        return value

    return shifted(copy.deepcopy(case))


def dated_for_meeting(case: dict, *, meeting_day: dt.date, days_before: int) -> dict:
    """Move the case so that its latest record is about `days_before` days before the meeting.

    The shift is a whole number of weeks (weekdays stay weekdays) and never later than asked, so with
    `days_before` at least the days until the meeting no record lands in the future.
    """
    target = meeting_day - dt.timedelta(days=days_before)
    weeks = (target - latest_date(case)).days // 7
    return shift_case(case, weeks * 7)
