"""The admin's page for departments: the contact details citizens see, and the zone offices that receive powers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from registry import db
from registry.domain.choices import DepartmentKind
from registry.domain.roles import ALLOWED, Action
from registry.http.access import current_caller, roles
from registry.models import Department
from registry.models.base import MAX_ID
from registry.services import reference
from registry.web import feedback
from registry.web.forms import OfficeForm

bp = Blueprint("offices", __name__, url_prefix="/console/offices")
managers = roles(*ALLOWED[Action.REFERENCE_MANAGE])
NEW = "new"


def _form(department: Department) -> OfficeForm:
    return OfficeForm(formdata=None, prefix=f"office-{department.id}", obj=department)


def _render(posted: dict[str, OfficeForm] | None = None, problems: list[str] | None = None, status: int = 200):
    posted = posted or {}
    departments = reference.list_departments(db.session())
    rows = [(d, posted.get(str(d.id)) or _form(d)) for d in departments]
    return render_template("console/offices.html", rows=rows, new=posted.get(NEW) or OfficeForm(
        formdata=None, prefix=NEW), problems=problems or []), status


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
        return _render({key: form}, feedback.bind(form, error), feedback.status(error))
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
    """Change a department's name or its contact details; the change is audited."""
    form = OfficeForm(prefix=f"office-{department_id}")
    return _save(str(department_id), form, lambda session: reference.update_department(
        session, current_caller(), department_id, form.details(), (form.reason.data or "").strip() or None),
        "联系信息已保存。")
