"""GET /healthz: is the database answering, and what should staff act on soon (``warnings``).

A warning never makes the server unhealthy: from 1 November (Beijing date) a missing calendar for next year is
listed, with its code and message, while the answer stays 200.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from registry import db
from registry.domain.workdays import today_in_china
from registry.http.access import public
from registry.services import calendar as calendars

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        with db.get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                with Session(bind=conn) as session:
                    found = calendars.warnings(session, today_in_china())
                warnings = [{"code": m.code.value, "message": str(m)} for m in found]
            except SQLAlchemyError:
                warnings = [{"code": "calendar.unreadable",
                             "message": "the working-day calendar cannot be read; run `registry init-db`"}]
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up", warnings=warnings)
