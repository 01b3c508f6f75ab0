"""Decisions at the edge: an import's query (the metadata a sheet lacks), its preview, and an item's lineage."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from registry.domain.choices import DecisionActionKind
from registry.schemas.common import Choice, ChoiceOut, QuerySchema, Text
from registry.services.decision_files import Options


class ImportQuery(QuerySchema):
    """Query of POST /decisions/imports: the file is the body, its format told by the content type (or
    ``filename``'s extension)."""

    dry_run = fields.Boolean(load_default=False, metadata={"description": "preview only: nothing is written"})
    reason = Text(1000, metadata={"description": "why (required unless dry_run); or the X-Registry-Reason header, "
                                                 "percent-encoded UTF-8"})
    filename = Text(200, metadata={"description": "the file's name, whose extension tells its format"})
    number = Text(64, metadata={"description": "文号, for a sheet (a page gives its own); a sheet's title row never "
                                               "gives it: a title row naming another 文号 (the annex export of that "
                                               "decision, edited) is ignored, its annex titled 附件(调整类型)"})
    title = Text(300, metadata={"description": "标题, for a sheet"})
    date = fields.Date(metadata={"description": "发文日期, for a sheet; on a page it must be the printed one"})
    effective = fields.Date(metadata={"description": "施行日期 (自…起施行), when the file does not give it"})
    body = Text(100, metadata={"description": "承接主体 (a zone department), when the file does not name it"})
    action = Choice(DecisionActionKind, metadata={
        "description": "调整类型 of a sheet's rows that give none (no 调整类型 column, or its cell empty), by code or "
                       "label; default 下放 (devolve). 调整 (adjust) imports an exported annex edited in place"})
    add_departments = fields.Boolean(load_default=False, metadata={
        "description": "create the guiding departments and the receiving body the file names and the registry "
                       "lacks (else each is an error)"})

    @post_load
    def _options(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["options"] = Options(number=data.pop("number", None), title=data.pop("title", None),
                                  date=data.pop("date", None), effective=data.pop("effective", None),
                                  body=data.pop("body", None),
                                  action=data.pop("action", None) or DecisionActionKind.DEVOLVE)
        return data


class DecisionPreviewOut(Schema):
    doc_number = fields.String(required=True)
    title = fields.String(required=True)
    issuer = fields.String(required=True)
    issued_on = fields.Date(required=True)
    effective_on = fields.Date(allow_none=True, required=True)
    body = fields.String(required=True, metadata={"description": "承接主体"})
    annex_title = fields.String(required=True)
    format = fields.String(required=True, metadata={"description": "text, html, xlsx or csv"})
    exists = fields.Boolean(required=True, metadata={"description": "the registry already holds this decision"})
    id = fields.Integer(allow_none=True, required=True)


class MatchedOut(Schema):
    id = fields.Integer(required=True)
    decision = fields.String(required=True, metadata={"description": "文号 of the decision that first listed it"})
    seq = fields.Integer(required=True)
    name = fields.String(required=True)
    retired = fields.Boolean(required=True)


class PreviewRowOut(Schema):
    where = fields.String(required=True, metadata={"description": "the file's row (sheet) or line (page)"})
    rows = fields.List(fields.String(), required=True)
    annex = fields.Integer(required=True)
    annex_title = fields.String(required=True)
    seq = fields.Integer(required=True)
    action = fields.Nested(ChoiceOut, required=True)
    name = fields.String(required=True)
    sub_items = fields.List(fields.String(), required=True)
    department = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(
        ["create", "restore", "update", "retire", "record", "unchanged", "unmatched"]))
    power = fields.Nested(MatchedOut, allow_none=True, required=True)
    changes = fields.Dict(fields.String(), fields.List(fields.Raw()), required=True,
                          metadata={"description": "field: [now, after]"})


class ImportOut(Schema):
    decision = fields.Nested(DecisionPreviewOut, required=True)
    summary = fields.Dict(fields.String(), fields.Integer(), required=True, metadata={
        "description": "rows by action (devolve, entrust, recall, cancel, suspend, resume, adjust), unchanged, "
                       "unmatched"})
    rows = fields.List(fields.Nested(PreviewRowOut), required=True)
    new_departments = fields.List(fields.String(), required=True)
    applied = fields.Boolean(required=True)


class LineageOut(Schema):
    """One decision's act on an item."""

    decision = fields.Function(lambda a: {"id": a.decision_id, "doc_number": a.decision.doc_number,
                                          "title": a.decision.title, "issued_on": a.decision.issued_on.isoformat()},
                               required=True)
    action = fields.Nested(ChoiceOut, required=True)
    body = fields.Function(lambda a: {"id": a.body_id, "name": a.body.name}, required=True,
                           metadata={"description": "承接主体"})
    annex = fields.Integer(required=True)
    annex_title = fields.String(required=True)
    seq = fields.Integer(required=True)
    effective_on = fields.Date(required=True)
    changes = fields.Dict(allow_none=True, required=True)


def plan_data(plan: Any) -> dict[str, Any]:
    """A plan (registry.services.decisions.Plan) as the ImportOut schema reads it."""
    f = plan.file
    decision = {"doc_number": f.doc_number, "title": f.title, "issuer": f.issuer, "issued_on": f.issued_on,
                "effective_on": f.effective_on, "body": f.zone_body, "annex_title": f.annex_title,
                "format": f.format, "exists": plan.decision is not None and not plan.applied,
                "id": plan.decision.id if plan.decision is not None else None}
    rows = [{"where": r.entry.where, "rows": r.entry.rows, "annex": r.entry.annex,
             "annex_title": r.entry.annex_title, "seq": r.entry.seq, "action": r.entry.action,
             "name": r.entry.name, "sub_items": r.entry.sub_items, "department": r.entry.department,
             "outcome": r.outcome, "changes": r.changes,
             "power": None if r.power is None else {"id": r.power.id, "decision": r.power.decision.doc_number,
                                                    "seq": r.power.seq, "name": r.power.name,
                                                    "retired": r.power.retired}}
            for r in plan.rows]
    return {"decision": decision, "summary": plan.summary, "rows": rows, "new_departments": plan.new_departments,
            "applied": plan.applied}
