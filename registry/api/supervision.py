"""/api/v1/powers/{id}/supervision and /api/v1/rectifications: supervision after the handover (事中事后监管)."""

from __future__ import annotations

from typing import Any

from registry import db
from registry.api.blueprint import BEARER, Blueprint, etag_header
from registry.domain.roles import ALLOWED, Action
from registry.http.access import current_caller, roles, staff
from registry.http.etag import optional_version, with_etag
from registry.http.paths import POWER, RECTIFICATION
from registry.schemas.supervision import (
    CloseIn,
    RectificationQuery,
    RectificationWithRecordOut,
    SupervisionIn,
    SupervisionOut,
)
from registry.services import supervision

blp = Blueprint("supervision", __name__, url_prefix="/api/v1",
                description="Supervision after the handover (事中事后监管) and rectification (整改)")

SUPERVISION = f"/powers{POWER}/supervision"
ONE = f"/rectifications{RECTIFICATION}"
recorder = roles(*ALLOWED[Action.SUPERVISION_RECORD])  # a department user only for its own items (service check)
closer = roles(*ALLOWED[Action.RECTIFICATION_CLOSE])


@blp.post(SUPERVISION)
@recorder
@blp.doc(security=BEARER)
@blp.arguments(SupervisionIn)
@blp.response(201, SupervisionOut)
def record_supervision(body: dict[str, Any], power_id: int):
    """Record guidance, training or an inspection of the zone's handling of the item, by its guiding department
    (a department user only for its own items). A finding that requires rectification names what and within how
    many working days of the record's date; the deadline is counted on the working-day calendar."""
    session = db.session()
    row = supervision.record(session, current_caller(), power_id, **body)
    session.commit()
    return row


@blp.get(SUPERVISION)
@staff
@blp.doc(security=BEARER)
@blp.response(200, SupervisionOut(many=True))
def list_supervision(power_id: int):
    """The item's supervision records, the latest first, each with its rectification and where it stands."""
    return supervision.for_power(db.session(), power_id)


@blp.get(ONE)
@staff
@blp.doc(security=BEARER)
@blp.response(200, RectificationWithRecordOut, headers=etag_header("the rectification"))
def get_rectification(rectification_id: int):
    """One rectification with its record and where it stands; its ETag is what closing it sends in If-Match."""
    return with_etag(supervision.get_rectification(db.session(), rectification_id))


@blp.post(f"{ONE}/close")
@closer
@blp.versioned_write("the rectification", "rectification.stale")
@blp.arguments(CloseIn)
@blp.response(200, RectificationWithRecordOut, headers=etag_header("the rectification"))
def close_rectification(body: dict[str, Any], rectification_id: int):
    """The zone's record that a rectification is done, with its evidence (closed after the deadline, it stays
    marked closed late)."""
    session = db.session()
    row = supervision.close(session, current_caller(), rectification_id, expected_version=optional_version(),
                            **body)
    session.commit()
    return with_etag(row)


@blp.get("/rectifications")
@staff
@blp.doc(security=BEARER)
@blp.arguments(RectificationQuery, location="query", as_kwargs=True)
@blp.response(200, RectificationWithRecordOut(many=True))
def list_rectifications(overdue: bool | None = None):
    """Rectifications by deadline; ``overdue=true`` lists the open ones past their deadline (from the day after
    it), like the overdue handovers."""
    return supervision.list_rectifications(db.session(), overdue)
