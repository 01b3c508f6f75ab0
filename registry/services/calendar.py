"""The working-day calendar: which years are loaded, loading or replacing one year, and the calendar object that
working-day arithmetic (registry.domain.workdays) counts on.

A year is known only once it is loaded. `registry seed` loads every year the installed `chinesecalendar`
package knows (seed_from_package); a later year is imported from the State Council's notice, as a CSV through
`registry calendar import` or as JSON through ``PUT /api/v1/calendar/years/{year}``. Each load is one audit entry
in the caller's transaction, with the year's days before and after.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from importlib.metadata import PackageNotFoundError, version

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.domain.choices import DayOverride
from registry.domain.roles import Action, Caller
from registry.domain.workdays import (
    LOAD_HINT,
    Calendar,
    CalendarUnknown,
    next_year_missing,
    weekday_default,
    working_days_between,
)
from registry.models import CalendarDay, CalendarYear
from registry.models.base import utcnow
from registry.services import audit, snapshots
from registry.services.authz import authorize
from registry.services.changes import flush_versioned
from registry.services.errors import Code, Message, StaleVersion, ValidationFailed
from registry.services.versions import check_version

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_YEAR, LAST_YEAR = 1900, 9999
SEED_REASON = "载入 chinesecalendar 所列国务院办公厅节假日安排（系统初始化）"


@dataclass(frozen=True)
class Row:
    """One day as given: ``where`` names it in errors ("row 3" of a file, "days.2" of a request)."""

    where: str
    date: object
    kind: object


@dataclass(frozen=True)
class YearSummary:
    year: int
    source: str
    loaded_at: datetime
    holidays: int
    workdays: int
    version: int


@dataclass(frozen=True)
class Loaded:
    year: CalendarYear
    created: bool
    changed: bool


def load(session: Session, since: date | None = None) -> Calendar:
    """The calendar for working-day arithmetic: every loaded year, and the override days from ``since``'s year on."""
    years = session.scalars(select(CalendarYear.year)).all()
    stmt = select(CalendarDay.day, CalendarDay.kind)
    if since is not None:
        stmt = stmt.where(CalendarDay.day >= date(since.year, 1, 1))
    return Calendar.of(years, session.execute(stmt).all())


def working_days_late(session: Session, deadlines: list[date], today: date) -> list[int | None]:
    """Working days from each deadline up to ``today``; None where the loaded calendar does not reach."""
    calendar = load(session, since=min(deadlines)) if deadlines else Calendar()
    out: list[int | None] = []
    for deadline in deadlines:
        try:
            out.append(working_days_between(calendar, deadline, today))
        except CalendarUnknown:
            out.append(None)
    return out


def known_years(session: Session) -> list[int]:
    return list(session.scalars(select(CalendarYear.year).order_by(CalendarYear.year)))


def list_years(session: Session) -> list[YearSummary]:
    """Every loaded year, oldest first, with its counts of holidays and make-up workdays."""
    counts: dict[tuple[int, DayOverride], int] = {
        (year_id, kind): n for year_id, kind, n in session.execute(
            select(CalendarDay.year_id, CalendarDay.kind, func.count()).group_by(CalendarDay.year_id, CalendarDay.kind))
    }
    return [YearSummary(y.year, y.source, y.loaded_at, counts.get((y.id, DayOverride.HOLIDAY), 0),
                        counts.get((y.id, DayOverride.WORKDAY), 0), y.version)
            for y in session.scalars(select(CalendarYear).order_by(CalendarYear.year))]


def get_year(session: Session, year: int) -> CalendarYear | None:
    return session.scalar(select(CalendarYear).where(CalendarYear.year == year))


def _parse_day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value).strip() if value is not None else ""
    if not ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_kind(value: object) -> DayOverride | None:
    try:
        return DayOverride.parse(str(value).strip().lower() if value is not None else "")
    except ValueError:
        return None


