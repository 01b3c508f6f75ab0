"""The admin's page for the working-day calendar: the years loaded, with their holidays and make-up workdays."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from registry import db
from registry.domain.choices import DayOverride
from registry.domain.roles import ALLOWED, Action
from registry.domain.workdays import LOAD_HINT, today_in_china
from registry.http.access import roles
from registry.services import calendar as calendars

bp = Blueprint("calendars", __name__, url_prefix="/console/calendar")
managers = roles(*ALLOWED[Action.CALENDAR_MANAGE])


@bp.get("/")
@managers
def index():
    """Every loaded year with its counts; ``?year=`` lists that year's days."""
    session = db.session()
    years = calendars.list_years(session)
    shown = None
    wanted = request.args.get("year", "")
    if wanted.isascii() and wanted.isdigit() and len(wanted) == 4:
        shown = calendars.get_year(session, int(wanted))
    return render_template("console/calendar.html", years=years, shown=shown, holiday=DayOverride.HOLIDAY,
                           warnings=calendars.warnings(session, today_in_china()), hint=LOAD_HINT)
