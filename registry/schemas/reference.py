"""Decision and department output schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validates_schema

from registry.domain.choices import DepartmentKind
from registry.schemas.common import Choice, ChoiceOut, InputSchema, Text, version_field


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


class DepartmentDetails(Schema):
    """A department as other answers show it (a handover's receiving office, a power's handler)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.Nested(ChoiceOut, required=True)
    address = fields.String(allow_none=True, required=True)
    phone = fields.String(allow_none=True, required=True)
    hours = fields.String(allow_none=True, required=True)


class DepartmentOut(DepartmentDetails):
    """A department itself, with the version a change must name."""

    version = version_field()


class _DepartmentFields(InputSchema):
    read_only_fields = ("id", "version")

    address = Text(300, allow_none=True, metadata={"description": "where citizens go"})
    phone = Text(64, allow_none=True)
    hours = Text(200, allow_none=True, metadata={"description": "opening hours"})
    reason = Text(1000)


class DepartmentCreate(_DepartmentFields):
    """Body of POST /departments: a city guiding department or a zone office."""

    name = Text(100, required=True)
    kind = Choice(DepartmentKind, required=True)


class DepartmentPatch(_DepartmentFields):
    """Body of PATCH /departments/{id}: its name or contact details; the kind is fixed."""

    read_only_fields = ("id", "kind", "version")

    name = Text(100)

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not set(data) - {"reason"}:
            raise ValidationError("name at least one field to change")
