"""The case-volume figures (办件量) of a period as pages: the public page with the aggregate figures only (sums by
month and guiding department, the items with no case), and the console's page with, per item, the receiving offices.
Charts drawn on the server as SVG, the same figures as tables beside them; a GET form, so a period is a link."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request

from registry import db
from registry.domain.workdays import today_in_china
from registry.exports import volumes as volume_sheets
from registry.http.access import public, staff
from registry.services import case_volumes
from registry.services.errors import ValidationFailed
from registry.web import charts, feedback

bp = Blueprint("volumes", __name__)
FIELDS = {"from": "起始月份", "to": "截止月份"}
NOT_A_MONTH = "请按“年-月”填写月份，例如 2026-01"


def default_period(today: date) -> tuple[str, str]:
    """The last 12 full months before ``today``'s month."""
    months = today.year * 12 + today.month - 1  # months since year 0, this month
    start, end = months - 12, months - 1
    return f"{start // 12:04d}-{start % 12 + 1:02d}", f"{end // 12:04d}-{end % 12 + 1:02d}"


def _period() -> tuple[dict[str, str], dict[str, list[str]]]:
    """The period asked for (each month defaulted when not given), and each wrong field's Chinese message."""
    start, end = default_period(today_in_china())
    given = {"from": request.args.get("from", "").strip() or start, "to": request.args.get("to", "").strip() or end}
    errors = {name: [NOT_A_MONTH] for name, value in given.items() if case_volumes.parse_month(value) != value}
    return given, errors


def _figures(staff_view: bool) -> tuple[str, dict[str, Any], int]:
    period, errors = _period()
    found = None
    if not errors:
        try:
            found = case_volumes.stats(db.session(), period["from"], period["to"])
        except ValidationFailed as error:
            for key, messages in (error.errors or {}).items():
                errors.setdefault(key if key in FIELDS else "from", []).extend(feedback.words(m) for m in messages)
    context: dict[str, Any] = {"period": period, "errors": errors, "fields": FIELDS, "stats": None}
    if found is not None:
        # The pages read the figures as the public API answers them (sums, names of items and departments only).
        context["stats"] = volume_sheets.public(found)
        context["month_chart"] = charts.volumes([(m, s.accepted, s.completed) for m, s in found.by_month])
        context["department_chart"] = charts.volumes([(line.department.name, line.sums.accepted, line.sums.completed)
                                                      for line in found.by_department])
        if staff_view:
            context["offices"] = _offices(found.start, found.end)
    return ("console/volumes.html" if staff_view else "public/volumes.html"), context, 422 if errors else 200


def _offices(start: str, end: str) -> dict[int, list[str]]:
    """Each item's receiving offices with figures in the period, by name."""
    offices: dict[int, list[str]] = {}
    for v in case_volumes.list_volumes(db.session(), start=start, end=end):
        names = offices.setdefault(v.power_id, [])
        if v.office.name not in names:
            names.append(v.office.name)
    return offices


@bp.get("/volumes")
@public
def public_page():
    """The period's case volumes by month and by guiding department, and the items in use with no case: sums only."""
    template, context, status = _figures(staff_view=False)
    return render_template(template, **context), status


@bp.get("/console/volumes")
@staff
def console_page():
    """The same figures for staff, with each item's figures and its receiving offices."""
    template, context, status = _figures(staff_view=True)
    return render_template(template, **context), status
