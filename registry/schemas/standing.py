"""What changed in the zone's list between two dates, at the edge (where one item stands: StandingOut)."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.schemas.common import PLAUSIBLE, ChoiceOut, QuerySchema
from registry.schemas.handovers import PowerRef, StandingOut


class StepOut(Schema):
    decision = fields.String(attribute="doc_number", allow_none=True, required=True)
    action = fields.Nested(ChoiceOut, required=True)
    effective_on = fields.Date(required=True)
    changes = fields.Dict(allow_none=True, required=True, metadata={"description": "调整: {field: [before, after]}"})


class ChangeOut(Schema):
    power = fields.Nested(PowerRef, required=True)
    before = fields.Nested(StandingOut, required=True)
    after = fields.Nested(StandingOut, required=True)
    steps = fields.List(fields.Nested(StepOut), required=True, metadata={"description": "taking effect in between"})


class ListChangesOut(Schema):
    """Items added to, removed from and changed in the zone's list after ``from`` up to and including ``to``."""

    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", required=True)
    added = fields.List(fields.Nested(ChangeOut), required=True)
    removed = fields.List(fields.Nested(ChangeOut), required=True)
    changed = fields.List(fields.Nested(ChangeOut), required=True)


class ChangesQuery(QuerySchema):
    """Query string of GET /changes: ``from`` and ``to``, to on or after from."""

    start = fields.Date(data_key="from", validate=PLAUSIBLE,
                        metadata={"description": "changes taking effect after this date (default: a year ago)"})
    end = fields.Date(data_key="to", validate=PLAUSIBLE,
                      metadata={"description": "up to and including this date (default: a year from today)"})

