"""The staff console's list: every power with its handover, filters and facets, and bulk transitions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from registry import db
from registry.domain import handover as flow
from registry.domain.handover import Status
from registry.domain.roles import ALLOWED, Action, refusal
from registry.domain.workdays import today_in_china
from registry.http.access import current_caller, roles, staff
from registry.services import bulk, lookup
from registry.services import calendar as calendars
from registry.web import feedback
from registry.web.forms import BulkForm, SearchForm, city_departments

bp = Blueprint("console", __name__, url_prefix="/console")
MOVERS = ALLOWED[Action.HANDOVER_MOVE] | ALLOWED[Action.HANDOVER_RECALL]
movers = roles(*MOVERS)
PER_PAGE = 50


def _render(form: SearchForm, bulk_form: BulkForm, problems: list[str] | None = None, status: int = 200):
    session = db.session()
    form.department.choices = city_departments(session)
    form.validate()
    f = form.to_filter(PER_PAGE)
    today, caller = today_in_china(), current_caller()
    found = lookup.search(session, f, today, whole_handovers=True)
    rows = []
    for power in found.page.items:
        handover = found.handovers.get(power.id)
        rows.append({"power": power, "handover": handover,
                     "overdue": bool(handover and flow.is_overdue(handover.status, handover.planned_date, today)),
                     # Offered for bulk steps only where the rule table lets this caller act on the power.
                     "selectable": handover is not None
                     and refusal(caller, Action.HANDOVER_MOVE, power.department_id) is None})
    return render_template("console/index.html", form=form, f=f, page=found.page, rows=rows,
                           facets=found.page.facets, bulk_form=bulk_form, problems=problems or [],
                           may_move=caller.role in MOVERS,
                           calendar_warnings=calendars.warnings(session, today)), status


@bp.get("/")
@staff
def index():
    """The list of powers and their handovers, with the filters of the public search plus bulk selection."""
    return _render(SearchForm(formdata=request.args), BulkForm(formdata=None))


@bp.post("/bulk")
@movers
def bulk_transition():
    """One workflow step for every selected power: all of them, or none (each failure is listed)."""
    form = BulkForm()
    back = SearchForm(formdata=request.args)
    if not form.validate():
        return _render(back, form, ["请检查下面标出的内容。"], 422)
    session = db.session()
    to = Status(form.to.data)
    try:
        done = bulk.run(session, current_caller(), "transition", form.powers.data, to=to, note=form.note.data or None)
        session.commit()
    except feedback.FORM_ERRORS as error:
        session.rollback()
        failures = error.extra.get("failures")
        if failures:
            problems = [f"没有任何事项被更改：{len(failures)} 个事项不能执行此步骤。"]
            problems += [f"事项 {f['power']}：{feedback.failure_text(f)}" for f in failures]
        else:
            problems = feedback.bind(form, error)
        return _render(back, form, problems, feedback.status(error))
    flash(f"已将 {len(done)} 个事项转为「{to.label}」。", "ok")
    return redirect(url_for("console.index", **request.args.to_dict(flat=False)), 303)
