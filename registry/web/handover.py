"""The staff handover page: the terms form, the checklist with evidence, the two-sided confirmation, the
next steps this caller may take, and the history. Each form posts to its own action, which calls one
service, commits once, and comes back here (or shows the page again with the errors next to the fields)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from registry import db
from registry.domain import handover as flow
from registry.domain.handover import ChecklistItem, Side, Status
from registry.domain.roles import ALLOWED, Action
from registry.http.access import current_caller, roles, staff
from registry.http.paths import POWER
from registry.models import Handover
from registry.schemas.decisions import LineageOut
from registry.services import handovers, workbench
from registry.web import feedback
from registry.web.forms import CheckForm, ConfirmForm, TermsForm, TransitionForm, options

bp = Blueprint("handover", __name__, url_prefix="/console/powers")
editors = roles(*ALLOWED[Action.HANDOVER_EDIT])
movers = roles(*ALLOWED[Action.HANDOVER_MOVE] | ALLOWED[Action.HANDOVER_RECALL])
confirmers = roles(*ALLOWED[Action.HANDOVER_CONFIRM] | ALLOWED[Action.HANDOVER_ACCEPT])
checkers = roles(*ALLOWED[Action.HANDOVER_CHECK])
TO = f"<any({', '.join(Status.codes())}):to>"
SIDE = f"<any({', '.join(Side.codes())}):side>"
ITEM = f"<any({', '.join(ChecklistItem.codes())}):item>"
# Service error keys that name a form field by another name.
TERMS_FIELDS = {"authorisation": "authorisation_doc_number"}
STEP_FIELDS = {"reason": "note", "effective_date": "recall_date", "evidence": "doc_number"}


def _blank(text: str | None) -> str | None:
    return text.strip() or None if text else None


def _terms_data(h: Handover) -> dict[str, Any]:
    authorisation = h.authorisation or {}
    return {
        "receiving_office": h.receiving_office_id, "method": h.method_id, "content": h.content, "scope": h.scope,
        "planned_date": h.planned_date, "effective_date": h.effective_date, "legal_basis": h.legal_basis,
        "authorisation_needed": h.authorisation_needed,
        "authorisation_doc_number": authorisation.get("doc_number"),
        "authorisation_date": date.fromisoformat(authorisation["date"]) if authorisation.get("date") else None,
        "authorisation_link": authorisation.get("link"), "notes": h.notes, "version": str(h.version),
    }


def _terms_form(desk: workbench.Desk, posted: TermsForm | None) -> TermsForm:
    form = posted or TermsForm(formdata=None, prefix="terms", data=_terms_data(desk.handover))
    form.receiving_office.choices = options([("", "未指定")] + [(o.id, o.name) for o in desk.offices])
    form.method.choices = options([("", "未指定")] + [(m.id, m.name) for m in desk.methods])
    return form


def _desk(power_id: int) -> workbench.Desk:
    return workbench.desk(db.session(), current_caller(), power_id)


def _render(power_id: int, posted: dict[str, FlaskForm] | None = None, problems: list[str] | None = None,
            status: int = 200):
    """The page; a refused form comes back as it was posted, with its errors, the others as stored."""
    desk = _desk(power_id)
    posted = posted or {}
    h = desk.handover
    version = {"version": str(h.version)}
    steps = [(s, posted.get(f"to-{s.to.value}") or TransitionForm(formdata=None, prefix=f"to-{s.to.value}",
                                                                  data=version)) for s in desk.steps]
    sides = [(side, posted.get(f"side-{side.value}") or ConfirmForm(formdata=None, prefix=f"side-{side.value}",
                                                                     data=version)) for side in desk.sides]
    checks = [(c, posted.get(f"check-{c.item.value}") or CheckForm(
        formdata=None, prefix=f"check-{c.item.value}", data={**version, "done": "0" if c.done else "1"}))
        for c in h.checks]
    return render_template(
        "console/handover.html", desk=desk, h=h, power=h.power, terms=_terms_form(desk, posted.get("terms")),
        steps=steps, sides=sides, checks=checks, problems=problems or [],
        editable=h.status in flow.EDITABLE, lineage_steps=LineageOut(many=True).dump(h.power.lineage),
    ), status


def _done(power_id: int, message: str, anchor: str):
    flash(message, "ok")
    # A page opened from a filtered list keeps the way back to it (``back``: the list's query string).
    return redirect(url_for("handover.page", power_id=power_id, back=request.values.get("back"), _anchor=anchor), 303)


def _refused(power_id: int, key: str, form: FlaskForm, error, fields: dict[str, str]):
    db.session().rollback()
    return _render(power_id, {key: form}, feedback.bind(form, error, fields), feedback.status(error))


@bp.get(POWER)
@staff
def page(power_id: int):
    """A power's handover as staff work on it."""
    return _render(power_id)


