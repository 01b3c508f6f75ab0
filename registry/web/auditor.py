"""The auditors' view of the trail: filters, field-level diffs, a CSV export, and a button that verifies the chain."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, Response, current_app, render_template, request

from registry import db
from registry.domain.roles import ALLOWED, Action
from registry.domain.workdays import CHINA
from registry.exports import audit_csv
from registry.http.access import roles
from registry.schemas.audit import ACTIONS, AuditEntryOut
from registry.services import audit, methods, reference
from registry.services.audit import AuditFilter
from registry.services.snapshots import KINDS
from registry.services.verify import verify
from registry.web.forms import AuditFilterForm, VerifyForm, options
from registry.web.trailview import Names, rows

bp = Blueprint("auditor", __name__, url_prefix="/console/audit")
auditors = roles(*ALLOWED[Action.AUDIT_READ])
PER_PAGE = 50
ENTITY_LABELS = {"power": "事项", "handover": "交接", "handover_method": "移交方式", "decision": "决定",
                 "department": "部门", "user": "账号", "token": "令牌", "registry": "登记系统"}
ACTION_LABELS = {"create": "新建", "update": "修改", "retire": "撤销", "restore": "恢复", "disable": "停用",
                 "enable": "启用", "set_password": "设置密码", "revoke": "吊销", "transition": "状态转换",
                 "confirm": "确认", "check": "清单"}


def _form() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    form.entity_type.choices = options([("", "全部")] + [(k, ENTITY_LABELS.get(k, k)) for k in KINDS])
    form.action.choices = options([("", "全部")] + [(a, ACTION_LABELS.get(a, a)) for a in ACTIONS])
    form.validate()
    return form


def _beijing_midnight(day) -> datetime:
    return datetime.combine(day, time.min, CHINA)


def _filter(form: AuditFilterForm) -> AuditFilter:
    """The trail's filter from the form's valid fields; dates are whole Beijing days, the last one included."""
    def ok(name: str):
        return form[name].data if not form[name].errors and form[name].data not in ("", None) else None

    until = ok("until")
    return AuditFilter(entity_type=ok("entity_type"), power=ok("power"), actor=ok("actor"), action=ok("action"),
                       field=ok("field"), since=_beijing_midnight(ok("since")) if ok("since") else None,
                       until=_beijing_midnight(until + timedelta(days=1)) if until else None,
                       page=ok("page") or 1, per_page=PER_PAGE)


def _render(report=None, status: int = 200):
    form = _form()
    session = db.session()
    found = audit.list_entries(session, _filter(form))
    names = Names({d.id: d.name for d in reference.list_departments(session)},
                  {m.id: m.name for m in methods.list_methods(session, include_retired=True)})
    entries = AuditEntryOut(many=True).dump(found.items)
    for entry in entries:
        entry["rows"] = rows(entry["entity_type"], entry["diff"], names)
    return render_template("console/audit.html", form=form, page=found, entries=entries, report=report,
                           verify_form=VerifyForm(formdata=None), entity_labels=ENTITY_LABELS,
                           action_labels=ACTION_LABELS), status


@bp.get("/")
@auditors
def trail():
    """The trail, newest first, each change with its fields before and after."""
    return _render()


@bp.get("/export.csv")
@auditors
def export_csv():
    """Every entry matching the filters, oldest first, as CSV (UTF-8 with BOM), like the API's export."""
    f = _filter(_form())
    body = audit_csv.to_csv(AuditEntryOut(many=True).dump(audit.all_entries(db.session(), f)))
    return Response(body, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})


@bp.post("/verify")
@auditors
def verify_trail():
    """Check the whole chain and replay it against the tables; the result is shown above the trail."""
    settings = current_app.config["REGISTRY_SETTINGS"]
    report = verify(db.session(write=False), settings.audit_key, keyring=settings.audit_keyring)
    return _render(report)
