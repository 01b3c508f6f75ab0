"""Decision and department output schemas."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.api.schemas.common import ChoiceOut


class DecisionOut(Schema):
    id = fields.Integer(required=True)
    doc_number = fields.String(required=True)
    title = fields.String(required=True)
    issuer = fields.String(required=True)
    issued_on = fields.Date(required=True)
    recipient = fields.String(required=True)
    zone_body = fields.String(required=True)
    annex_title = fields.String(required=True)
    body = fields.String(required=True)
    source_ref = fields.String(required=True)


class DepartmentOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.Nested(ChoiceOut, required=True)
    address = fields.String(allow_none=True, required=True)
    phone = fields.String(allow_none=True, required=True)
    hours = fields.String(allow_none=True, required=True)
