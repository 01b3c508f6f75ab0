"""/api/v1/powers: list with facets, read, create, patch, retire, restore, and the annex exports."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for

from registry import db
from registry.api.blueprint import BEARER, Blueprint, etag_header
from registry.domain.roles import Role
from registry.exports import annex, annex_print
from registry.exports.sheets import XLSX_TYPE
from registry.http.access import current_caller, public, roles
from registry.http.caching import conditional, keepable
from registry.http.downloads import attachment
from registry.http.etag import expected_version, not_modified, with_etag
from registry.http.paths import POWER
from registry.schemas.audit import AuditEntryOut
from registry.schemas.powers import (
    AsOfQuery,
    ExportQuery,
    PowerCreate,
    PowerDetail,
    PowerPageOut,
    PowerPatch,
    PowerQuery,
    ReasonBody,
    SheetExportQuery,
    XlsxExportQuery,
)
from registry.services import audit, powers
from registry.services.powers import PowerFilter

blp = Blueprint("powers", __name__, url_prefix="/api/v1/powers", description="Devolved powers")

ETAG_HEADER = etag_header("the power")
VERSIONED = blp.versioned_write("this power", "power.stale")
admin = roles(Role.ADMIN)
editor = roles(Role.ADMIN, Role.DEPARTMENT)  # a department user only for its own powers (checked by the service)
auditor = roles(Role.AUDITOR, Role.ADMIN)
PRINTED = "annex-print.xlsx"  # the annex layout's file, so that it never overwrites the table's annex.xlsx


@blp.get("")
@public
@conditional
@blp.arguments(PowerQuery, location="query", as_kwargs=False)
@blp.response(200, PowerPageOut)
def list_powers(filters: PowerFilter):
    """List powers with filters, sorting, pagination and facet counts."""
    return powers.list_powers(db.session(), filters)


@blp.post("")
@admin
@blp.doc(security=BEARER)
@blp.arguments(PowerCreate)
@blp.response(201, PowerDetail, headers=ETAG_HEADER)
def create_power(data: dict[str, Any]):
    """Add a power to a decision's list (admin); the reason goes to the audit trail."""
    session = db.session()
    reason = data.pop("reason")
    power = powers.create_power(session, current_caller(), data, reason)
    session.commit()
    power_out, status, headers = with_etag(power, 201)
    headers["Location"] = url_for("powers.get_power", power_id=power.id)
    return power_out, status, headers


@blp.get(POWER)
@public
@keepable
@blp.arguments(AsOfQuery, location="query", as_kwargs=True)
@blp.response(200, PowerDetail, headers=ETAG_HEADER)
@blp.alt_response(304, description="Not modified")
def get_power(power_id: int, as_of=None):
    """One power; its ETag is what PATCH, retire and restore expect in If-Match.

    With ``as_of``, the power as it stood at that moment, rebuilt from the audit trail (no ETag).
    """
    if as_of is not None:
        return powers.past_power(db.session(), power_id, as_of)
    power = powers.get_power(db.session(), power_id)
    return not_modified(power.version) or with_etag(power)


@blp.patch(POWER)
@editor
@VERSIONED
@blp.arguments(PowerPatch(partial=PowerPatch.optional))
@blp.response(200, PowerDetail, headers=ETAG_HEADER)
def update_power(changes: dict[str, Any], power_id: int):
    """Change some fields of a power, saying why; a change that alters nothing keeps its version.

    Admins may change any power; a department user only the powers of their own department.
    """
    session = db.session()
    reason = changes.pop("reason")
    power = powers.update_power(session, current_caller(), power_id, changes, expected_version(), reason)
    session.commit()
    return with_etag(power)


@blp.post(f"{POWER}/retire")
@admin
@VERSIONED
@blp.arguments(ReasonBody)
@blp.response(200, PowerDetail, headers=ETAG_HEADER)
def retire_power(body: dict[str, str], power_id: int):
    """Retire a power: it leaves the public list but is never deleted, and can be restored."""
    session = db.session()
    power = powers.retire_power(session, current_caller(), power_id, expected_version(), body["reason"])
    session.commit()
    return with_etag(power)


@blp.post(f"{POWER}/restore")
@admin
@VERSIONED
@blp.arguments(ReasonBody)
@blp.response(200, PowerDetail, headers=ETAG_HEADER)
def restore_power(body: dict[str, str], power_id: int):
    """Put a retired power back in force."""
    session = db.session()
    power = powers.restore_power(session, current_caller(), power_id, expected_version(), body["reason"])
    session.commit()
    return with_etag(power)


@blp.get(f"{POWER}/history")
@auditor
@blp.doc(security=BEARER)
@blp.response(200, AuditEntryOut(many=True))
def power_history(power_id: int):
    """Every audited change of one power, oldest first, with field-level diffs."""
    return audit.power_history(db.session(), power_id)


def _annex(args: dict[str, Any]) -> Any:
    return annex.stream_rows(db.get_engine(), annex.decision_ids(db.session(), args.get("decision")))


@blp.get("/export.csv")
@public
@conditional
@blp.arguments(SheetExportQuery, location="query", as_kwargs=False)
@blp.response(200, {"type": "string"}, content_type="text/csv")
def export_csv(args: dict[str, Any]):
    """The annex table as CSV (UTF-8 with BOM, so Excel reads it as published), streamed as it is read.

    Chinese column names by default; ``labels=codes`` for field codes and codes. Text that could start a
    spreadsheet formula is prefixed with ``'``.
    """
    return attachment(annex.csv_chunks(_annex(args), args["labels"]), "annex.csv")


@blp.get("/export.xlsx")
@public
@conditional
@blp.arguments(XlsxExportQuery, location="query", as_kwargs=False)
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_TYPE)
def export_xlsx(args: dict[str, Any]):
    """The annex table as an .xlsx sheet: frozen header, 序号 as numbers, no formula in any cell.

    ``layout=annex``: the annex as published, to print (annex-print.xlsx): a sheet per decision titled with
    its document number and the annex's title, the source's header repeated on every A4 landscape page, an item's
    序号 and 事项名称 merged down its sub-items.
    """
    if args["layout"] == "annex":
        return attachment(annex_print.xlsx(db.session(), db.get_engine(), args.get("decision")), PRINTED)
    return attachment(annex.xlsx(_annex(args), args["labels"]), "annex.xlsx")


@blp.get("/export.json")
@public
@conditional
@blp.arguments(ExportQuery, location="query", as_kwargs=False)
@blp.response(200, {"type": "array", "items": {"type": "object"}})
def export_json(args: dict[str, Any]):
    """The annex table as JSON: one object per annex row, keyed by the published column names; streamed."""
    body = annex.json_chunks(_annex(args))
    return Response(body, mimetype="application/json")
