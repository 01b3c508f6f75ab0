"""Public answers about handovers: who handles a power on a date, and progress counts in JSON and CSV."""

from __future__ import annotations

import csv
import io

from flask import Response

from registry import db
from registry.api.blueprint import Blueprint
from registry.domain.workdays import today_in_china
from registry.http.access import public
from registry.http.caching import conditional
from registry.http.paths import POWER
from registry.schemas.handovers import HandlerOut, HandlerQuery, StatsOut
from registry.services import progress, who_handles

blp = Blueprint("progress", __name__, url_prefix="/api/v1", description="Who handles what, and handover progress")
CSV_HEADER = ["交接状态", "市级指导(实施)部门(单位)", "事项类型", "事项数"]


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
@blp.response(200, {"type": "string"}, content_type="text/csv")
def stats_csv():
    """The status × department × type counts as CSV (UTF-8 with BOM, for Excel), with the published labels."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for cell in progress.stats(db.session()).cells:
        writer.writerow([cell.status.label, cell.department.name, cell.type.label, cell.count])
    return Response(out.getvalue(), mimetype="text/csv", content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=handover-stats.csv"})
