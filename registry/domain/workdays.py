"""Deadlines in calendar or working days, on the official PRC calendar (holidays and make-up workdays, 调休).

The calendar is data, not code: a ``Calendar`` holds the years that are known and the days of those years
that differ from their weekday (Monday to Friday work, Saturday and Sunday rest). The registry keeps it in
the database (registry.services.calendar loads it; `registry calendar import` adds a year once the State
Council's notice is out). A day of a year not loaded is an error, never a guess. Pure: no database here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from registry.domain.choices import DayOverride
from registry.domain.handover import DayKind

# The registry works on Beijing time, which has no daylight saving: "today" is the date in UTC+8.
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
LOAD_HINT = "registry calendar import PATH --reason TEXT"


class CalendarUnknown(ValueError):
    """The working-day calendar of a year is not loaded (its notice not yet published, or not yet imported)."""

    def __init__(self, year: int):
        super().__init__(f"the working-day calendar for {year} is not loaded; load it with `{LOAD_HINT}`")
        self.year = year


def today_in_china(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(CHINA).date()


def weekday_default(day: date) -> bool:
    """Whether ``day`` is a working day by its weekday alone."""
    return day.weekday() < 5


@dataclass(frozen=True)
class Calendar:
    """The known years and, within them, the days that override the weekday default."""

    years: frozenset[int] = frozenset()
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, years: Iterable[int], days: Iterable[tuple[date, DayOverride | str]]) -> Calendar:
        holidays, workdays = set(), set()
        for day, kind in days:
            (workdays if DayOverride(kind) == DayOverride.WORKDAY else holidays).add(day)
        return cls(frozenset(years), frozenset(holidays), frozenset(workdays))

    def is_workday(self, day: date) -> bool:
        if day.year not in self.years:
            raise CalendarUnknown(day.year)
        if day in self.workdays:
            return True
        return day not in self.holidays and weekday_default(day)


def is_workday(calendar: Calendar, day: date) -> bool:
    return calendar.is_workday(day)


def next_workday(calendar: Calendar, day: date) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def add_days(calendar: Calendar, start: date, days: int, kind: DayKind) -> date:
    """The last day of a period of ``days`` calendar or working days starting after ``start``.

    As the Civil Code counts periods (民法典 第二百零一条, 第二百零三条): the start day does not count, and a
    calendar-day period whose last day is a rest day or holiday ends on the next working day.
    """
    if kind == DayKind.CALENDAR:
        return next_workday(calendar, start + timedelta(days=days))
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    return day


def working_days_between(calendar: Calendar, start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end is not after start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += calendar.is_workday(day)
    return count


def next_year_missing(calendar_years: Iterable[int], today: date) -> int | None:
    """From 1 November (Beijing date) on, the next year when its calendar is not loaded yet; else None."""
    if today.month < 11:
        return None
    nxt = today.year + 1
    return None if nxt in set(calendar_years) else nxt
