"""GET /healthz: is the process alive (liveness: it never touches the database, so an outage does not get a healthy
worker restarted). GET /readyz: can it serve now (readiness: the database answers and takes a write, see
registry.services.readiness), with ``warnings`` an operator should act on soon.

A warning never makes the server unready: from 1 November (Beijing date) a missing calendar for next year is listed,
and so is a disk with less free space than REGISTRY_MIN_FREE_MIB; each with its code and message.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from registry import db
from registry.db import failures
from registry.domain.workdays import today_in_china
from registry.http.access import public
from registry.services import calendar as calendars
from registry.services import readiness
from registry.services.errors import Unavailable

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
@public
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz():
    engine = db.get_engine()
    folder = readiness.database_folder(engine, Path(current_app.instance_path))
    low = readiness.low_space(folder, current_app.config["REGISTRY_SETTINGS"].min_free_mib)
    found: list = [low] if low else []
    try:
        with engine.connect() as conn:
            readiness.take_a_write(conn)
            if engine.dialect.name == "sqlite":
                readiness.write_to_disk(folder)
            found += _calendar_warnings(conn)
    except (SQLAlchemyError, OSError) as error:
        return _not_ready(error, found)
    return jsonify(status="ready", database="up", warnings=_listed(found))


def _calendar_warnings(conn: Connection) -> list:
    """Next year's missing calendar, from 1 November; a calendar that cannot be read is a warning of its own."""
    try:
        with Session(bind=conn) as session:
            return calendars.warnings(session, today_in_china())
    except SQLAlchemyError:
        return [{"code": "calendar.unreadable",
                 "message": "the working-day calendar cannot be read; run `registry init-db`"}]


def _listed(found: list) -> list[dict[str, str]]:
    """Each warning as its code and its English sentence."""
    return [m if isinstance(m, dict) else {"code": m.code.value, "message": str(m)} for m in found]


def _not_ready(error: BaseException, found: list):
    """503, saying whether the database is down, busy or full; an error that is no outage is logged as a bug."""
    outage = failures.classify(error)
    if outage is None:
        log.error("readiness check failed", exc_info=error)
    body = {"status": "unavailable", "database": failures.kind(error) or "error",
            "code": outage.code.value if outage else None, "warnings": _listed(found)}
    retry = outage.retry_after if isinstance(outage, Unavailable) else failures.RETRY_DOWN_S
    return jsonify(body), 503, {"Retry-After": str(retry)}
