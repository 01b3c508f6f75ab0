"""/api/v1/calendar: the working-day calendar's years (published data, read by anyone) and loading a year (admin)."""

from __future__ import annotations

from typing import Any

from registry import db
from registry.api.blueprint import Blueprint, etag_header
from registry.domain.choices import DayOverride
from registry.domain.roles import ALLOWED, Action
from registry.http.access import current_caller, public, roles
from registry.http.caching import conditional, keepable
from registry.http.etag import etag_for, expected_version, not_modified, optional_version
from registry.schemas.calendar import CalendarYearDetail, CalendarYearIn, CalendarYearOut
from registry.services import calendar as calendars
from registry.services.errors import Code, Message, NotFound

blp = Blueprint("calendar", __name__, url_prefix="/api/v1/calendar",
                description="The working-day calendar: holidays and make-up workdays by year")
managers = roles(*ALLOWED[Action.CALENDAR_MANAGE])
YEAR = f"<int(min={calendars.FIRST_YEAR}, max={calendars.LAST_YEAR}):year>"


def _detail(row: Any) -> dict[str, Any]:
    holidays = sum(d.kind == DayOverride.HOLIDAY for d in row.days)
    return {"year": row.year, "source": row.source, "loaded_at": row.loaded_at, "holidays": holidays,
            "workdays": len(row.days) - holidays, "version": row.version, "days": list(row.days)}


def _with_etag(row: Any) -> tuple[dict[str, Any], int, dict[str, str]]:
    return _detail(row), 200, {"ETag": etag_for(row.version)}


@blp.get("/years")
@public
@conditional
@blp.response(200, CalendarYearOut(many=True))
def list_years():
    """The years loaded, oldest first: a working-day count reaching into any other year is refused."""
    return calendars.list_years(db.session())


@blp.get(f"/years/{YEAR}")
@public
@keepable
@blp.response(200, CalendarYearDetail, headers=etag_header("the year"))
@blp.alt_response(304, description="Not modified")
def get_year(year: int):
    """One loaded year with each day that differs from its weekday; its ETag is what PUT expects in If-Match."""
    row = calendars.get_year(db.session(), year)
    if row is None:
        raise NotFound(Message(Code.CALENDAR_UNKNOWN, "the working-day calendar for {year} is not loaded; an "
                               "administrator loads it with `registry calendar import`", year=year))
    return not_modified(row.version) or _with_etag(row)


@blp.put(f"/years/{YEAR}")
@managers
@blp.versioned_write("this year", "calendar.stale",
                     needed_when="once the year is loaded (a year not yet loaded takes none)")
@blp.arguments(CalendarYearIn)
@blp.response(200, CalendarYearDetail, headers=etag_header("the year"))
def put_year(data: dict[str, Any], year: int):
    """Load a year, or replace it whole: every day checked first, each wrong one named (``days.N``, from 0);
    nothing is written if any is wrong. Audited with the year's days before and after.

    Replacing a loaded year needs its ETag in If-Match (428 without it, 412 if stale); loading a new year needs
    none, and an If-Match for a year not loaded is stale."""
    session = db.session()
    expected = expected_version() if calendars.get_year(session, year) is not None else optional_version()
    rows = [calendars.Row(f"days.{n}", d["date"], d["kind"]) for n, d in enumerate(data["days"])]
    loaded = calendars.replace_year(session, current_caller(), rows, data["reason"], "api", year, expected)
    session.commit()
    return _with_etag(loaded.year)
