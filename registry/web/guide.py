"""The staff pages for service guides: one power's guide form (its guiding department or the admin), and the
admin's sheet upload with a preview. Each save calls one service, commits once and comes back with the errors in
Chinese beside the fields (or, for a sheet, each wrong cell by row and column)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from registry import db
from registry.domain import guides as rules
from registry.domain.roles import ALLOWED, Action
from registry.http.access import current_caller, roles
from registry.http.paths import POWER
from registry.imports import sheet
from registry.models import Power, ServiceGuide
from registry.services import guide_import, guides, powers
from registry.services.authz import authorize
from registry.services.errors import StaleVersion, ValidationFailed
from registry.web import feedback, stale
from registry.web.forms import GuideForm, GuideImportForm

bp = Blueprint("guide", __name__, url_prefix="/console")
editors = roles(*ALLOWED[Action.GUIDE_EDIT])  # a department user only for its own powers (the service checks)
importers = roles(*ALLOWED[Action.GUIDE_IMPORT])
FIELDS = rules.FIELDS
# Service error keys that name a form field by another name.
FORM_FIELDS = {key: name for name, key in guides.API_KEYS.items()}
UPLOAD_LIMIT = sheet.MAX_BYTES + 64 * 1024  # the file and the form around it


def _data(guide: ServiceGuide | None) -> dict[str, Any]:
    data: dict[str, Any] = guides.values(guide)
    data["materials"] = "\n".join(data["materials"] or [])
    data["fee_charged"] = {None: "", False: "no", True: "yes"}[data["fee_charged"]]
    data["version"] = str(guide.version) if guide is not None else ""
    return data


def _shown(name: str, value: Any) -> str:
    if name == "materials" and isinstance(value, list):
        value = "\n".join(value)
    if name == "fee_charged":
        value = {True: "收费", False: "不收费"}.get(value, value)
    return stale.plain(name, value)


def _render(power: Power, guide: ServiceGuide | None, form: GuideForm, problems: list[str] | None = None,
            differing: list[tuple[str, str, str]] | None = None, status: int = 200):
    return render_template("console/guide.html", power=power, guide=guide, form=form, problems=problems or [],
                           differing=differing or []), status


@bp.get(f"/powers{POWER}/guide")
@editors
def form(power_id: int):
    """The guide's form, filled in from the guide as it is now (empty for a power without one)."""
    session = db.session()
    power = powers.get_power(session, power_id)
    authorize(current_caller(), Action.GUIDE_EDIT, power.department_id)
    guide = guides.find_guide(session, power_id)
    return _render(power, guide, GuideForm(formdata=None, data=_data(guide)))


@bp.post(f"/powers{POWER}/guide")
@editors
def save(power_id: int):
    """Save the guide with its reason; refused, with what is stored now beside what was typed, if it changed since
    the form was made."""
    session = db.session()
    power = powers.get_power(session, power_id)
    form = GuideForm()
    if not form.validate():
        return _render(power, guides.find_guide(session, power_id), form, ["请检查下面标出的内容。"], status=422)
    typed = form.guide(FIELDS)
    try:
        guides.update_guide(session, current_caller(), power_id, typed, form.expected_version,
                            form.reason.data.strip())
        session.commit()
    except feedback.FORM_ERRORS as error:
        session.rollback()
        problems = feedback.bind(form, error, FORM_FIELDS)
        guide = guides.find_guide(session, power_id)
        if isinstance(error, StaleVersion):
            stale.refresh(form, guide.version if guide is not None else 0)
            theirs = guides.values(guide)
            differing = [(form[n].label.text, _shown(n, theirs[n]), _shown(n, typed[n])) for n in FIELDS
                         if _shown(n, theirs[n]) != _shown(n, typed[n])]
            return _render(power, guide, form, problems, differing, feedback.status(error))
        return _render(power, guide, form, problems, status=feedback.status(error))
    flash("办事指南已保存，修改原因已记入审计记录。", "ok")
    return redirect(url_for("guide.form", power_id=power_id), 303)


def allow_sheet_upload() -> None:
    """The sheet upload takes a body up to the sheet's limit (the app's is far smaller); set before the CSRF check
    reads the form."""
    if request.endpoint == "guide.import_sheet":
        request.max_content_length = UPLOAD_LIMIT


def _import_page(form: GuideImportForm, problems: list[str] | None = None, cells: list[tuple[str, str]] | None = None,
                 report: guide_import.Report | None = None, status: int = 200):
    return render_template("console/guide_import.html", form=form, problems=problems or [], cells=cells or [],
                           report=report, columns=["序号", "事项名称", *rules.LABELS.values()],
                           max_kib=sheet.MAX_BYTES // 1024), status


@bp.get("/guides/import")
@importers
def import_form():
    """The upload form, with the columns a sheet may have."""
    return _import_page(GuideImportForm(formdata=None))


@bp.post("/guides/import")
@importers
def import_sheet():
    """Check the uploaded sheet and show every wrong cell, or what would change (预览); 导入 writes it, all or
    nothing, one audit entry per changed guide."""
    form = GuideImportForm()
    if not form.validate():
        return _import_page(form, ["请检查下面标出的内容。"], status=422)
    dry_run = request.form.get("action") != "import"
    upload = form.sheet.data
    session = db.session()
    try:
        parsed = sheet.read(upload.read(sheet.MAX_BYTES + 1), sheet.format_of(upload.filename or ""))
        report = guide_import.import_guides(session, current_caller(), parsed, form.reason.data, dry_run=dry_run)
    except ValidationFailed as error:
        session.rollback()
        cells = [(where, "；".join(feedback.words(m) for m in messages))
                 for where, messages in (error.errors or {}).items() if where != "reason"]
        return _import_page(form, feedback.bind(form, error) if not cells else [feedback.words(error.detail)],
                            cells, status=422)
    if dry_run:
        session.rollback()
        return _import_page(form, report=report)
    session.commit()
    flash(f"已导入：新建 {report.count('create')} 份、修改 {report.count('update')} 份办事指南，"
          f"{report.count('unchanged')} 份无变化；每份的修改均已记入审计记录。", "ok")
    return redirect(url_for("guide.import_form"), 303)
