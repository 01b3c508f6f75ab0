"""The staff handover page: the terms form, the checklist with evidence, the two-sided confirmation, the
next steps this caller may take, and the history. Each form posts to its own action, which calls one
service, commits once, and answers 303 back to the page at the form's place (Post/Redirect/Get): the result
is flashed beside the form that caused it; a refused form comes back as it was typed, its messages beside
its fields (registry.web.carry)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from registry import db
from registry.domain import handover as flow
from registry.domain.choices import SupervisionKind
from registry.domain.handover import ChecklistItem, Side, Status
from registry.domain.roles import ALLOWED, Action, refusal
from registry.domain.workdays import today_in_china
from registry.http.access import current_caller, roles, staff
from registry.http.paths import POWER
from registry.models import Handover
from registry.models.base import MAX_ID
from registry.schemas.decisions import LineageOut
from registry.services import handovers, supervision, workbench
from registry.services.handovers import TERMS
from registry.services.supervision import RectificationIn
from registry.web import carry, desk_words, feedback
from registry.web.forms import (
    CheckForm,
    CloseRectificationForm,
    ConfirmForm,
    SupervisionForm,
    TermsForm,
    TransitionForm,
    options,
)

bp = Blueprint("handover", __name__, url_prefix="/console/powers")
editors = roles(*ALLOWED[Action.HANDOVER_EDIT])
movers = roles(*ALLOWED[Action.HANDOVER_MOVE] | ALLOWED[Action.HANDOVER_RECALL])
confirmers = roles(*ALLOWED[Action.HANDOVER_CONFIRM] | ALLOWED[Action.HANDOVER_ACCEPT])
checkers = roles(*ALLOWED[Action.HANDOVER_CHECK])
recorders = roles(*ALLOWED[Action.SUPERVISION_RECORD])
closers = roles(*ALLOWED[Action.RECTIFICATION_CLOSE])
RECTIFICATION = f"<int(max={MAX_ID}):rectification_id>"
TO = f"<any({', '.join(Status.codes())}):to>"
SIDE = f"<any({', '.join(Side.codes())}):side>"
ITEM = f"<any({', '.join(ChecklistItem.codes())}):item>"
# Service error keys that name a form field by another name.
TERMS_FIELDS = {"authorisation": "authorisation_doc_number"}
STEP_FIELDS = {"reason": "note", "effective_date": "recall_date", "evidence": "doc_number"}
SUPERVISION_FIELDS = {"rectification.requirement": "requirement", "rectification.days": "days",
                      "evidence": "doc_number"}
CLOSE_FIELDS = {"evidence": "doc_number"}
NEW_RECORD = "supervision-new"  # the key (and anchor) of the form that records supervision
# Each form's class by the prefix of its key ("terms", "to-<status>", "side-<side>", "check-<item>").
FORMS: dict[str, type[FlaskForm]] = {"terms": TermsForm, "to": TransitionForm, "side": ConfirmForm,
                                     "check": CheckForm, "supervision": SupervisionForm,
                                     "close": CloseRectificationForm}
CHECKED = "请检查下面标出的内容。"


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


def _backdated(form: TermsForm, h: Handover) -> bool:
    """Whether the form sets a new effective date before today: it then asks for a confirmation and a reason."""
    day = form.effective_date.data
    return isinstance(day, date) and day < today_in_china() and day != h.effective_date


def _history(desk: workbench.Desk, who: desk_words.Sides) -> list[tuple[Any, str, str]]:
    """(event, who acted, what happened) for each event, newest first."""
    out = []
    for e in reversed(desk.events):
        if e.kind == "update":
            text = desk_words.terms_change(desk.term_changes.get(e.audit_seq, []), desk.office_names,
                                           desk.method_names)
        elif e.kind == "confirmation":
            text = desk_words.confirmation(Side(e.detail), who)
        elif e.kind == "checklist":
            text = desk_words.checklist(ChecklistItem(e.detail), bool(e.evidence))
        else:
            text = None
        out.append((e, desk_words.actor(e.actor_name, e.actor_role), text))
    return out


def _render(power_id: int, posted: dict[str, FlaskForm] | None = None, refused: str | None = None,
            problems: list[str] | None = None, status: int = 200):
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
    terms = _terms_form(desk, posted.get("terms"))
    records = supervision.for_power(db.session(), power_id)
    record_form = posted.get(NEW_RECORD) or SupervisionForm(formdata=None, prefix=NEW_RECORD,
                                                               data={"held_on": today_in_china()})
    open_fixes = [r.rectification for r in records if r.rectification and r.rectification.closed_on is None]
    closing = {f.id: posted.get(f"close-{f.id}") or CloseRectificationForm(
        formdata=None, prefix=f"close-{f.id}", data={"version": str(f.version)}) for f in open_fixes}
    may_record = refusal(current_caller(), Action.SUPERVISION_RECORD, h.power.department_id) is None
    may_close = refusal(current_caller(), Action.RECTIFICATION_CLOSE) is None
    who = desk_words.sides(h.power.department.name, h.power.decision.zone_body)
    places = {f"to-{s.to.value}" for s in desk.steps} | {f"check-{c.item.value}" for c in h.checks}
    places |= {"terms"} if desk.may_edit and h.status in flow.EDITABLE else set()
    places |= ({NEW_RECORD} if may_record else set()) | ({f"close-{i}" for i in closing} if may_close else set())
    places |= {f"side-{side.value}" for side in desk.sides if h.status == Status.IN_PROGRESS
               and not (h.handed_over_by if side == Side.HANDOVER else h.accepted_by)}
    return render_template(
        "console/handover.html", desk=desk, h=h, power=h.power, terms=terms, steps=steps, sides=sides,
        checks=checks, refused=refused if refused in places else "", problems=problems or [], sides_enum=Side,
        editable=h.status in flow.EDITABLE, who=who, lineage_steps=LineageOut(many=True).dump(h.power.lineage),
        backdated=_backdated(terms, h), history=_history(desk, who),
        term_labels="、".join(terms[name].label.text for name in TERMS), records=records, record_form=record_form,
        closing=closing if may_close else {}, may_record=may_record, today=today_in_china(),
        fix_state=supervision.state,
    ), status


def _page(power_id: int, anchor: str):
    # A page opened from a filtered list keeps the way back to it (``back``: the list's query string).
    return redirect(url_for("handover.page", power_id=power_id, back=request.values.get("back"), _anchor=anchor), 303)


def _done(power_id: int, message: str, place: str):
    """Back to the page at ``place``, where the message is shown (flashed as ``ok@place``)."""
    flash(message, f"ok@{place}")
    return _page(power_id, place)


def _back(power_id: int, key: str, form: FlaskForm, problems: list[str], status: int):
    """Back to the page at the refused form, which shows what was typed and why it was refused; input too long to
    carry in the session is shown in place instead."""
    if carry.keep(url_for("handover.page", power_id=power_id), key, form, problems):
        return _page(power_id, key)
    return _render(power_id, {key: form}, key, problems, status)


@bp.get(POWER)
@staff
def page(power_id: int):
    """A power's handover as staff work on it."""
    refused = carry.take(request.path)
    if refused is None:
        return _render(power_id)
    form = FORMS[refused.key.split("-", 1)[0]](formdata=refused.input, prefix=refused.key)
    return _render(power_id, {refused.key: refused.restore(form)}, refused.key, refused.above)


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


