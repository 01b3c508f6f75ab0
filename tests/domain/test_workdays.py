"""Deadlines on the official PRC calendar: working days skip holidays and count make-up workdays (调休).

Every expected date below was checked by hand against the State Council's notices for 2021 (and against
``chinese_calendar.is_workday`` day by day), then written down as a literal: the table is not recomputed by
the code under test.

2021 Spring Festival: 2021-02-11 (Thu) .. 2021-02-17 (Wed) off; Sunday 2021-02-07 and Saturday 2021-02-20
are workdays. Mid-autumn: 2021-09-19 .. 21 off, Saturday 2021-09-18 a workday. National Day: 2021-10-01 ..
07 off; Sunday 2021-09-26 and Saturday 2021-10-09 are workdays.

The legal rule for periods: the start day itself never counts; counting begins the next day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from registry.domain.handover import DayKind
from registry.domain.workdays import CalendarUnknown, add_days, is_workday, today_in_china, working_days_between

W, C = DayKind.WORKING, DayKind.CALENDAR


@pytest.mark.parametrize(
    ("start", "days", "kind", "expected"),
    [
        # Spring Festival 2021
        (date(2021, 2, 5), 1, W, date(2021, 2, 7)),    # Fri -> the Sunday make-up day counts
        (date(2021, 2, 6), 1, W, date(2021, 2, 7)),    # from a Saturday off
        (date(2021, 2, 7), 1, W, date(2021, 2, 8)),    # the start day never counts, even a workday
        (date(2021, 2, 5), 2, W, date(2021, 2, 8)),
        (date(2021, 2, 5), 5, W, date(2021, 2, 18)),   # 07, 08, 09, 10, then the holiday, 18
        (date(2021, 2, 10), 1, W, date(2021, 2, 18)),  # the whole holiday is skipped
        (date(2021, 2, 13), 1, W, date(2021, 2, 18)),  # from inside the holiday
        (date(2021, 2, 10), 3, W, date(2021, 2, 20)),  # 18, 19, then the Saturday make-up day
        (date(2021, 2, 19), 1, W, date(2021, 2, 20)),
        (date(2021, 2, 10), 4, W, date(2021, 2, 22)),  # Sunday 21 is off
        (date(2021, 2, 20), 1, W, date(2021, 2, 22)),
        (date(2021, 2, 4), 10, W, date(2021, 2, 23)),
        (date(2021, 2, 13), 0, W, date(2021, 2, 13)),  # no days: the start, whatever it is
        # an ordinary week
        (date(2021, 3, 5), 1, W, date(2021, 3, 8)),
        (date(2021, 3, 1), 5, W, date(2021, 3, 8)),
        # Mid-autumn and National Day 2021
        (date(2021, 9, 17), 1, W, date(2021, 9, 18)),  # Saturday make-up day for mid-autumn
        (date(2021, 9, 17), 5, W, date(2021, 9, 26)),  # 18, 22, 23, 24, then the Sunday make-up day
        (date(2021, 9, 24), 1, W, date(2021, 9, 26)),  # Sunday 2021-09-26 was a workday
        (date(2021, 9, 30), 1, W, date(2021, 10, 8)),  # Oct 1-7 off
        (date(2021, 9, 30), 2, W, date(2021, 10, 9)),  # Saturday 2021-10-09 was a workday
        (date(2021, 9, 30), 3, W, date(2021, 10, 11)),
        (date(2021, 10, 3), 1, W, date(2021, 10, 8)),
        (date(2021, 9, 24), 20, W, date(2021, 10, 27)),
        # across a year end (2022-01-01..03 off)
        (date(2021, 12, 31), 1, W, date(2022, 1, 4)),
        # calendar days add, but a period ending on a rest day or holiday ends on the next working day
        # (民法典 第二百零三条)
        (date(2021, 2, 5), 1, C, date(2021, 2, 7)),  # Saturday 02-06 is a rest day; Sunday 02-07 a 调休 workday
        (date(2021, 2, 10), 1, C, date(2021, 2, 18)),  # 02-11 is in the Spring Festival holiday
        (date(2021, 2, 10), 7, C, date(2021, 2, 18)),  # 02-17, its last day
        (date(2021, 2, 5), 5, C, date(2021, 2, 10)),  # a Wednesday: no move
        (date(2021, 2, 10), 30, C, date(2021, 3, 12)),
        (date(2021, 9, 30), 10, C, date(2021, 10, 11)),  # Sunday 10-10 → Monday
        (date(2021, 9, 25), 1, C, date(2021, 9, 26)),  # Sunday 09-26 was a 调休 workday: no move
        (date(2024, 2, 28), 1, C, date(2024, 2, 29)),
        (date(2021, 12, 31), 1, C, date(2022, 1, 4)),  # New Year holiday 01-01..03
    ],
)
def test_add_days(start: date, days: int, kind: DayKind, expected: date) -> None:
    assert add_days(start, days, kind) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2021, 2, 7), True),    # Sunday, make-up
        (date(2021, 2, 6), False),   # Saturday
        (date(2021, 2, 11), False),  # Spring Festival, a Thursday
        (date(2021, 2, 17), False),  # its last day, a Wednesday
        (date(2021, 2, 18), True),
        (date(2021, 2, 20), True),   # Saturday, make-up
        (date(2021, 2, 21), False),
        (date(2021, 9, 26), True),   # Sunday, make-up
        (date(2021, 10, 1), False),
        (date(2021, 10, 7), False),
        (date(2021, 10, 9), True),   # Saturday, make-up
        (date(2021, 10, 10), False),
    ],
)
def test_is_workday(day: date, expected: bool) -> None:
    assert is_workday(day) is expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2021, 2, 5), date(2021, 2, 7), 1),    # Sat off, Sun make-up
        (date(2021, 2, 5), date(2021, 2, 6), 0),
        (date(2021, 2, 10), date(2021, 2, 17), 0),  # the holiday only
        (date(2021, 2, 10), date(2021, 2, 18), 1),
        (date(2021, 2, 10), date(2021, 2, 20), 3),
        (date(2021, 2, 1), date(2021, 2, 28), 16),  # 02-05, 07-10, 18-20, 22-26
        (date(2021, 9, 30), date(2021, 10, 9), 2),
        (date(2021, 9, 24), date(2021, 10, 27), 20),
        (date(2021, 2, 7), date(2021, 2, 7), 0),    # end not after start
        (date(2021, 10, 9), date(2021, 10, 1), 0),  # end before start
        (date(2031, 5, 1), date(2031, 4, 1), 0),    # nothing to count: no calendar needed
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert working_days_between(start, end) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_days(date(2031, 3, 2), 1, W),
        lambda: add_days(date(2031, 1, 1), 30, W),
        lambda: add_days(date(2003, 6, 2), 1, W),  # before the calendar's first year
        lambda: working_days_between(date(2031, 1, 1), date(2031, 1, 10)),
        lambda: is_workday(date(2031, 10, 1)),
        lambda: add_days(date(2031, 1, 1), 10, C),  # whether the last day is a holiday is unknown too
    ],
    ids=["add_days-2031", "add_days-2031-long", "add_days-2003", "between-2031", "is_workday-2031",
         "calendar-days-2031"],
)
def test_an_unknown_year_is_an_error_never_a_guess(call) -> None:
    with pytest.raises(CalendarUnknown, match="working-day calendar for (2031|2003) is not available") as info:
        call()
    assert isinstance(info.value, ValueError)
    assert info.value.__cause__ is None  # the package's NotImplementedError is replaced, not chained


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 26, 16, 30, tzinfo=UTC), date(2026, 11, 27)),
        (datetime(2026, 11, 26, 15, 59, tzinfo=UTC), date(2026, 11, 26)),
        (datetime(2026, 11, 26, 15, 59, 59, 999999, tzinfo=UTC), date(2026, 11, 26)),
        (datetime(2026, 11, 26, 16, 0, tzinfo=UTC), date(2026, 11, 27)),  # Beijing midnight
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2026, 11, 26, 23, 30, tzinfo=timezone(timedelta(hours=-5))), date(2026, 11, 27)),
        (datetime(2026, 11, 27, 7, 59, tzinfo=timezone(timedelta(hours=8))), date(2026, 11, 27)),
        (datetime(2026, 7, 1, 0, 0, tzinfo=UTC), date(2026, 7, 1)),  # no daylight saving in summer
    ],
)
def test_today_in_china(now: datetime, expected: date) -> None:
    assert today_in_china(now) == expected
