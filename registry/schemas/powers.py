"""Power schemas: create body, patch body, list query, and the output shapes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_dump, post_load, validate, validates_schema

from registry.domain.choices import ExerciseLevel, PowerType
from registry.domain.handover import Status
from registry.models.base import MAX_ID
from registry.schemas.common import (
    PLAUSIBLE,
    AwareDateTime,
    Choice,
    ChoiceOut,
    InputSchema,
    QuerySchema,
    StrictBoolean,
    Text,
    UtcDateTime,
    labels_field,
)
from registry.schemas.decisions import LineageOut
from registry.services.powers import SORTS, PowerFilter

READ_ONLY = ("id", "version", "retired", "created_at", "updated_at")
SORT_VALUES = [s for k in SORTS for s in (k, "-" + k)] + ["relevance"]
MAX_SUB_ITEMS = 50


class _PowerFields(InputSchema):
    read_only_fields = READ_ONLY

    seq = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000), strict=True,
                         metadata={"description": "序号, unique within the decision"})
    name = Text(500, required=True, metadata={"description": "事项名称, exactly as published"})
    sub_items = fields.List(Text(500), validate=validate.Length(max=MAX_SUB_ITEMS),
                            metadata={"description": "子项名称, in annex order"})
    type = Choice(PowerType, required=True, metadata={"description": "事项类型"})
    level = Choice(ExerciseLevel, required=True, metadata={"description": "行使层级"})
    department = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"description": "id of the city guiding department"})
    note = Text(2000, allow_none=True, metadata={"description": "备注"})
    partial = StrictBoolean(metadata={"description": "only part of the power is devolved"})
    devolved_part = Text(1000, allow_none=True, metadata={"description": "the part devolved, for partial items"})
    retained_part = Text(1000, allow_none=True, metadata={"description": "the part the city keeps"})


REASON = {"description": "why the annex data changes; kept in the audit trail"}


class PowerCreate(_PowerFields):
    """Body of POST /powers."""

    read_only_fields = READ_ONLY + ("id",)

    decision = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))
    reason = Text(1000, required=True, load_only=True, metadata=REASON)


class PowerPatch(_PowerFields):
    """Body of PATCH /powers/{id}, loaded with partial=True; a power's decision is fixed."""

    read_only_fields = READ_ONLY + ("decision",)

    reason = Text(1000, required=True, load_only=True, metadata=REASON)
    # Loaded with partial= every field but the reason: a patch names what it changes, and always why.
    optional = ("seq", "name", "sub_items", "type", "level", "department", "note", "partial", "devolved_part",
                "retained_part")

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not set(data) - {"reason"}:
            raise ValidationError("name at least one field to change")


class ReasonBody(InputSchema):
    """Body of the retire and restore actions."""

    reason = Text(1000, required=True, metadata=REASON)


class AsOfQuery(QuerySchema):
    """Query string of GET /powers/{id}."""

    as_of = AwareDateTime(metadata={"description": "rebuild the power as it stood at this moment "
                                                   "(ISO 8601 with a time zone), from the audit trail"})


class DepartmentRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class DecisionRef(Schema):
    id = fields.Integer(required=True)
    doc_number = fields.String(required=True)


class PowerOut(Schema):
    """A power as the API shows it."""

    id = fields.Integer(required=True)
    decision = fields.Nested(DecisionRef, required=True)
    seq = fields.Integer(required=True)
    name = fields.String(required=True)
    sub_items = fields.List(fields.String(), required=True)
    type = fields.Nested(ChoiceOut, required=True)
    level = fields.Nested(ChoiceOut, required=True)
    department = fields.Nested(DepartmentRef, required=True)
    note = fields.String(allow_none=True, required=True)
    partial = fields.Boolean(required=True)
    devolved_part = fields.String(allow_none=True, required=True)
    retained_part = fields.String(allow_none=True, required=True)
    retired = fields.Boolean(required=True)
    version = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class PowerDetail(PowerOut):
    """One power with its lineage: what each decision did to it (下放, 收回, …), in the order applied."""

    lineage = fields.List(fields.Nested(LineageOut), metadata={
        "description": "each decision's act on this item: decision, action, 承接主体, annex, 序号, effective date"})


