"""/api/v1/changes: what changed in the zone's list between two dates, by the decisions taking effect then."""

from __future__ import annotations

from datetime import date

from registry import db
from registry.api.blueprint import Blueprint
from registry.domain.workdays import today_in_china
from registry.http.access import public
from registry.http.caching import conditional
from registry.schemas.standing import ChangesQuery, ListChangesOut
from registry.services import list_changes

blp = Blueprint("changes", __name__, url_prefix="/api/v1", description="The zone's list over time")


@blp.get("/changes")
@public
@conditional
@blp.arguments(ChangesQuery, location="query", as_kwargs=True)
@blp.response(200, ListChangesOut)
def changes(start: date | None = None, end: date | None = None):
    """Items added to, removed from and changed in the zone's list after ``from`` up to and including ``to``
    (default: a year either side of today, Beijing time), each with the decisions behind it."""
    default_start, default_end = list_changes.default_span(today_in_china())
    return list_changes.between(db.session(), start or default_start, end or default_end)
