"""The admin's page for departments: the contact details citizens see, and the zone offices that receive powers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from registry import db
from registry.domain.choices import DepartmentKind
from registry.domain.roles import ALLOWED, Action
from registry.http.access import current_caller, roles
from registry.imports.tables import read_table
from registry.models import Department
from registry.models.base import MAX_ID
from registry.services import office_contacts, reference
from registry.services.errors import StaleVersion
from registry.web import feedback, stale
from registry.web.forms import OfficeEditForm, OfficeForm, OfficeImportForm
from registry.web.wording import contacts_report

bp = Blueprint("offices", __name__, url_prefix="/console/offices")
managers = roles(*ALLOWED[Action.REFERENCE_MANAGE])
NEW = "new"
SHEET = "sheet"


def _form(department: Department) -> OfficeEditForm:
    return OfficeEditForm(formdata=None, prefix=f"office-{department.id}", obj=department,
                          data={"version": str(department.version)})


def _render(posted: dict[str, OfficeForm] | None = None, problems: list[str] | None = None, status: int = 200,
            differing: dict[str, list[tuple[str, str, str]]] | None = None,
            sheet: OfficeImportForm | None = None, sheet_report: list[str] | None = None):
    """The page; a form that was posted comes back as typed, after a stale save with what is stored beside it."""
    posted, differing = posted or {}, differing or {}
    departments = reference.list_departments(db.session())
    rows = [(d, posted.get(str(d.id)) or _form(d), differing.get(str(d.id), [])) for d in departments]
    return render_template("console/offices.html", rows=rows, new=posted.get(NEW) or OfficeForm(
        formdata=None, prefix=NEW), problems=problems or [], sheet=sheet or OfficeImportForm(
        formdata=None, prefix=SHEET), sheet_report=sheet_report or []), status


@bp.get("/")
@managers
def index():
    """Every department with its contact details, and a form to add a zone office."""
    return _render()


def _save(key: str, form: OfficeForm, write, done: str):
    if not form.validate():
        return _render({key: form}, ["请检查下面标出的内容。"], 422)
    session = db.session()
    try:
        write(session)
        session.commit()
    except feedback.FORM_ERRORS as error:
        session.rollback()
        problems = feedback.bind(form, error)
        if isinstance(error, StaleVersion) and key != NEW:
            current = reference.get_department(session, int(key))
            stale.refresh(form, current.version)
            theirs = {name: getattr(current, name) for name in OfficeForm.DETAILS}
            return _render({key: form}, problems, feedback.status(error),
                           {key: stale.differing(form, OfficeForm.DETAILS, theirs)})
        return _render({key: form}, problems, feedback.status(error))
    flash(done, "ok")
    return redirect(url_for("offices.index"), 303)


@bp.post("/")
@managers
def create():
    """Add a zone office (承接机构) that powers can be handed over to."""
    form = OfficeForm(prefix=NEW)
    return _save(NEW, form, lambda session: reference.create_department(
        session, current_caller(), kind=DepartmentKind.ZONE, reason=(form.reason.data or "").strip() or None,
        **form.details()), "已新增承接机构。")


@bp.post(f"/<int(max={MAX_ID}):department_id>")
@managers
def update(department_id: int):
    """Change a department's name or its contact details, if no one changed them since the form was made; the
    change is audited."""
    form = OfficeEditForm(prefix=f"office-{department_id}")
    return _save(str(department_id), form, lambda session: reference.update_department(
        session, current_caller(), department_id, form.details(), form.expected_version or 0,
        (form.reason.data or "").strip() or None), "联系信息已保存。")


@bp.post("/import")
@managers
def import_sheet():
    """Contact details for many offices from one sheet: every row checked, then all written (each office audited
    with the reason) or none; "only check" reports what would change."""
    form = OfficeImportForm(prefix=SHEET)
    if not form.validate():
        return _render(problems=["请检查下面标出的内容。"], status=422, sheet=form)
    upload, dry_run = form.sheet.data, bool(form.check_only.data)
    session = db.session()
    try:
        outcomes = office_contacts.import_contacts(session, current_caller(), read_table(
            upload.filename or "", upload.read()), form.reason.data, dry_run=dry_run)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except feedback.FORM_ERRORS as error:
        session.rollback()
        problems = [feedback.words(error.detail)] + [
            f"{where}：{'；'.join(feedback.words(m) for m in messages)}"
            for where, messages in (error.errors or {}).items() if where != "reason"]
        if error.errors and "reason" in error.errors:
            form.reason.errors = [feedback.words(m) for m in error.errors["reason"]]
        return _render(problems=problems, status=feedback.status(error), sheet=form)
    lines = contacts_report(outcomes, dry_run)
    if dry_run:
        return _render(sheet=form, sheet_report=[*lines, "只检查，未保存任何内容。"])
    for line in lines:
        flash(line, "ok")
    return redirect(url_for("offices.index"), 303)
