"""The evaluation (评估) of a period as pages: the public page with the aggregate only (conclusions and flags
counted), the console's overview (the conclusions chart, each item's figures, flags and conclusion, the .xlsx for the
leadership report, the proposals sheet), and the form by which the zone or the admin records an item's conclusion.
Charts drawn on the server as SVG beside tables of the same figures; the period is a GET form, so it is a link."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from registry import db
from registry.domain.choices import EvaluationConclusion
from registry.domain.periods import Period
from registry.domain.roles import ALLOWED, Action
from registry.domain.workdays import today_in_china
from registry.exports import evaluation as evaluation_sheets
from registry.http.access import current_caller, public, roles, staff
from registry.http.paths import POWER
from registry.services import evaluation
from registry.services.errors import ValidationFailed
from registry.web import charts, feedback
from registry.web.forms import EvaluationForm

bp = Blueprint("evaluation_pages", __name__)
evaluators = roles(*ALLOWED[Action.EVALUATION_RECORD])


def _period() -> str:
    return request.args.get("period", "").strip() or str(today_in_china().year)


def _overview(staff_view: bool) -> tuple[str, dict[str, Any], int]:
    period = _period()
    context: dict[str, Any] = {"period": period, "errors": {}, "overview": None}
    try:
        found = evaluation.overview(db.session(), period)
    except ValidationFailed as error:
        context["errors"] = {"period": [feedback.words(m) for ms in (error.errors or {}).values() for m in ms]}
        return _template(staff_view), context, 422
    counts = evaluation_sheets.conclusion_counts(found)
    context.update(summary=evaluation_sheets.public(found), chart=charts.conclusions(counts),
                   title=found.period.title)
    if staff_view:
        context["overview"] = found
    return _template(staff_view), context, 200


def _template(staff_view: bool) -> str:
    return "console/evaluation.html" if staff_view else "public/evaluation.html"


@bp.get("/evaluation")
@public
def public_page():
    """The period's evaluation as counts only: items counted, evaluated, concluded each way, flagged."""
    template, context, status = _overview(staff_view=False)
    return render_template(template, **context), status


@bp.get("/console/evaluation")
@staff
def console_page():
    """The period's evaluation for staff: the conclusions chart, and per item its figures, flags and conclusion."""
    template, context, status = _overview(staff_view=True)
    return render_template(template, **context), status


def _form_page(power_id: int, span: Period, form: EvaluationForm, above: list[str], status: int):
    line = evaluation.line(db.session(), power_id, span.label)
    return render_template("console/evaluation_form.html", line=line, period=span.label, title=span.title,
                           form=form, above=above), status


def _span() -> Period | None:
    """The period asked for; None when it is wrong (the overview then says why beside its field)."""
    try:
        return evaluation.parse_period(_period())
    except ValidationFailed:
        return None


@bp.get(f"/console/evaluation{POWER}")
@evaluators
def form_page(power_id: int):
    """The form recording the item's conclusion for the period, with the period's figures as they stand."""
    span = _span()
    if span is None:
        return redirect(url_for(".console_page", period=_period()))
    row = evaluation.find(db.session(), power_id, span)
    data = {"conclusion": row.conclusion.code, "reason": row.reason, "version": str(row.version)} if row else {}
    return _form_page(power_id, span, EvaluationForm(formdata=None, data=data), [], 200)


@bp.post(f"/console/evaluation{POWER}")
@evaluators
def record(power_id: int):
    """Record (or update, naming the version read) the item's conclusion for the period; back to the overview."""
    span = _span()
    if span is None:
        return redirect(url_for(".console_page", period=_period()))
    form = EvaluationForm()
    if not form.validate():
        return _form_page(power_id, span, form, ["评估未保存，请检查标出的内容。"], 422)
    session = db.session()
    try:
        row, created = evaluation.record(session, current_caller(), power_id, period=span.label,
                                         conclusion=EvaluationConclusion(form.conclusion.data),
                                         reason=form.reason.data or "", expected_version=form.expected_version)
    except feedback.FORM_ERRORS as error:
        session.rollback()
        above = feedback.bind(form, error)
        return _form_page(power_id, span, form, above, feedback.status(error))
    session.commit()
    flash(f"第{row.power.seq}项 {row.power.name}：{span.title}评估结论“{row.conclusion.label}”已"
          f"{'记录' if created else '更新'}。", "ok")
    return redirect(url_for(".console_page", period=span.label, _anchor=f"item-{power_id}"), 303)
