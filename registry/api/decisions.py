"""/api/v1/decisions/imports: an administrator previews or applies a decision file (its page, or its annex sheet)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from flask import current_app, request

from registry import db
from registry.api.blueprint import BEARER, Blueprint
from registry.domain.roles import ALLOWED, Action
from registry.http.access import current_caller, roles
from registry.schemas.decisions import ImportOut, ImportQuery, plan_data
from registry.services import decision_files, decisions

blp = Blueprint("decisions", __name__, url_prefix="/api/v1/decisions",
                description="Importing decisions: preview, then apply")
importers = roles(*ALLOWED[Action.DECISION_IMPORT])
IMPORTS = "/api/v1/decisions/imports"  # takes the file itself as the body, not JSON (registry.api._require_json_body)
REASON_HEADER = "X-Registry-Reason"


def read_upload(query: dict[str, Any]) -> decision_files.DecisionFile:
    """The request body as a decision file, refused over the size limit before it is read."""
    limit = current_app.config["REGISTRY_SETTINGS"].decision_file_max_bytes
    decision_files.check_size(request.content_length or 0, limit)
    request.max_content_length = limit
    return decision_files.read(request.get_data(cache=False), query.get("filename"), request.mimetype,
                               query["options"], limit)


@blp.post("/imports")
@importers
@blp.doc(security=BEARER, requestBody={"required": True, "content": {
    "text/plain": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}},
    "text/csv": {"schema": {"type": "string"}},
    decision_files.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}})
@blp.arguments(ImportQuery, location="query", as_kwargs=False)
@blp.response(200, ImportOut)
def import_decision(query: dict[str, Any]):
    """Preview (``dry_run=true``: nothing written) or apply a decision file, sent as the body.

    The content type tells the format: text/plain or text/html (the published page), text/csv or the .xlsx type
    (the annex layout, an optional first column 调整类型, default 下放 or ``action``: the annex export, edited and
    sent back with ``action=adjust``, changes the items whose row differs; its title row, naming the exported
    decision, is ignored). ``reason`` (or the X-Registry-Reason header, percent-encoded UTF-8) is required to
    apply. The answer is the preview: the decision, each row's action, matched item, outcome and changes, and the
    counts by action plus unchanged and unmatched. Any wrong row, or
    a 收回/取消/暂停/恢复/调整 that matches no item, refuses the whole file (422, errors by row), as does a file over
    the size limit (413)."""
    file = read_upload(query)
    session = db.session()
    if query["dry_run"]:
        plan = decisions.preview(session, file, query["add_departments"])
    else:
        reason = query.get("reason") or unquote(request.headers.get(REASON_HEADER, "")) or None
        plan = decisions.apply(session, current_caller(), file, reason, query["add_departments"])
        session.commit()
    return plan_data(plan)
