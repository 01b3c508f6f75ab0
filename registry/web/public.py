"""The citizens' pages: search with filters, one page per power, and handover progress. No login, no script."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from registry import db
from registry.domain.handover import Status
from registry.domain.workdays import today_in_china
from registry.http.access import public
from registry.http.caching import conditional
from registry.models.base import MAX_ID
from registry.schemas.handovers import HandlerOut, HandoverEventOut, PartOut, StatsOut
from registry.schemas.public import PublicGuide, PublicHandover, PublicListItem, PublicPowerDetail
from registry.schemas.standing import ListChangesOut
from registry.services import list_changes, lookup, progress
from registry.services.errors import ValidationFailed
from registry.web import charts, feedback
from registry.web.forms import ChangesForm, SearchForm, city_departments, options
from registry.web.wording import WHAT_THE_STATUS_MEANS, citizen_history

bp = Blueprint("public", __name__)
PER_PAGE = 20
# Made once: a schema keeps nothing between dumps, and making one deep-copies its fields (20 results, 20 handlers).
LIST_ITEMS = PublicListItem(many=True)
PARTS = PartOut(many=True)


@bp.get("/")
@public
@conditional
def home():
    """Search the devolved powers by any part of a name, sub-item or note, by pinyin or initials, with filters."""
    session = db.session()
    form = SearchForm(formdata=request.args)
    # The department filter's choices come with the search; only a request that filters by department needs them
    # first, to check its choice.
    form.department.choices = city_departments(session) if "department" in request.args else []
    form.validate()
    f = form.to_filter(PER_PAGE)
    found = lookup.search(session, f, today_in_china())
    form.department.choices = options(found.page.departments.items())
    last = max(1, -(-found.page.total // f.per_page))
    if f.page > last:  # a page past the end (an old link, a shrunken list): the last page, at its own address
        return redirect(url_for("public.home", **{**request.args.to_dict(flat=False), "page": last}))
    items = LIST_ITEMS.dump(found.page.items)
    for item in items:
        status = found.statuses.get(item["id"])
        item["status"] = status.label if status else None
        item["matched_part"] = found.page.matched_parts.get(item["id"])
        handler = found.handlers.get(item["id"])
        item["handled_by"] = PARTS.dump(handler.parts) if handler else None
    return render_template("public/home.html", form=form, f=f, page=found.page, items=items,
                           facets=found.page.facets, suggestions=found.suggestions,
                           unfiltered_total=found.unfiltered_total)


@bp.get(f"/powers/<int(max={MAX_ID}):power_id>")
@public
@conditional
def power(power_id: int):
    """One power at a stable address: what it is, who handles it today, how to get it done (its service guide, when
    there is one), its source and its handover."""
    today = today_in_china()
    view = lookup.power_view(db.session(), power_id, today)
    shown = PublicPowerDetail().dump(view.power)
    events = citizen_history(HandoverEventOut(many=True).dump(view.events), shown["decision"])
    return render_template(
        "public/power.html", power=shown,
        handover=PublicHandover().dump(view.handover) if view.handover else None,
        handler=HandlerOut().dump(view.handler) if view.handler else None,
        meaning=WHAT_THE_STATUS_MEANS.get(view.handover.status) if view.handover else None,
        events=events, today=today, guide=PublicGuide().dump(view.guide) if view.guide else None,
    )


@bp.get("/changes")
@public
@conditional
def changes():
    """What changed in the zone's list between two dates (default: a year either side of today), by the decisions
    taking effect then: items added, removed and changed, each with the decisions behind it."""
    today = today_in_china()
    form = ChangesForm(formdata=request.args)
    form.validate()
    default_start, default_end = list_changes.default_span(today)
    start = (None if form.start.errors else form.start.data) or default_start
    end = (None if form.end.errors else form.end.data) or default_end
    above: list[str] = []
    try:
        found = list_changes.between(db.session(), start, end)
    except ValidationFailed as error:
        found, above = None, feedback.bind(form, error, {"to": "end"})
    return render_template("public/changes.html", form=form, start=start, end=end,
                           changes=ListChangesOut().dump(found) if found else None,
                           above=above[1:]), 422 if form.errors else 200


@bp.get("/progress")
@public
@conditional
def progress_page():
    """How many powers are handed over, by status and by guiding department: charts and the same figures as tables."""
    stats = progress.stats(db.session())
    per_department: dict[str, dict[Status, int]] = {}
    for cell in stats.cells:
        row = per_department.setdefault(cell.department.name, {})
        row[cell.status] = row.get(cell.status, 0) + cell.count
    by_status = [(Status(s["code"]), s["count"]) for s in stats.by_status]
    return render_template(
        "public/progress.html", stats=StatsOut().dump(stats), groups=charts.GROUPS,
        status_chart=charts.by_status(by_status), department_chart=charts.by_department(per_department),
        per_department=per_department, statuses=list(Status),
    )
