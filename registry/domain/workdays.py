"""Deadlines in calendar or working days, on the official PRC calendar (holidays and make-up workdays, 调休).

The calendar is the `chinesecalendar` package, which follows the State Council's yearly notice; a year it
does not know yet is an error, never a guess.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import chinese_calendar

from registry.domain.handover import DayKind

# The registry works on Beijing time, which has no daylight saving: "today" is the date in UTC+8.
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


class CalendarUnknown(ValueError):
    """The official calendar of a year has not been published (or the package is older than it)."""


def today_in_china(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(CHINA).date()


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarUnknown(f"the official working-day calendar for {day.year} is not available yet") from None


def next_workday(day: date) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def add_days(start: date, days: int, kind: DayKind) -> date:
    """The last day of a period of ``days`` calendar or working days starting after ``start``.

    As the Civil Code counts periods (民法典 第二百零一条, 第二百零三条): the start day does not count, and a
    calendar-day period whose last day is a rest day or holiday ends on the next working day.
    """
    if kind == DayKind.CALENDAR:
        return next_workday(start + timedelta(days=days))
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end is not after start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_workday(day)
    return count