def check_rows(rows: Iterable[Row], year: int | None = None) -> tuple[int, dict[date, DayOverride]]:
    """Every row checked; the year (given, else the first date's) and its days, or ValidationFailed naming each
    wrong row. Nothing is written here."""
    errors: dict[str, list[Message]] = {}
    days: dict[date, DayOverride] = {}
    first_at: dict[date, str] = {}
    rows = list(rows)
    if year is None:
        year = next((d.year for d in (_parse_day(r.date) for r in rows) if d is not None), None)
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(Message(Code.CALENDAR_YEAR_RANGE, "the calendar holds the years {first} to {last}, "
                                       "not {year}", first=FIRST_YEAR, last=LAST_YEAR, year=year))
    for row in rows:
        wrong: list[Message] = []
        day, kind = _parse_day(row.date), _parse_kind(row.kind)
        if day is None:
            wrong.append(Message(Code.CALENDAR_DATE_INVALID, "{value} is not a date (YYYY-MM-DD)",
                                 value=str(row.date)))
        if kind is None:
            wrong.append(Message(Code.CALENDAR_KIND_INVALID, "the kind must be holiday or workday, not {value}",
                                 value=str(row.kind)))
        if day is not None:
            if day.year != year:
                wrong.append(Message(Code.CALENDAR_OTHER_YEAR, "{day} is not in {year}: a load is one year",
                                     day=day.isoformat(), year=year))
            elif day in first_at:
                wrong.append(Message(Code.CALENDAR_DUPLICATE, "{day} is given again (first in {first})",
                                     day=day.isoformat(), first=first_at[day]))
            elif kind == DayOverride.WORKDAY and weekday_default(day):
                wrong.append(Message(Code.CALENDAR_WORKDAY_ON_WEEKDAY, "{day} is a weekday, a working day already: a "
                                     "make-up workday is a Saturday or a Sunday", day=day.isoformat()))
            else:
                first_at[day] = row.where
        if wrong:
            errors.setdefault(row.where, []).extend(wrong)
        elif day is not None and kind is not None:
            days[day] = kind
    if errors:
        raise ValidationFailed(Message(Code.CALENDAR_ROWS_INVALID, "{count} row(s) are wrong; nothing was loaded",
                                       count=len(errors)), errors)
    if year is None or not days:
        raise ValidationFailed(Message(Code.CALENDAR_NO_ROWS, "no days given: a year's calendar lists its holidays "
                                       "and its make-up workdays"))
    return year, days


def replace_year(session: Session, caller: Caller, rows: Iterable[Row], reason: str | None, source: str,
                 year: int | None = None, expected_version: int | None = None) -> Loaded:
    """Load a year (or replace it, whole) after checking every row; nothing is written if any row is wrong.

    A loaded year is replaced only if still at ``expected_version`` (None: the caller named none, as the command
    line does); a version for a year not loaded is stale too. Loading the same days from the same source again
    changes nothing, appends nothing and keeps the version.
    """
    authorize(caller, Action.CALENDAR_MANAGE)
    if not (reason and reason.strip()):
        raise ValidationFailed(Message(Code.CALENDAR_REASON_REQUIRED, "say why the calendar is loaded"),
                               {"reason": [Message(Code.FIELD_REQUIRED, "required")]})
    year, days = check_rows(rows, year)
    row = get_year(session, year)
    created = row is None
    if row is None:
        if expected_version is not None:
            raise StaleVersion(Message(Code.CALENDAR_STALE, "the calendar for {year} is not loaded, so it has no "
                                       "version {expected}", year=year, expected=expected_version))
        row = CalendarYear(year=year, source=source, loaded_at=utcnow())
        session.add(row)
        before = None
    else:
        check_version(row, expected_version, lambda version, expected: Message(
            Code.CALENDAR_STALE, "the calendar for {year} is at version {version}, not {expected}; reload it and "
            "retry", year=year, version=version, expected=expected))
        before = snapshots.calendar_year(row)
        if {d.day: d.kind for d in row.days} == days and row.source == source:
            return Loaded(row, created=False, changed=False)
        row.days.clear()
        flush_versioned(session, row)
        row.source, row.loaded_at = source, utcnow()
    row.days.extend(CalendarDay(day=d, kind=days[d]) for d in sorted(days))
    flush_versioned(session, row)
    audit.record(session, caller, "create" if created else "replace", row, before, reason.strip())
    return Loaded(row, created=created, changed=True)


def package_source() -> str:
    try:
        return f"chinesecalendar {version('chinesecalendar')}"
    except PackageNotFoundError:
        return "chinesecalendar"


def package_days() -> dict[int, list[tuple[date, DayOverride]]]:
    """The holidays and make-up workdays the installed `chinesecalendar` package lists, by year."""
    import chinese_calendar  # only seeding reads the package

    by_year: dict[int, list[tuple[date, DayOverride]]] = {}
    for day in chinese_calendar.holidays:
        by_year.setdefault(day.year, []).append((day, DayOverride.HOLIDAY))
    for day in chinese_calendar.workdays:
        by_year.setdefault(day.year, []).append((day, DayOverride.WORKDAY))
    return {y: sorted(days) for y, days in sorted(by_year.items())}


def seed_from_package(session: Session, caller: Caller) -> list[int]:
    """Load each year the package knows that the registry has not loaded yet (a loaded year is never
    overwritten: it may hold a later import). Returns the years loaded."""
    loaded = set(known_years(session))
    done = []
    for year, days in package_days().items():
        if year in loaded:
            continue
        rows = [Row(d.isoformat(), d, k.value) for d, k in days]
        replace_year(session, caller, rows, SEED_REASON, package_source(), year)
        done.append(year)
    return done


def warnings(session: Session, today: date) -> list[Message]:
    """What staff should act on: from 1 November (Beijing date), next year's calendar when it is not loaded."""
    missing = next_year_missing(known_years(session), today)
    if missing is None:
        return []
    return [Message(Code.CALENDAR_NEXT_YEAR_MISSING, "the working-day calendar for {year} is not loaded: working-day "
                    "deadlines reaching into {year} are refused until it is; load it with `{hint}` once the State "
                    "Council's notice is out", year=missing, hint=LOAD_HINT)]
