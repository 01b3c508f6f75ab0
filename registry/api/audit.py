"""/api/v1/audit and /api/v1/security-events: what auditors read (and export); nobody writes here."""

from __future__ import annotations

from flask import Response, json

from registry import db
from registry.api.blueprint import BEARER, Blueprint
from registry.domain.roles import Role
from registry.exports import audit_csv
from registry.http.access import roles
from registry.schemas.audit import (
    AuditEntryOut,
    AuditExportQuery,
    AuditPageOut,
    AuditQuery,
    EventPageOut,
    EventQuery,
)
from registry.services import audit, security
from registry.services.audit import AuditFilter
from registry.services.security import EventFilter

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
@blp.arguments(AuditExportQuery, location="query", as_kwargs=False)
@blp.response(200, {"type": "string"}, content_type="text/csv")
def export_audit_csv(f: AuditFilter):
    """Every matching entry, oldest first, as CSV (UTF-8 with BOM) with a readable diff column."""
    return Response(audit_csv.to_csv(_export(f)), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})


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
