"""/api/v1/audit and /api/v1/security-events: what auditors read (and export); nobody writes here."""

from __future__ import annotations

from flask import Response, json

from registry import db
from registry.api.blueprint import BEARER, Blueprint
from registry.domain.roles import Role
from registry.exports import audit_table
from registry.exports.sheets import XLSX_TYPE
from registry.http.access import roles
from registry.http.downloads import attachment
from registry.schemas.audit import (
    AuditEntryOut,
    AuditExportQuery,
    AuditPageOut,
    AuditQuery,
    AuditSheetQuery,
    EventPageOut,
    EventQuery,
    SheetExport,
)
from registry.services import audit, security
from registry.services.audit import AuditFilter
from registry.services.security import EventFilter
from registry.services.trail_names import names_for

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Audit trail and security events")
auditor = roles(Role.AUDITOR, Role.ADMIN)


@blp.get("/audit")
@auditor
@blp.doc(security=BEARER)
@blp.arguments(AuditQuery, location="query", as_kwargs=False)
@blp.response(200, AuditPageOut)
def list_audit(f: AuditFilter):
    """Audit entries, newest first, filtered by entity, power, department, actor, action, field and time."""
    return audit.list_entries(db.session(), f)


def _export(f: AuditFilter) -> list[dict]:
    return AuditEntryOut(many=True).dump(audit.all_entries(db.session(), f))


@blp.get("/audit/export.csv")
@auditor
@blp.doc(security=BEARER)
@blp.arguments(AuditSheetQuery, location="query", as_kwargs=False)
@blp.response(200, {"type": "string"}, content_type="text/csv")
def export_audit_csv(asked: SheetExport):
    """Every matching entry, oldest first, as CSV (UTF-8 with BOM) with a readable diff column.

    Chinese column names, Beijing time and values by label by default; ``labels=codes`` for field codes, UTC
    and raw codes. Text that could start a spreadsheet formula is prefixed with ``'``.
    """
    entries = _export(asked.filter)
    body = audit_table.to_csv(entries, names_for(db.session(), entries), asked.labels)
    return attachment(body, "audit.csv")


@blp.get("/audit/export.xlsx")
@auditor
@blp.doc(security=BEARER)
@blp.arguments(AuditSheetQuery, location="query", as_kwargs=False)
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_TYPE)
def export_audit_xlsx(asked: SheetExport):
    """The same as an .xlsx sheet: times typed (Beijing time), the header frozen, no formula in any cell."""
    entries = _export(asked.filter)
    return attachment(audit_table.xlsx(entries, names_for(db.session(), entries), asked.labels), "audit.xlsx")


@blp.get("/audit/export.json")
@auditor
@blp.doc(security=BEARER)
@blp.arguments(AuditExportQuery, location="query", as_kwargs=False)
@blp.response(200, {"type": "array", "items": {"type": "object"}})
def export_audit_json(f: AuditFilter):
    """Every matching entry, oldest first, as JSON."""
    return Response(json.dumps(_export(f), ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=audit.json"})


@blp.get("/security-events")
@auditor
@blp.doc(security=BEARER)
@blp.arguments(EventQuery, location="query", as_kwargs=False)
@blp.response(200, EventPageOut)
def list_security_events(f: EventFilter):
    """Failed and throttled sign-ins, forbidden attempts and refused tokens, newest first."""
    return security.list_events(db.session(), f)
