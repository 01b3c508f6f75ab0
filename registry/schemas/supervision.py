"""Supervision schemas: a record with the rectification its finding may require, the zone's closing record, and
the staff output shapes (each rectification with its state, derived from its deadline)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from registry.domain import supervision as rule
from registry.domain.choices import SupervisionKind
from registry.domain.workdays import today_in_china
from registry.schemas.common import PLAUSIBLE, Choice, ChoiceOut, InputSchema, QuerySchema, Text, UtcDateTime
from registry.schemas.handovers import Evidence, PowerRef
from registry.schemas.powers import DepartmentRef
from registry.services.supervision import RectificationIn


class RectificationSpec(InputSchema):
    """What a finding requires, and within how many working days of the record's date (PRC calendar)."""

    requirement = Text(2000, required=True, metadata={"description": "整改要求"})
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=365),
                          metadata={"description": "working days after the record's date (the date itself not "
                                                   "counted)"})

    @post_load
    def _as_the_service_takes_it(self, data: dict[str, Any], **_: Any) -> RectificationIn:
        return RectificationIn(data["requirement"], data["days"])


class SupervisionIn(InputSchema):
    """Body of POST /powers/{id}/supervision."""

    read_only_fields = ("id", "version", "power", "department", "recorded_by")

    held_on = fields.Date(required=True, validate=PLAUSIBLE, metadata={"description": "when it took place (not "
                                                                                      "after today)"})
    kind = Choice(SupervisionKind, required=True, metadata={"description": "指导, 培训 or 检查"})
    findings = Text(4000, required=True, metadata={"description": "what was done or found"})
    evidence = fields.Nested(Evidence, metadata={"description": "文号, date, link"})
    rectification = fields.Nested(RectificationSpec, metadata={"description": "when the finding requires "
                                                                              "rectification (整改)"})


class CloseIn(InputSchema):
    """Body of POST /rectifications/{id}/close."""

    closed_on = fields.Date(validate=PLAUSIBLE, metadata={"description": "when it was put right (default today, "
                                                                        "Beijing time; not after today)"})
    note = Text(1000, metadata={"description": "what was done; kept in the audit trail"})
    evidence = fields.Nested(Evidence, required=True)


class RectificationOut(Schema):
    id = fields.Integer(required=True)
    requirement = fields.String(required=True)
    counted_from = fields.Date(required=True)
    days = fields.Integer(required=True, metadata={"description": "working days"})
    due_on = fields.Date(required=True)
    state = fields.Method("_state", required=True, metadata={
        "type": "object", "description": "open, overdue (from the day after due_on), closed or closed_late"})
    closed_on = fields.Date(allow_none=True, required=True)
    closed_note = fields.String(allow_none=True, required=True)
    closed_evidence = fields.Dict(allow_none=True, required=True)
    closed_by = fields.String(allow_none=True, required=True)
    days_late = fields.Method("_late", required=True, metadata={
        "type": "integer", "description": "calendar days past the deadline: to the closing date, or to today"})
    version = fields.Integer(required=True)

    def _late(self, r: Any) -> int:
        return rule.days_late(r.due_on, r.closed_on, today_in_china())

    def _state(self, r: Any) -> dict[str, str]:
        return ChoiceOut().dump(rule.state(r.due_on, r.closed_on, today_in_china()))


class SupervisionOut(Schema):
    id = fields.Integer(required=True)
    power = fields.Nested(PowerRef, required=True)
    department = fields.Nested(DepartmentRef, required=True)
    held_on = fields.Date(required=True)
    kind = fields.Nested(ChoiceOut, required=True)
    findings = fields.String(required=True)
    evidence = fields.Dict(allow_none=True, required=True)
    recorded_by = fields.String(required=True)
    rectification = fields.Nested(RectificationOut, allow_none=True, required=True)
    version = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)


class RectificationWithRecordOut(RectificationOut):
    """A rectification with the item and the record that required it."""

    power = fields.Nested(PowerRef, required=True)
    supervision = fields.Function(lambda r: {"id": r.supervision.id, "held_on": r.supervision.held_on.isoformat(),
                                             "kind": ChoiceOut().dump(r.supervision.kind),
                                             "department": DepartmentRef().dump(r.supervision.department)},
                                  required=True, metadata={"type": "object"})


class RectificationQuery(QuerySchema):
    """Query string of GET /rectifications."""

    overdue = fields.Boolean(metadata={"description": "true: the open ones past their deadline; false: the others"})
