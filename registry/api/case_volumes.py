"""/api/v1/case-volumes: the zone's monthly case volumes (办件量), recorded in bulk and read by staff; and
/api/v1/stats/volumes, the period's figures summed, for anyone (JSON and .xlsx)."""

from __future__ import annotations

from typing import Any

from registry import db
from registry.api.blueprint import BEARER, Blueprint
from registry.domain.roles import ALLOWED, Action
from registry.exports import volumes as volume_sheets
from registry.exports.sheets import XLSX_TYPE
from registry.http.access import current_caller, public, roles, staff
from registry.http.caching import conditional
from registry.http.downloads import attachment
from registry.schemas.volumes import OutcomeOut, PeriodQuery, VolumeOut, VolumeQuery, VolumesIn, VolumeStatsOut
from registry.services import case_volumes

blp = Blueprint("case_volumes", __name__, url_prefix="/api/v1", description="Case volumes (办件量)")
recorders = roles(*ALLOWED[Action.VOLUME_RECORD])


@blp.get("/case-volumes")
@staff
@blp.arguments(VolumeQuery, location="query", as_kwargs=True)
@blp.response(200, VolumeOut(many=True))
@blp.doc(security=BEARER)
def list_volumes(**query: Any):
    """The recorded months, oldest first, filtered by item, office and months (``from``, ``to``: YYYY-MM)."""
    return case_volumes.list_volumes(db.session(), **query)


@blp.post("/case-volumes")
@recorders
@blp.arguments(VolumesIn)
@blp.response(200, OutcomeOut(many=True))
@blp.doc(security=BEARER)
def record_volumes(data: dict[str, Any]):
    """Record months of figures, all or nothing: every row is checked first and each wrong field named
    (``rows.N.field``, N from 0): an unknown item or office, an office not of the zone, a month not YYYY-MM or
    still to come (Beijing), a negative count, 办结量 over 受理量, 按时办结量 over 办结量, a row given twice.
    A month already recorded for the item and office is replaced (its ``version``, if given, must be current).
    Each row written is audited with the reason."""
    session = db.session()
    outcomes = case_volumes.record_request(session, current_caller(), data["rows"], data["reason"])
    session.commit()
    return outcomes


@blp.get("/stats/volumes")
@public
@conditional
@blp.arguments(PeriodQuery, location="query", as_kwargs=True)
@blp.response(200, VolumeStatsOut)
def stats(start: str, end: str):
    """The period's figures (``from``..``to``, YYYY-MM, both included) by item, by guiding department and by
    month (every month, zeros too), and the items handed over or operating with no case in the period."""
    return volume_sheets.public(case_volumes.stats(db.session(), start, end))


@blp.get("/stats/volumes.xlsx")
@public
@conditional
@blp.arguments(PeriodQuery, location="query", as_kwargs=True)
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_TYPE)
def stats_xlsx(start: str, end: str):
    """The same figures as an .xlsx (Chinese headers; made at, in Beijing time), one sheet per table."""
    sheet = volume_sheets.xlsx(case_volumes.stats(db.session(), start, end))
    return attachment(sheet, f"case-volumes-{start}-{end}.xlsx")
