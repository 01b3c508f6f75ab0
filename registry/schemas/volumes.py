"""Case volumes (办件量) at the edge: the bulk body, the staff list, and the public figures of a period."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.models.base import MAX_ID
from registry.schemas.common import InputSchema, QuerySchema, Text, UtcDateTime, version_field

ID = validate.Range(min=1, max=MAX_ID)
MONTH = validate.Regexp(r"^[12][0-9]{3}-(0[1-9]|1[0-2])$", error="a month YYYY-MM, such as 2027-01")
MAX_ROWS = 2000


class VolumeRowIn(InputSchema):
    # Counts as given (the service names a negative one, or an order broken, with a stable code); the month as text.
    power = fields.Integer(required=True, strict=True, validate=ID, metadata={"description": "the item's id"})
    office = fields.Integer(strict=True, allow_none=True, validate=ID, metadata={
        "description": "承接部门, a zone office's id; absent: the receiving office of the item's handover"})
    month = fields.String(required=True, metadata={"description": "YYYY-MM, not after this month (Beijing)"})
    accepted = fields.Integer(required=True, strict=True, metadata={"description": "受理量"})
    completed = fields.Integer(required=True, strict=True, metadata={"description": "办结量, at most 受理量"})
    on_time = fields.Integer(strict=True, allow_none=True, metadata={"description": "按时办结量, at most 办结量"})
    version = fields.Integer(strict=True, validate=validate.Range(min=1), metadata={
        "description": "the recorded month's version, when replacing it: a stale one is 412 (volume.stale)"})


class VolumesIn(InputSchema):
    """Body of POST /case-volumes: all rows are recorded, or none."""

    reason = Text(1000, required=True, metadata={"description": "why, e.g. 2027年1月政务服务系统导出"})
    rows = fields.List(fields.Nested(VolumeRowIn), required=True, validate=validate.Length(min=1, max=MAX_ROWS))


class Named(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class VolumeOut(Schema):
    id = fields.Integer(required=True)
    power = fields.Integer(required=True, attribute="power_id")
    power_name = fields.Function(lambda v: v.power.name, required=True)
    office = fields.Nested(Named, required=True)
    month = fields.String(required=True)
    accepted = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    on_time = fields.Integer(required=True, allow_none=True)
    version = version_field()
    updated_at = UtcDateTime(required=True)


class OutcomeOut(Schema):
    row = fields.Integer(required=True, attribute="label", metadata={"description": "the row's index, from 0"})
    action = fields.String(required=True, metadata={"enum": ["create", "update", "unchanged"]})
    volume = fields.Nested(VolumeOut, required=True)


class VolumeQuery(QuerySchema):
    power = fields.Integer(validate=ID)
    office = fields.Integer(validate=ID)
    start = fields.String(data_key="from", validate=MONTH, metadata={"description": "first month, YYYY-MM"})
    end = fields.String(data_key="to", validate=MONTH, metadata={"description": "last month, YYYY-MM"})


class PeriodQuery(QuerySchema):
    start = fields.String(data_key="from", required=True, validate=MONTH,
                          metadata={"description": "first month, YYYY-MM"})
    end = fields.String(data_key="to", required=True, validate=MONTH, metadata={"description": "last month, YYYY-MM"})


class SumsOut(Schema):
    accepted = fields.Integer(required=True, metadata={"description": "受理量"})
    completed = fields.Integer(required=True, metadata={"description": "办结量"})
    on_time = fields.Integer(required=True, allow_none=True,
                             metadata={"description": "按时办结量 of the rows that report it; null if none does"})


class ItemRef(Schema):
    power = fields.Integer(required=True)
    seq = fields.Integer(required=True, metadata={"description": "序号"})
    name = fields.String(required=True)
    department = fields.Nested(Named, required=True, metadata={"description": "the guiding department"})


class ItemSumsOut(ItemRef, SumsOut):
    pass


class DepartmentSumsOut(SumsOut):
    department = fields.Nested(Named, required=True)
    items = fields.Integer(required=True, metadata={"description": "items with figures in the period"})


class MonthSumsOut(SumsOut):
    month = fields.String(required=True)


class VolumeStatsOut(Schema):
    start = fields.String(required=True, data_key="from")
    end = fields.String(required=True, data_key="to")
    total = fields.Nested(SumsOut, required=True)
    by_item = fields.List(fields.Nested(ItemSumsOut), required=True)
    by_department = fields.List(fields.Nested(DepartmentSumsOut), required=True)
    by_month = fields.List(fields.Nested(MonthSumsOut), required=True, metadata={"description": "every month"})
    idle = fields.List(fields.Nested(ItemRef), required=True, metadata={
        "description": "items handed over or operating with no case accepted in the period"})