def _terms_changes(form: TermsForm) -> dict[str, Any]:
    evidence = {"doc_number": _blank(form.authorisation_doc_number.data), "link": _blank(form.authorisation_link.data),
                "date": form.authorisation_date.data.isoformat() if form.authorisation_date.data else None}
    return {
        "receiving_office": form.receiving_office.data, "method": form.method.data,
        "content": _blank(form.content.data), "scope": _blank(form.scope.data),
        "planned_date": form.planned_date.data, "effective_date": form.effective_date.data,
        "legal_basis": _blank(form.legal_basis.data), "authorisation_needed": form.authorisation_needed.data,
        "authorisation": {k: v for k, v in evidence.items() if v} or None, "notes": _blank(form.notes.data),
    }


def _act(power_id: int, key: str, form: FlaskForm, write: Callable[[Session], object], done: str, anchor: str,
         fields: dict[str, str]):
    """Validate the posted form, make the one service call, commit once; or show the page again with the errors."""
    if not form.validate():
        return _render(power_id, {key: form}, ["请检查下面标出的内容。"], 422)
    session = db.session()
    try:
        write(session)
        session.commit()
    except feedback.FORM_ERRORS as error:
        return _refused(power_id, key, form, error, fields)
    return _done(power_id, done, anchor)


@bp.post(f"{POWER}/terms")
@editors
def terms(power_id: int):
    """Fix or change the terms: office, method, content, scope, dates, legal basis, authorisation."""
    form = _terms_form(_desk(power_id), TermsForm(prefix="terms"))
    return _act(power_id, "terms", form, lambda session: handovers.update_terms(
        session, current_caller(), power_id, _terms_changes(form), form.expected_version or 0,
        _blank(form.note.data)), "交接条件已保存。", "terms", TERMS_FIELDS)


@bp.post(f"{POWER}/transition/{TO}")
@movers
def transition(power_id: int, to: str):
    """Take one step of the workflow."""
    target, form = Status(to), TransitionForm(prefix=f"to-{to}")
    return _act(power_id, f"to-{to}", form, lambda session: handovers.transition(
        session, current_caller(), power_id, target, note=_blank(form.note.data), evidence=form.evidence(),
        effective_on=form.recall_date.data, expected_version=form.expected_version),
        f"交接状态已转为「{target.label}」。", "status", STEP_FIELDS)


@bp.post(f"{POWER}/confirm/{SIDE}")
@confirmers
def confirm(power_id: int, side: str):
    """One side's confirmation of the terms: the city department hands over, the zone accepts."""
    chosen, form = Side(side), ConfirmForm(prefix=f"side-{side}")
    return _act(power_id, f"side-{side}", form, lambda session: handovers.confirm(
        session, current_caller(), power_id, chosen, note=_blank(form.note.data), evidence=form.evidence(),
        expected_version=form.expected_version), f"已{chosen.label}。", "confirmations", STEP_FIELDS)


@bp.post(f"{POWER}/check/{ITEM}")
@checkers
def check(power_id: int, item: str):
    """Mark a checklist item done with its evidence, or reopen it saying why."""
    chosen, form = ChecklistItem(item), CheckForm(prefix=f"check-{item}")
    return _act(power_id, f"check-{item}", form, lambda session: handovers.check(
        session, current_caller(), power_id, chosen, form.marks_done, note=_blank(form.note.data),
        evidence=form.evidence() if form.marks_done else None, expected_version=form.expected_version),
        f"「{chosen.label}」已{'完成' if form.marks_done else '重新打开'}。", f"check-{item}", STEP_FIELDS)
