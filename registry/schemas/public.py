"""What the public pages may show: output schemas with no staff names, notes, evidence or versions.

The citizen templates get only what these schemas dump, so a field added to a model or to the staff
schemas cannot reach a public page by accident.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from registry.schemas.common import ChoiceOut, UtcDateTime
from registry.schemas.decisions import LineageOut
from registry.schemas.powers import DepartmentRef
from registry.schemas.reference import DepartmentDetails


class PublicDecision(Schema):
    id = fields.Integer()
    doc_number = fields.String()
    title = fields.String()
    issuer = fields.String()
    issued_on = fields.Date()
    annex_title = fields.String()
    synthetic = fields.Boolean()


class PublicPower(Schema):
    """An annex item as published."""

    id = fields.Integer()
    decision = fields.Nested(PublicDecision)
    seq = fields.Integer()
    name = fields.String()
    sub_items = fields.List(fields.String())
    type = fields.Nested(ChoiceOut)
    level = fields.Nested(ChoiceOut)
    department = fields.Nested(DepartmentDetails)
    note = fields.String(allow_none=True)
    partial = fields.Boolean()
    devolved_part = fields.String(allow_none=True)
    retained_part = fields.String(allow_none=True)
    retired = fields.Boolean()



class PublicPowerDetail(PublicPower):
    """An item's page: the annex item and its lineage (which decision did what to it, from when)."""

    lineage = fields.List(fields.Nested(LineageOut))

class PublicHandover(Schema):
    """Where the handover stands, as citizens may read it: no notes, names, evidence or confirmations' authors."""

    status = fields.Nested(ChoiceOut)
    status_since = UtcDateTime()
    receiving_office = fields.Nested(DepartmentDetails, allow_none=True)
    method = fields.Function(lambda h: h.method.name if h.method else None)
    content = fields.String(allow_none=True)
    scope = fields.String(allow_none=True)
    planned_date = fields.Date(allow_none=True)
    effective_date = fields.Date(allow_none=True)
    recalled_on = fields.Date(allow_none=True)
    legal_basis = fields.String(allow_none=True)
    authorisation_needed = fields.Boolean()
    progress = fields.Float()


def _fee(guide: Any) -> dict[str, Any] | None:
    if guide.fee_charged is None and guide.fee_basis is None:
        return None
    return {"charged": guide.fee_charged, "basis": guide.fee_basis}


class PublicGuide(Schema):
    """A service guide (办事指南) as published: what citizens need to get the item done, and the office it is for.
    Absent fields are null. No version, author or reason: the version is the answer's ETag."""

    power = fields.Integer(attribute="power_id")
    office = fields.Nested(DepartmentDetails)
    basic_code = fields.String(allow_none=True)
    implementation_code = fields.String(allow_none=True)
    legal_basis = fields.String(allow_none=True)
    service_object = fields.String(allow_none=True)
    conditions = fields.String(allow_none=True)
    materials = fields.List(fields.String(), allow_none=True)
    procedure = fields.String(allow_none=True)
    legal_time_limit_days = fields.Integer(allow_none=True)
    promised_time_limit_days = fields.Integer(allow_none=True)
    fee = fields.Function(_fee, metadata={"description": "{charged, basis}, or null when not given"})
    location = fields.String(allow_none=True)
    hours = fields.String(allow_none=True)
    consult_phone = fields.String(allow_none=True)
    complaint_phone = fields.String(allow_none=True)
    online_url = fields.String(allow_none=True)
    result = fields.String(allow_none=True)


class PublicListItem(Schema):
    """One search result: the item and its handover status."""

    id = fields.Integer()
    seq = fields.Integer()
    name = fields.String()
    sub_items = fields.List(fields.String())
    note = fields.String(allow_none=True)
    type = fields.Nested(ChoiceOut)
    department = fields.Nested(DepartmentRef)
    partial = fields.Boolean()
    decision = fields.Nested(PublicDecision, only=("id", "doc_number"))