def _act(power_id: int, key: str, form: FlaskForm, write: Callable[[Session], Any], done: Callable[[Any], str],
         place: str, fields: dict[str, str], failed: str):
    """Validate the posted form, make the one service call, commit once; either way, back to the page. A refusal
    opens with ``failed``, which names what was not done (“档案资料移交”未能标记完成)."""
    if not form.validate():
        return _back(power_id, key, form, [f"{failed}：{CHECKED}"], 422)
    session = db.session()
    try:
        result = write(session)
        message = done(result)
        session.commit()
    except feedback.FORM_ERRORS as error:
        session.rollback()
        above = feedback.bind(form, error, fields)
        return _back(power_id, key, form, [f"{failed}：{above[0]}", *above[1:]], feedback.status(error))
    return _done(power_id, message, place)


def _confirmed(h: Handover) -> bool:
    return bool(h.handed_over_by or h.accepted_by)


@bp.post(f"{POWER}/terms")
@editors
def terms(power_id: int):
    """Fix or change the terms: office, method, content, scope, dates, legal basis, authorisation."""
    desk = _desk(power_id)
    form, confirmed = _terms_form(desk, TermsForm(prefix="terms")), _confirmed(desk.handover)
    return _act(power_id, "terms", form, lambda session: handovers.update_terms(
        session, current_caller(), power_id, _terms_changes(form), form.expected_version or 0,
        _blank(form.note.data), confirm_past=form.confirm_past.data),
        lambda h: "交接条件已保存。" + ("已作出的确认已撤回，须重新确认。" if confirmed and not _confirmed(h) else ""),
        "terms", TERMS_FIELDS, "交接条件未保存")


