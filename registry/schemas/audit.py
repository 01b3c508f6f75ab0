"""Audit trail and security event schemas: query strings and output shapes (no hashes, ever)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from registry.models.base import MAX_ID
from registry.schemas.common import AwareDateTime, QuerySchema, UtcDateTime, labels_field
from registry.services.audit import POWER_LABELS, AuditFilter, diff
from registry.services.security import KINDS, EventFilter
from registry.services.snapshots import KINDS as ENTITY_TYPES

ACTIONS = ("create", "update", "retire", "restore", "disable", "enable", "set_password", "revoke", "transition",
           "confirm", "check", "decision")
FIELD_NAME = validate.Regexp(r"^[a-z_]{1,40}$", error="a field name such as name or sub_items")
ID = validate.Range(min=1, max=MAX_ID)


class _Page(QuerySchema):
    since = AwareDateTime(metadata={"description": "at or after this moment (ISO 8601 with a time zone)"})
    until = AwareDateTime(metadata={"description": "before this moment"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class AuditQuery(_Page):
    """Query string of GET /audit."""

    entity_type = fields.String(validate=validate.OneOf(list(ENTITY_TYPES)))
    entity_id = fields.Integer(validate=ID)
    power = fields.Integer(validate=ID, metadata={"description": "power id"})
    department = fields.Integer(validate=ID, metadata={"description": "guiding department id"})
    actor = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "user id or name"})
    action = fields.String(validate=validate.OneOf(ACTIONS))
    field = fields.String(validate=FIELD_NAME, metadata={"description": "only entries that changed this field",
                                                         "examples": sorted(POWER_LABELS)})

    @post_load
    def _to_filter(self, data: dict[str, Any], **_: Any) -> AuditFilter:
        return AuditFilter(**data)


class AuditExportQuery(AuditQuery):
    """The same filters, without paging: an export holds every matching entry."""

    class Meta:
        exclude = ("page", "per_page")


@dataclass
class SheetExport:
    """What a CSV or .xlsx export of the trail asks for: the entries, and how the sheet is labelled."""

    filter: AuditFilter
    labels: str


class AuditSheetQuery(AuditExportQuery):
    """The export's filters, and ``labels``: Chinese names for people (default) or codes for programs."""

    labels = labels_field()

    @post_load
    def _to_filter(self, data: dict[str, Any], **_: Any) -> SheetExport:
        labels = data.pop("labels")
        return SheetExport(AuditFilter(**data), labels)


class DiffOut(Schema):
    field = fields.String(required=True)
    label = fields.String(required=True, metadata={"description": "the field's published name"})
    before = fields.Raw(allow_none=True, required=True)
    after = fields.Raw(allow_none=True, required=True)


class ActorOut(Schema):
    id = fields.Integer(allow_none=True, required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)


def actor_snapshot(row: Any) -> dict[str, Any]:
    """Who made a write, as snapshotted when it was made (audit entries and handover events keep the same three)."""
    return {"id": row.actor_id, "name": row.actor_name, "role": row.actor_role}


class AuditEntryOut(Schema):
    """One audited write, with a field-level diff."""

    seq = fields.Integer(required=True)
    at = UtcDateTime(required=True)
    actor = fields.Function(actor_snapshot, required=True, metadata={"description": "a snapshot taken at the time"})
    action = fields.String(required=True)
    entity_type = fields.String(required=True)
    entity_id = fields.Integer(required=True)
    entity_label = fields.String(required=True)
    power_id = fields.Integer(allow_none=True, required=True)
    department_id = fields.Integer(allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)
    request_id = fields.String(required=True)
    changed = fields.List(fields.String(), required=True)
    diff = fields.Method("_diff", required=True)
    before = fields.Raw(allow_none=True, required=True)
    after = fields.Raw(allow_none=True, required=True)

    def _diff(self, entry: Any) -> list[dict[str, Any]]:
        return DiffOut(many=True).dump(diff(entry))


class AuditPageOut(Schema):
    items = fields.List(fields.Nested(AuditEntryOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class EventQuery(_Page):
    """Query string of GET /security-events."""

    kind = fields.String(validate=validate.OneOf(KINDS))
    account = fields.String(validate=validate.Length(min=1, max=100))
    address = fields.String(validate=validate.Length(min=1, max=64))

    @post_load
    def _to_filter(self, data: dict[str, Any], **_: Any) -> EventFilter:
        return EventFilter(**data)


class EventOut(Schema):
    id = fields.Integer(required=True)
    at = UtcDateTime(required=True)
    kind = fields.String(required=True)
    user_id = fields.Integer(allow_none=True, required=True)
    account = fields.String(allow_none=True, required=True)
    address = fields.String(allow_none=True, required=True)
    method = fields.String(required=True)
    path = fields.String(required=True)
    request_id = fields.String(required=True)
    detail = fields.String(required=True)


class EventPageOut(Schema):
    items = fields.List(fields.Nested(EventOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
