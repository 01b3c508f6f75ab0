"""The auditors' view of the trail: filters, field-level diffs by label, CSV and .xlsx exports, and a button that
verifies the chain."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, current_app, render_template, request
from sqlalchemy.orm import Session

from registry import db
from registry.domain.roles import ALLOWED, Action
from registry.domain.trail_words import ACTION_LABELS, ENTITY_LABELS
from registry.domain.workdays import CHINA
from registry.exports import audit_table
from registry.http.access import roles
from registry.http.downloads import attachment
from registry.schemas.audit import ACTIONS, AuditEntryOut
from registry.schemas.common import LABELS
from registry.services import audit, trail_filters
from registry.services.audit import AuditFilter, AuditPage
from registry.services.snapshots import KINDS
from registry.services.trail_names import names_for
from registry.services.verify import verify
from registry.web.forms import AuditFilterForm, VerifyForm, options
from registry.web.trailview import rows

bp = Blueprint("auditor", __name__, url_prefix="/console/audit")
auditors = roles(*ALLOWED[Action.AUDIT_READ])
PER_PAGE = 50


def _form() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    form.entity_type.choices = options([("", "全部")] + [(k, ENTITY_LABELS.get(k, k)) for k in KINDS])
    form.action.choices = options([("", "全部")] + [(a, ACTION_LABELS.get(a, a)) for a in ACTIONS])
    form.validate()
    return form


def _beijing_midnight(day) -> datetime:
    return datetime.combine(day, time.min, CHINA)


def _refuse(field, message: str) -> None:
    field.errors = [*field.errors, message]


def _power(session: Session, form: AuditFilterForm) -> int | None:
    """The power the form names: by id (links from other pages), else by 序号 or name; errors on the field."""
    if form.power_id.data and not form.power_id.errors:
        return int(form.power_id.data)
    text = (form.power.data or "").strip()
    if not text or form.power.errors:
        return None
    found = trail_filters.power_ids(session, text)
    if len(found) != 1:
        _refuse(form.power, f"没有序号或名称为“{text}”的事项" if not found
                else f"“{text}”对应 {len(found)} 个事项，请输入完整的事项名称或序号")
        return None
    return found[0]


def _field(form: AuditFilterForm) -> str | None:
    """The field code the form names, by its Chinese label or its code; errors on the field."""
    text = (form.field.data or "").strip()
    if not text or form.field.errors:
        return None
    found = trail_filters.field_codes(text, form.entity_type.data or None)
    if len(found) == 1:
        return next(iter(found))
    if not found:
        _refuse(form.field, f"没有名为“{text}”的字段，请输入字段名称，如 事项名称、承接部门")
    else:
        kinds = "、".join(ENTITY_LABELS.get(k, k) for ks in found.values() for k in ks)
        _refuse(form.field, f"“{text}”是多类对象的字段（{kinds}），请先选择对象")
    return None


def _filter(session: Session, form: AuditFilterForm) -> AuditFilter | None:
    """The trail's filter from the form; None when any filter is wrong (the error is beside its field), so that a
    wrong filter shows nothing rather than everything. Dates are whole Beijing days, the last one included."""
    def ok(name: str):
        return form[name].data if form[name].data not in ("", None) else None

    power, field = _power(session, form), _field(form)
    if any(f.errors for f in form):
        return None
    until = ok("until")
    return AuditFilter(entity_type=ok("entity_type"), power=power, actor=ok("actor"), action=ok("action"),
                       field=field, since=_beijing_midnight(ok("since")) if ok("since") else None,
                       until=_beijing_midnight(until + timedelta(days=1)) if until else None,
                       page=ok("page") or 1, per_page=PER_PAGE)


def _render(form: AuditFilterForm, f: AuditFilter | None, report=None):
    session = db.session()
    found = audit.list_entries(session, f) if f is not None else AuditPage([], 0, 1, PER_PAGE)
    entries = AuditEntryOut(many=True).dump(found.items)
    names = names_for(session, entries)
    for entry in entries:
        entry["rows"] = rows(entry["entity_type"], entry["diff"], names)
    return render_template("console/audit.html", form=form, page=found, entries=entries, report=report,
                           verify_form=VerifyForm(formdata=None), entity_labels=ENTITY_LABELS,
                           action_labels=ACTION_LABELS), 200 if f is not None else 422


@bp.get("/")
@auditors
def trail():
    """The trail, newest first, each change with its fields before and after."""
    form = _form()
    return _render(form, _filter(db.session(), form))


def _export(extension: str):
    form = _form()
    session = db.session()
    f = _filter(session, form)
    if f is None:
        return _render(form, f)
    entries = AuditEntryOut(many=True).dump(audit.all_entries(session, f))
    labels = request.args.get("labels") if request.args.get("labels") in LABELS else "names"
    write = audit_table.xlsx if extension == "xlsx" else audit_table.to_csv
    return attachment(write(entries, names_for(session, entries), labels), f"audit.{extension}")


@bp.get("/export.csv")
@auditors
def export_csv():
    """Every entry matching the filters, oldest first, as CSV (UTF-8 with BOM), like the API's export."""
    return _export("csv")


@bp.get("/export.xlsx")
@auditors
def export_xlsx():
    """Every entry matching the filters, oldest first, as an .xlsx sheet, like the API's export."""
    return _export("xlsx")


@bp.post("/verify")
@auditors
def verify_trail():
    """Check the whole chain and replay it against the tables; the result is shown above the trail."""
    settings = current_app.config["REGISTRY_SETTINGS"]
    report = verify(db.session(write=False), settings.audit_key, keyring=settings.audit_keyring)
    form = _form()
    return _render(form, _filter(db.session(), form), report)