@bp.post(f"{POWER}/transition/{TO}")
@movers
def transition(power_id: int, to: str):
    """Take one step of the workflow."""
    target, form = Status(to), TransitionForm(prefix=f"to-{to}")
    return _act(power_id, f"to-{to}", form, lambda session: handovers.transition(
        session, current_caller(), power_id, target, note=_blank(form.note.data), evidence=form.evidence(),
        effective_on=form.recall_date.data, expected_version=form.expected_version),
        lambda _: f"交接状态已转为“{target.label}”。", "status", STEP_FIELDS, f"未能转为“{target.label}”")


@bp.post(f"{POWER}/confirm/{SIDE}")
@confirmers
def confirm(power_id: int, side: str):
    """One side's confirmation of the terms: the city department hands over, the zone accepts."""
    chosen, form = Side(side), ConfirmForm(prefix=f"side-{side}")
    return _act(power_id, f"side-{side}", form, lambda session: handovers.confirm(
        session, current_caller(), power_id, chosen, note=_blank(form.note.data), evidence=form.evidence(),
        expected_version=form.expected_version),
        lambda h: desk_words.confirmation(chosen, desk_words.sides(h.power.department.name,
                                                                    h.power.decision.zone_body)),
        "confirmations", STEP_FIELDS, f"未能确认{'移交' if chosen == Side.HANDOVER else '承接'}")


@bp.post(f"{POWER}/check/{ITEM}")
@checkers
def check(power_id: int, item: str):
    """Mark a checklist item done with its evidence, or reopen it saying why."""
    chosen, form = ChecklistItem(item), CheckForm(prefix=f"check-{item}")
    return _act(power_id, f"check-{item}", form, lambda session: handovers.check(
        session, current_caller(), power_id, chosen, form.marks_done, note=_blank(form.note.data),
        evidence=form.evidence() if form.marks_done else None, expected_version=form.expected_version),
        lambda _: desk_words.checklist(chosen, form.marks_done), f"check-{item}", STEP_FIELDS,
        f"“{chosen.label}”未能{'标记完成' if form.marks_done else '重新打开'}")


@bp.post(f"{POWER}/supervision")
@recorders
def supervise(power_id: int):
    """Record guidance, training or an inspection of the item (its guiding department), with the rectification
    its finding requires, if any."""
    form = SupervisionForm(prefix=NEW_RECORD)
    fix = RectificationIn(form.requirement.data or "", form.days.data or 0) \
        if form.needs_rectification.data else None
    return _act(power_id, NEW_RECORD, form, lambda session: supervision.record(
        session, current_caller(), power_id, held_on=form.held_on.data, kind=SupervisionKind(form.kind.data),
        findings=form.findings.data or "", evidence=form.evidence(), rectification=fix),
        lambda r: f"已记录{r.kind.label}。" + (f"整改截止日期为 {r.rectification.due_on.isoformat()}。"
                                                 if r.rectification else ""),
        "supervision", SUPERVISION_FIELDS, "监管记录未保存")


@bp.post(f"{POWER}/rectifications/{RECTIFICATION}/close")
@closers
def close_rectification(power_id: int, rectification_id: int):
    """The zone's record that a rectification is done, with its evidence."""
    if supervision.get_rectification(db.session(), rectification_id).power_id != power_id:
        abort(404)
    key = f"close-{rectification_id}"
    form = CloseRectificationForm(prefix=key)
    return _act(power_id, key, form, lambda session: supervision.close(
        session, current_caller(), rectification_id, expected_version=form.expected_version,
        evidence=form.evidence(), note=_blank(form.note.data), closed_on=form.closed_on.data),
        lambda r: "整改已办结" + ("（逾期办结）。" if r.closed_on > r.due_on else "。"), "supervision",
        CLOSE_FIELDS, "整改未能办结")
