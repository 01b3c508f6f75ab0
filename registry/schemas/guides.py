"""The service guide's write body (PATCH /powers/{id}/guide); what anyone reads is registry.schemas.public.PublicGuide.

Only the shape is checked here (text, whole numbers, a list, true or false); the rules themselves (code formats,
promised ≤ legal time limit, http(s) links, a charged fee's basis) are registry.domain.guides', the same for the
console form and the sheet import.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validates_schema

from registry.domain.guides import LABELS
from registry.schemas.common import InputSchema, StrictBoolean, Text


def _text(name: str, **kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, metadata={"description": LABELS[name]} | kwargs)


def _days(name: str) -> fields.Integer:
    return fields.Integer(strict=True, allow_none=True, metadata={"description": f"{LABELS[name]}, in working days"})


class FeeIn(InputSchema):
    """收费: whether a fee is charged, and on what basis (required when it is)."""

    charged = StrictBoolean(allow_none=True, metadata={"description": "是否收费"})
    basis = fields.String(allow_none=True, metadata={"description": "收费依据 (law, article, standard)"})


class GuidePatch(InputSchema):
    """Body of PATCH /powers/{id}/guide: the fields to change (null clears one) and the reason."""

    read_only_fields = ("power", "office", "version")

    basic_code = _text("basic_code", pattern="^[0-9]{12}$")
    implementation_code = _text("implementation_code")
    legal_basis = _text("legal_basis")
    service_object = _text("service_object")
    conditions = _text("conditions")
    materials = fields.List(fields.String(), allow_none=True, metadata={"description": "申请材料, one entry each"})
    procedure = _text("procedure")
    legal_time_limit_days = _days("legal_time_limit_days")
    promised_time_limit_days = _days("promised_time_limit_days")
    fee = fields.Nested(FeeIn, allow_none=True, metadata={"description": "收费; null clears both parts"})
    location = _text("location")
    hours = _text("hours")
    consult_phone = _text("consult_phone")
    complaint_phone = _text("complaint_phone")
    online_url = _text("online_url", format="uri")
    result = _text("result")
    reason = Text(1000, required=True, metadata={"description": "why; kept in the audit trail"})

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not set(data) - {"reason"}:
            raise ValidationError("name at least one field to change")

    @post_load
    def _flat(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """The fee as the guide stores it: two fields."""
        if "fee" in data:
            fee = data.pop("fee") or {"charged": None, "basis": None}
            data.update({f"fee_{part}": fee[part] for part in ("charged", "basis") if part in fee})
        return data
