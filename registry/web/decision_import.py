"""The admin's page for importing a decision: upload its file, read the preview, then apply it with a reason."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from registry import db
from registry.domain.choices import DecisionActionKind
from registry.domain.roles import ALLOWED, Action
from registry.http.access import current_caller, roles
from registry.schemas.decisions import plan_data
from registry.services import decision_files, decisions
from registry.services.errors import Code, DomainError, Message, TooLarge, ValidationFailed
from registry.web import feedback
from registry.web.forms import DecisionImportForm

bp = Blueprint("decision_import", __name__, url_prefix="/console/decisions")
importers = roles(*ALLOWED[Action.DECISION_IMPORT])
FIELDS = ("number", "title", "date", "effective", "body", "action", "reason")
PLACE = re.compile(r"^(row|line) (\d+)$")
OUTCOME_WORDS = {"create": "新增事项", "restore": "恢复事项", "update": "修改事项", "retire": "撤销事项",
                 "record": "记载决定", "unchanged": "无变化", "unmatched": "找不到事项"}
SUMMARY_WORDS = {"devolve": "下放", "entrust": "委托", "recall": "收回", "cancel": "取消", "suspend": "暂停",
                 "resume": "恢复", "adjust": "调整", "unchanged": "无变化", "unmatched": "未匹配"}


def allow_upload() -> None:
    """The import's posts carry a whole file (and, after the preview, the same file in a hidden field): they get
    the decision file's size limit instead of the ordinary form's, before the CSRF check reads the form."""
    if request.method == "POST" and request.endpoint in ("decision_import.preview", "decision_import.apply"):
        limit = current_app.config["REGISTRY_SETTINGS"].decision_file_max_bytes
        request.max_content_length = 2 * limit + 64 * 1024
        request.max_form_memory_size = 2 * limit + 64 * 1024


def _render(form: DecisionImportForm, preview: dict[str, Any] | None = None, problems: list[str] | None = None,
            status: int = 200):
    return render_template("console/decision_import.html", form=form, preview=preview, problems=problems or [],
                           outcomes=OUTCOME_WORDS, summary_words=SUMMARY_WORDS), status


def _place(key: str) -> str:
    m = PLACE.match(key)
    if m:
        return f"第{m[2]}行" if m[1] == "row" else f"网页文本第{m[2]}行"
    return {"file": "文件"}.get(key, key)


def _refused(form: DecisionImportForm, error: DomainError, preview: dict[str, Any] | None = None):
    """Field errors beside their fields; row and file errors listed above the form, each with its row."""
    above = [feedback.words(error.detail)]
    for key, messages in (error.errors or {}).items():
        texts = [feedback.words(m) for m in messages]
        if key in FIELDS:
            form[key].errors = [*form[key].errors, *texts]
        else:
            above.extend(f"{_place(key)}：{t}" for t in texts)
    return _render(form, preview, above, feedback.status(error))


def _read(form: DecisionImportForm) -> decision_files.DecisionFile:
    """The uploaded file (or, on apply, the one the preview carried), read and checked."""
    limit = current_app.config["REGISTRY_SETTINGS"].decision_file_max_bytes
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        data, name = upload.read(limit + 1), upload.filename
        form.payload.data, form.filename.data = base64.b64encode(data).decode(), name
    else:
        try:
            data, name = base64.b64decode(form.payload.data or "", validate=True), form.filename.data or ""
        except binascii.Error:
            data, name = b"", ""
    if not data:
        message = Message(Code.DECISION_FILE_FORMAT, "{name}: no file was given", name="-")
        raise ValidationFailed(message, {"file": [message]})
    decision_files.check_size(len(data), limit)
    options = decision_files.Options(number=form.number.data or None, title=form.title.data or None,
                                     date=form.date.data, effective=form.effective.data,
                                     body=form.body.data or None,
                                     action=DecisionActionKind(form.action.data or DecisionActionKind.DEVOLVE))
    return decision_files.read(data, name, upload.mimetype if upload else None, options, limit)


@bp.get("/import")
@importers
def index():
    """The upload form."""
    return _render(DecisionImportForm(formdata=None))


@bp.post("/import/preview")
@importers
def preview():
    """What the file would change, row by row; nothing is written."""
    form = DecisionImportForm()
    if not form.validate():
        return _render(form, problems=["请检查下面标出的内容。"], status=422)
    try:
        plan = decisions.preview(db.session(), _read(form), form.add_departments.data)
    except (*feedback.FORM_ERRORS, TooLarge) as error:
        return _refused(form, error)
    return _render(form, plan_data(plan))


@bp.post("/import/apply")
@importers
def apply():
    """Apply the previewed file with the admin's reason, in one transaction; refused whole on any error."""
    form = DecisionImportForm()
    if not form.validate():
        return _render(form, problems=["请检查下面标出的内容。"], status=422)
    session = db.session()
    try:
        file = _read(form)
        plan = decisions.apply(session, current_caller(), file, (form.reason.data or "").strip() or None,
                               form.add_departments.data)
        session.commit()
    except (*feedback.FORM_ERRORS, TooLarge) as error:
        session.rollback()
        try:
            shown = plan_data(decisions.preview(session, _read(form), form.add_departments.data))
        except (*feedback.FORM_ERRORS, TooLarge):
            shown = None
        return _refused(form, error, shown)
    counts = "，".join(f"{SUMMARY_WORDS[k]} {n} 项" for k, n in plan.summary.items() if n)
    flash(f"已导入 {file.doc_number}：{counts}。" if plan.applied else f"{file.doc_number} 已导入过，没有变化。", "ok")
    return redirect(url_for("decision_import.index"), 303)