class PowerQuery(QuerySchema):
    """Query string of GET /powers."""

    type = fields.List(Choice(PowerType), metadata={"description": "事项类型, repeatable"})
    level = fields.List(Choice(ExerciseLevel), metadata={"description": "行使层级, repeatable"})
    department = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                             metadata={"description": "department id or exact name, repeatable"})
    decision = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                           metadata={"description": "decision id or document number, repeatable"})
    partial = fields.Boolean()
    status = fields.List(Choice(Status), metadata={"description": "交接状态 of the power's handover, repeatable"})
    q = fields.String(validate=validate.Length(min=1, max=100),
                      metadata={"description": "terms split at spaces, each any substring of name, sub-items or "
                                               "note (NFKC, case-folded, punctuation and tone marks ignored), or "
                                               "pinyin (qushui) or pinyin initials (qsxk); a term holding a whole "
                                               "name finds it too (see matched_part)"})
    include_retired = fields.Boolean(load_default=False, metadata={
        "description": "also items the zone does not hold on that date (recalled, cancelled, suspended, not yet in "
                       "force) and items retired by hand"})
    on = fields.Date(validate=PLAUSIBLE, metadata={
        "description": "the zone's list on this date (YYYY-MM-DD, past or future) by the decisions in force; "
                       "default today, Beijing time"})
    sort = fields.String(validate=validate.OneOf(SORT_VALUES),
                         metadata={"description": "default: relevance with q (exact name, name prefix, name "
                                                  "substring, then the rest), else seq"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    @post_load
    def _to_filter(self, data: dict[str, Any], **_: Any) -> PowerFilter:
        return PowerFilter(**data)


class ChoiceCount(ChoiceOut):
    count = fields.Integer(required=True)


class DepartmentCount(DepartmentRef):
    count = fields.Integer(required=True)


class PartialCount(Schema):
    value = fields.Boolean(required=True)
    count = fields.Integer(required=True)


class Facets(Schema):
    type = fields.List(fields.Nested(ChoiceCount), required=True)
    level = fields.List(fields.Nested(ChoiceCount), required=True)
    department = fields.List(fields.Nested(DepartmentCount), required=True)
    partial = fields.List(fields.Nested(PartialCount), required=True)
    status = fields.List(fields.Nested(ChoiceCount), required=True,
                         metadata={"description": "by the handover's status (powers without a handover: none)"})


class PowerListItem(PowerOut):
    """A power in a list: with q, also the part of the query its name matched when a longer term held it whole."""

    matched_part = fields.String(dump_only=True, metadata={
        "description": "only on items found because a query term contains their whole name (取水许可证 finds "
                       "取水许可): that name"})


class PowerPageOut(Schema):
    """A page of powers with the total and facet counts."""

    items = fields.List(fields.Nested(PowerListItem), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    facets = fields.Nested(Facets, required=True)

    @post_dump(pass_original=True)
    def _matched_parts(self, data: dict[str, Any], page: Any, **_: Any) -> dict[str, Any]:
        parts = getattr(page, "matched_parts", {})
        for item in data["items"]:
            if item["id"] in parts:
                item["matched_part"] = parts[item["id"]]
        return data


class ExportQuery(QuerySchema):
    """Query string of the exports."""

    layout = fields.String(load_default="annex", validate=validate.OneOf(["annex"]))
    decision = fields.List(fields.String(validate=validate.Length(min=1, max=64)))


class SheetExportQuery(ExportQuery):
    """Query string of the CSV and .xlsx exports: the JSON one's, and how they are labelled."""

    labels = labels_field()


XLSX_LAYOUTS = ("table", "annex")


class XlsxExportQuery(SheetExportQuery):
    """Query string of the .xlsx export: the CSV one's, and a sheet to sort and filter or the annex to print."""

    layout = fields.String(load_default="table", validate=validate.OneOf(XLSX_LAYOUTS), metadata={
        "description": "table (default): one header row and every cell of every row filled, the CSV's rows, to "
                       "sort and filter; annex: the annex as the decision prints it, a sheet per decision with "
                       "a title row, the source's header, 序号 and 事项名称 merged down an item's sub-items, on "
                       "A4 landscape"})

    @validates_schema
    def _annex_by_names(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("layout") == "annex" and data.get("labels") == "codes":
            raise ValidationError({"labels": ["the annex layout prints the published names; codes need "
                                              "layout=table"]})
