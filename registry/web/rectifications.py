"""The console's list of overdue rectifications (整改): open past their deadline, from the day after it, each
linked to its item's supervision records; like the overdue handovers."""

from __future__ import annotations

from flask import Blueprint, render_template

from registry import db
from registry.domain.workdays import today_in_china
from registry.http.access import staff
from registry.services import supervision

bp = Blueprint("rectifications", __name__, url_prefix="/console/rectifications")


@bp.get("/")
@staff
def index():
    """Open rectifications past their deadline, the longest overdue first."""
    today = today_in_china()
    return render_template("console/rectifications.html", overdue=supervision.overdue(db.session(), today),
                           today=today)
