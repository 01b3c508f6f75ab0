"""Deadlines on the official PRC calendar: working days skip holidays and count make-up workdays (调休).

Every expected date below was checked by hand against the State Council's notices for 2021 (and against
``chinese_calendar.is_workday`` day by day), then written down as a literal: the table is not recomputed by
the code under test.

2021 Spring Festival: 2021-02-11 (Thu) .. 2021-02-17 (Wed) off; Sunday 2021-02-07 and Saturday 2021-02-20
are workdays. Mid-autumn: 2021-09-19 .. 21 off, Saturday 2021-09-18 a workday. National Day: 2021-10-01 ..
07 off; Sunday 2021-09-26 and Saturday 2021-10-09 are workdays.

The legal rule for periods: the start day itself never counts; counting begins the next day.

The arithmetic counts on a ``Calendar`` object; here it is built from the `chinesecalendar` package's lists
(as `registry seed` loads them into the database), and the package itself checks it day by day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import chinese_calendar
import pytest

from registry.domain.choices import DayOverride
from registry.domain.handover import DayKind
from registry.domain.workdays import Calendar, CalendarUnknown, next_year_missing, today_in_china, working_days_between
from registry.domain.workdays import add_days as add_days_on
from registry.domain.workdays import is_workday as is_workday_on
from registry.services.calendar import package_days

W, C = DayKind.WORKING, DayKind.CALENDAR
PACKAGE = package_days()
CAL = Calendar.of(PACKAGE, [day for days in PACKAGE.values() for day in days])


def add_days(start: date, days: int, kind: DayKind) -> date:
    return add_days_on(CAL, start, days, kind)


def is_workday(day: date) -> bool:
    return is_workday_on(CAL, day)


def between(start: date, end: date) -> int:
    return working_days_between(CAL, start, end)


def test_the_package_calendar_is_the_package_day_by_day() -> None:
    """The seeded years hold exactly what chinesecalendar says, every day from 2004 to 2026."""
    assert sorted(PACKAGE) == list(range(2004, 2027))
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert CAL.is_workday(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert all(d.weekday() >= 5 for days in PACKAGE.values() for d, k in days if k == DayOverride.WORKDAY)


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
    assert between(start, end) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_days(date(2031, 3, 2), 1, W),
        lambda: add_days(date(2031, 1, 1), 30, W),
        lambda: add_days(date(2003, 6, 2), 1, W),  # before the calendar's first year
        lambda: between(date(2031, 1, 1), date(2031, 1, 10)),
        lambda: is_workday(date(2031, 10, 1)),
        lambda: add_days(date(2031, 1, 1), 10, C),  # whether the last day is a holiday is unknown too
    ],
    ids=["add_days-2031", "add_days-2031-long", "add_days-2003", "between-2031", "is_workday-2031",
         "calendar-days-2031"],
)
def test_an_unknown_year_is_an_error_never_a_guess(call) -> None:
    with pytest.raises(CalendarUnknown, match=r"working-day calendar for (2031|2003) is not loaded; load it with "
                       r"`registry calendar import PATH --reason TEXT`") as info:
        call()
    assert isinstance(info.value, ValueError)
    assert info.value.year in (2031, 2003)


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


# A year loaded by hand: only its listed days differ from the weekday rule. Test data for a far-off year, not an
# official schedule.
TEST_2099 = Calendar.of([2098, 2099], [(date(2099, 1, 1), "holiday"), (date(2099, 1, 2), "holiday"),
                                       (date(2099, 1, 10), "workday")])


@pytest.mark.parametrize(
    ("start", "days", "kind", "expected"),
    [
        (date(2098, 12, 31), 1, W, date(2099, 1, 5)),   # Thu 01-01, Fri 01-02 off; the weekend; Monday
        (date(2098, 12, 30), 1, W, date(2098, 12, 31)),
        (date(2099, 1, 9), 1, W, date(2099, 1, 10)),    # Saturday 01-10 is a make-up workday
        (date(2098, 12, 31), 1, C, date(2099, 1, 5)),   # a calendar-day period ending on a holiday moves on
        (date(2098, 12, 29), 5, W, date(2099, 1, 7)),   # 30, 31, then 05, 06, 07
    ],
)
def test_a_loaded_year_overrides_only_its_listed_days(start: date, days: int, kind: DayKind, expected: date) -> None:
    assert add_days_on(TEST_2099, start, days, kind) == expected


def test_a_year_not_loaded_is_named_even_next_to_loaded_ones() -> None:
    with pytest.raises(CalendarUnknown) as info:
        add_days_on(TEST_2099, date(2099, 12, 20), 20, W)
    assert info.value.year == 2100


@pytest.mark.parametrize(
    ("today", "years", "expected"),
    [
        (date(2026, 10, 31), {2026}, None),       # before 1 November: nothing to say yet
        (date(2026, 11, 1), {2026}, 2027),
        (date(2026, 12, 2), {2025, 2026}, 2027),
        (date(2026, 12, 31), {2026, 2027}, None),  # loaded
        (date(2027, 1, 1), {2026}, None),         # a new year: next November's question
        (date(2027, 11, 30), {2027}, 2028),
    ],
)
def test_next_year_missing_from_the_first_of_november(today: date, years: set[int], expected: int | None) -> None:
    assert next_year_missing(years, today) == expected
