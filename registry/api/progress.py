"""Public answers about handovers: who handles a power on a date, and progress counts in JSON, CSV and .xlsx."""

from __future__ import annotations

from registry import db
from registry.api.blueprint import Blueprint
from registry.domain.workdays import today_in_china
from registry.exports import stats as sheet_stats
from registry.exports.sheets import XLSX_TYPE
from registry.http.access import public
from registry.http.caching import conditional
from registry.http.downloads import attachment
from registry.http.paths import POWER
from registry.schemas.common import SheetQuery
from registry.schemas.handovers import HandlerOut, HandlerQuery, StatsOut
from registry.services import progress, who_handles

blp = Blueprint("progress", __name__, url_prefix="/api/v1", description="Who handles what, and handover progress")


@blp.get(f"/powers{POWER}/handler")
@public
@conditional
@blp.arguments(HandlerQuery, location="query", as_kwargs=True)
@blp.response(200, HandlerOut)
def get_handler(power_id: int, on=None):
    """The office that handles the power on ``on`` (default today, Beijing time), with its contact details.

    The city department before the effective date and after a recall, the zone office in between; a
    partial item is answered per part (devolved part: zone office; retained part: city department).
    """
    return who_handles.who_handles(db.session(), power_id, on or today_in_china())


@blp.get("/stats/handover")
@public
@conditional
@blp.response(200, StatsOut)
def stats():
    """Counts by status × guiding department × type, the share done, and the overdue handovers."""
    return progress.stats(db.session())


@blp.get("/stats/handover.csv")
@public
@conditional
@blp.arguments(SheetQuery, location="query", as_kwargs=True)
@blp.response(200, {"type": "string"}, content_type="text/csv")
def stats_csv(labels: str):
    """The status × department × type counts as CSV (UTF-8 with BOM, for Excel), with the published labels
    (``labels=codes``: field codes, codes and department ids)."""
    return attachment(sheet_stats.to_csv(progress.stats(db.session()), labels), "handover-stats.csv")


@blp.get("/stats/handover.xlsx")
@public
@conditional
@blp.arguments(SheetQuery, location="query", as_kwargs=True)
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_TYPE)
def stats_xlsx(labels: str):
    """The same counts as an .xlsx sheet, counts as numbers and the header frozen."""
    return attachment(sheet_stats.xlsx(progress.stats(db.session()), labels), "handover-stats.xlsx")
