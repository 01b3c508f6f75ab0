"""The staff console's list: every power with its handover, filters and facets, and bulk work on a selection
(terms, checklist with one evidence record, this side's confirmation, a workflow step): all of it, or none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from registry import db
from registry.domain import handover as flow
from registry.domain.choices import DepartmentKind
from registry.domain.handover import ChecklistItem, Side, Status
from registry.domain.roles import ALLOWED, Action, Role, refusal
from registry.domain.workdays import today_in_china
from registry.http.access import current_caller, roles, staff
from registry.services import bulk, lookup, methods, reference
from registry.services import calendar as calendars
from registry.services.errors import Forbidden
from registry.services.powers import PowerFilter
from registry.web import feedback
from registry.web.forms import (
    BulkCheckForm,
    BulkConfirmForm,
    BulkForm,
    BulkSelection,
    BulkTermsForm,
    SearchForm,
    city_departments,
    options,
)

bp = Blueprint("console", __name__, url_prefix="/console")
MOVERS = ALLOWED[Action.HANDOVER_MOVE] | ALLOWED[Action.HANDOVER_RECALL]
movers = roles(*MOVERS)
editors = roles(*ALLOWED[Action.HANDOVER_EDIT])
checkers = roles(*ALLOWED[Action.HANDOVER_CHECK])
confirmers = roles(*ALLOWED[Action.HANDOVER_CONFIRM] | ALLOWED[Action.HANDOVER_ACCEPT])
SIDES = ((Side.HANDOVER, Action.HANDOVER_CONFIRM), (Side.ACCEPTANCE, Action.HANDOVER_ACCEPT))
SIDE = f"<any({', '.join(Side.codes())}):side>"
PER_PAGE = 50
FORMS = {"to": BulkForm, "terms": BulkTermsForm, "check": BulkCheckForm, "confirm": BulkConfirmForm}


def _filter(form: SearchForm) -> PowerFilter:
    """The list's filter as the page shows it: a field that fails is shown with its error and left out."""
    form.department.choices = city_departments(db.session())
    form.validate()
    return form.to_filter(PER_PAGE)


def _forms(posted: dict[str, BulkSelection]) -> dict[str, BulkSelection]:
    """Every bulk form of the page: the one posted as it came, the others empty; terms offer the zone offices."""
    session = db.session()
    forms = {key: posted.get(key) or cls(formdata=None) for key, cls in FORMS.items()}
    terms = forms["terms"]
    terms.receiving_office.choices = options(
        [("", "不修改")] + [(o.id, o.name) for o in reference.list_departments(session, DepartmentKind.ZONE)])
    terms.method.choices = options([("", "不修改")] + [(m.id, m.name) for m in methods.list_methods(session)])
    return forms


def _render(form: SearchForm, posted: dict[str, BulkSelection] | None = None, problems: list[str] | None = None,
            status: int = 200):
    session = db.session()
    f = _filter(form)
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
    posted = posted or {}
    forms = _forms(posted)
    return render_template(
        "console/index.html", form=form, f=f, page=found.page, rows=rows, facets=found.page.facets, forms=forms,
        selection=next(iter(posted.values()), forms["to"]), matching=bulk.fingerprint(bulk.matching(session, f)),
        problems=problems or [], may_move=caller.role in MOVERS,
        may_edit=caller.role in ALLOWED[Action.HANDOVER_EDIT], may_check=caller.role in ALLOWED[Action.HANDOVER_CHECK],
        sides=[side for side, action in SIDES if caller.role in ALLOWED[action]], checklist=list(ChecklistItem),
        back=request.query_string.decode() or None, calendar_warnings=calendars.warnings(session, today)), status


@bp.get("/")
@staff
def index():
    """The list of powers and their handovers, with the filters of the public search plus bulk selection; a
    department user opening it without filters starts on their own department's powers."""
    caller = current_caller()
    if not request.args and caller.role == Role.DEPARTMENT and caller.department_id is not None:
        return redirect(url_for("console.index", department=caller.department_id))
    return _render(SearchForm(formdata=request.args))


def _problems(form: BulkSelection, error: Exception) -> list[str]:
    """A refused bulk step: what failed for each power (nothing was changed), or the request's own errors."""
    failures = error.extra.get("failures")
    if not failures:
        return feedback.bind(form, error)
    return [feedback.words(error.detail)] + [f"事项 {f['power']}：{feedback.failure_text(f)}" for f in failures]


def _bulk(key: str, op: str, params: Callable[[Any], dict[str, Any]], done: Callable[[int], str]):
    """Validate the posted bulk form, make the one service call for the selection, commit once; or show the list
    again with the errors (nothing changed)."""
    form = FORMS[key]()
    if key == "terms":
        form = _forms({key: form})[key]
    back = SearchForm(formdata=request.args)
    if not form.validate():
        return _render(back, {key: form}, ["请检查下面标出的内容。"], 422)
    session = db.session()
    try:
        changed = bulk.run(session, current_caller(), op, form.selection(_filter(back)), **params(form))
        session.commit()
    except (*feedback.FORM_ERRORS, Forbidden) as error:
        session.rollback()
        return _render(back, {key: form}, _problems(form, error), feedback.status(error))
    flash(done(len(changed)), "ok")
    return redirect(url_for("console.index", **request.args.to_dict(flat=False)), 303)


def _blank(text: str | None) -> str | None:
    return text.strip() or None if text else None


@bp.post("/bulk")
@movers
def bulk_transition():
    """One workflow step for every selected power: all of them, or none (each failure is listed)."""
    def params(form: BulkForm) -> dict[str, Any]:
        return {"to": Status(form.to.data), "note": _blank(form.note.data)}
    return _bulk("to", "transition", params,
                 lambda n: f"已将 {n} 个事项转为“{Status(request.form['to']).label}”。")


@bp.post("/bulk/terms")
@editors
def bulk_terms():
    """The same receiving office, method, planned or effective date for every selected power (empty: unchanged)."""
    return _bulk("terms", "terms", lambda form: {"terms": form.terms(), "note": _blank(form.terms_note.data),
                                                        "confirm_past": form.confirm_past.data},
                 lambda n: f"已为 {n} 个事项设置交接条件。")


@bp.post("/bulk/checklist")
@checkers
def bulk_checklist():
    """Checklist items marked done for every selected power, with one evidence record for all of them."""
    def params(form: BulkCheckForm) -> dict[str, Any]:
        return {"items": [ChecklistItem(i) for i in form.items.data], "done": True, "evidence": form.evidence(),
                "note": _blank(form.check_note.data)}
    return _bulk("check", "checklist", params, lambda n: f"已为 {n} 个事项完成所选清单事项。")


@bp.post(f"/bulk/confirm/{SIDE}")
@confirmers
def bulk_confirm(side: str):
    """This caller's side of the two-sided confirmation for every selected power (each side only its own)."""
    chosen = Side(side)
    return _bulk("confirm", "confirmation", lambda form: {"side": chosen, "note": _blank(form.confirm_note.data)},
                 lambda n: f"已为 {n} 个事项{chosen.label}。")
