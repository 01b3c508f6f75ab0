"""Handover schemas: the terms patch, the workflow actions, bulk, and the staff and public output shapes."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from registry.domain import handover as flow
from registry.domain.handover import ChecklistItem, DayKind, Side, Status
from registry.domain.workdays import today_in_china
from registry.models.base import MAX_ID
from registry.schemas.audit import actor_snapshot
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
    version_field,
)
from registry.schemas.powers import ChoiceCount, DepartmentRef
from registry.schemas.reference import DepartmentDetails
from registry.services import handovers
from registry.services.feed import FeedQuery as FeedFilter
from registry.services.progress import HandoverFilter

ID = validate.Range(min=1, max=MAX_ID)
# Dates a handover can plausibly name: the decision is of 2021; nothing before 2000 or after 2100.


def _web_link(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("must be an http or https link")


class Evidence(InputSchema):
    """What shows a step was taken: a document number, its date, a link; at least the number or the link."""

    doc_number = Text(200, metadata={"description": "文号 or file reference"})
    date = fields.Date(validate=PLAUSIBLE)
    link = Text(500, validate=_web_link)

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("doc_number") and not data.get("link"):
            raise ValidationError("give a document number or a link", "doc_number")

    @post_load
    def _plain(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        # Kept as JSON in the record and the trail: the date as ISO text.
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


class PlannedIn(InputSchema):
    from_ = fields.Date(required=True, data_key="from", validate=PLAUSIBLE)
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=3650))
    kind = Choice(DayKind, required=True, metadata={"description": "calendar or working days (PRC calendar)"})

    @post_load
    def _named(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"from": data["from_"], "days": data["days"], "kind": data["kind"]}


NOTE = {"description": "why, or what was done; kept in the history and the audit trail"}


class HandoverPatch(InputSchema):
    """Body of PATCH /powers/{id}/handover (send only what changes)."""

    read_only_fields = ("status", "version", "confirmations", "checklist", "progress", "power", "recalled_on",
                        "status_since", "next")

    receiving_office = fields.Integer(strict=True, allow_none=True, validate=ID,
                                      metadata={"description": "承接部门: id of a zone office"})
    method = fields.Integer(strict=True, allow_none=True, validate=ID, metadata={"description": "移交方式 id"})
    content = Text(4000, allow_none=True, metadata={"description": "具体内容"})
    scope = Text(4000, allow_none=True, metadata={"description": "实施范围"})
    planned_date = fields.Date(allow_none=True, validate=PLAUSIBLE)
    planned_in = fields.Nested(PlannedIn, allow_none=True,
                               metadata={"description": "the planned date as days from a start date"})
    effective_date = fields.Date(allow_none=True, validate=PLAUSIBLE,
                                 metadata={"description": "cut-over: matters accepted before it stay with the city"})
    legal_basis = Text(2000, allow_none=True)
    authorisation_needed = StrictBoolean(metadata={"description": "需要依法取得授权或者制定修改相关法规规章"})
    authorisation = fields.Nested(Evidence, allow_none=True, metadata={"description": "the authorising document"})
    notes = Text(4000, allow_none=True)
    note = Text(1000, load_only=True, metadata=NOTE)
    confirm_past = StrictBoolean(load_only=True, metadata={
        "description": "true to set an effective date before today (Beijing time); the note must say why"})

    @validates_schema
    def _coherent(self, data: dict[str, Any], **_: Any) -> None:
        if "planned_date" in data and "planned_in" in data:
            raise ValidationError("give planned_date or planned_in, not both", "planned_in")
        if not set(data) - {"note", "confirm_past"}:
            raise ValidationError("name at least one field to change")


def _only_a_recall_has_a_date(data: dict[str, Any]) -> None:
    if "effective_date" in data and data.get("to") not in (None, Status.RECALLED):
        raise ValidationError("only a recall takes a date; the hand-over date is the handover's effective_date",
                              "effective_date")


class TransitionIn(InputSchema):
    """Body of POST /powers/{id}/handover/transitions."""

    to = Choice(Status, required=True)
    note = Text(1000, metadata=NOTE | {"description": "required to suspend, recall or restart"})
    evidence = fields.Nested(Evidence)
    effective_date = fields.Date(validate=PLAUSIBLE, metadata={"description": "a recall's date (default today)"})

    @validates_schema
    def _date_for_recall(self, data: dict[str, Any], **_: Any) -> None:
        _only_a_recall_has_a_date(data)


class ConfirmationIn(InputSchema):
    """Body of POST /powers/{id}/handover/confirmations."""

    side = Choice(Side, required=True, metadata={"description": "handover: the city department; acceptance: the zone"})
    note = Text(1000, metadata=NOTE)
    evidence = fields.Nested(Evidence)


def _checklist_step(data: dict[str, Any]) -> dict[str, list[str]]:
    """Done needs its evidence; reopening needs its reason (the service checks again)."""
    if data.get("done") is True and not data.get("evidence"):
        return {"evidence": ["required to mark an item done"]}
    if data.get("done") is False and not data.get("note"):
        return {"note": ["required to reopen an item"]}
    return {}


class CheckIn(InputSchema):
    """Body of POST /powers/{id}/handover/checklist."""

    item = Choice(ChecklistItem, required=True)
    done = StrictBoolean(required=True)
    note = Text(1000, metadata=NOTE | {"description": "required to reopen an item"})
    evidence = fields.Nested(Evidence, metadata={"description": "required to mark an item done"})

    @validates_schema
    def _complete(self, data: dict[str, Any], **_: Any) -> None:
        if errors := _checklist_step(data):
            raise ValidationError(errors)


class BulkTerms(InputSchema):
    """The terms a bulk ``terms`` op sets on every power (send only what changes)."""

    receiving_office = fields.Integer(strict=True, allow_none=True, validate=ID,
                                      metadata={"description": "承接部门: id of a zone office"})
    method = fields.Integer(strict=True, allow_none=True, validate=ID, metadata={"description": "移交方式 id"})
    planned_date = fields.Date(allow_none=True, validate=PLAUSIBLE)
    planned_in = fields.Nested(PlannedIn, allow_none=True,
                               metadata={"description": "the planned date as days from a start date"})
    effective_date = fields.Date(allow_none=True, validate=PLAUSIBLE,
                                 metadata={"description": "cut-over: matters accepted before it stay with the city"})

    @validates_schema
    def _coherent(self, data: dict[str, Any], **_: Any) -> None:
        if "planned_date" in data and "planned_in" in data:
            raise ValidationError("give planned_date or planned_in, not both", "planned_in")
        if not data:
            raise ValidationError("name at least one term to set")


# The fields each bulk op takes besides powers and op: a field of another op would be silently ignored.
BULK_FIELDS = {
    "transition": ("to", "note", "evidence", "effective_date"),
    "checklist": ("item", "items", "done", "note", "evidence"),
    "terms": ("terms", "note", "confirm_past"),
    "confirmation": ("side", "note", "evidence"),
}
BULK_NEEDS = {"transition": ("to",), "checklist": ("done",), "terms": ("terms",), "confirmation": ("side",)}


class BulkIn(InputSchema):
    """Body of POST /handovers/bulk: one transition, checklist step, terms change or confirmation for many powers."""

    powers = fields.List(fields.Integer(strict=True, validate=ID), required=True,
                         validate=validate.Length(min=1, max=200))
    op = fields.String(required=True, validate=validate.OneOf(list(BULK_FIELDS)))
    to = Choice(Status)
    item = Choice(ChecklistItem)
    items = fields.List(Choice(ChecklistItem), validate=validate.Length(min=1, max=len(ChecklistItem)),
                        metadata={"description": "several checklist items with the one evidence record"})
    done = StrictBoolean()
    terms = fields.Nested(BulkTerms)
    side = Choice(Side, metadata={"description": "handover: the city department; acceptance: the zone"})
    note = Text(1000, metadata=NOTE)
    evidence = fields.Nested(Evidence)
    effective_date = fields.Date(validate=PLAUSIBLE, metadata={"description": "a recall's date (transition)"})
    confirm_past = StrictBoolean(metadata={
        "description": "terms: true to set an effective date before today (Beijing time); the note must say why"})

    @validates_schema
    def _complete(self, data: dict[str, Any], **_: Any) -> None:
        powers = data.get("powers", [])
        if len(set(powers)) != len(powers):
            raise ValidationError("each power once", "powers")
        op = data.get("op")
        if op == "transition":
            _only_a_recall_has_a_date(data)
        errors = {name: ["required for this op"] for name in BULK_NEEDS.get(op, ()) if name not in data}
        if op in BULK_FIELDS:
            errors |= {name: ["not for this op"] for name in data
                       if name not in ("powers", "op", *BULK_FIELDS[op])}
        if op == "checklist":
            errors |= _checklist_items(data)
            errors |= _checklist_step(data)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _as_the_service_takes_it(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "item" in data:
            data["items"] = [data.pop("item")]
        if "effective_date" in data:
            data["effective_on"] = data.pop("effective_date")
        return data


def _checklist_items(data: dict[str, Any]) -> dict[str, list[str]]:
    """One item, or several distinct ones: not both, not none."""
    if "item" in data and "items" in data:
        return {"items": ["give item or items, not both"]}
    if "item" not in data and "items" not in data:
        return {"item": ["required for this op"]}
    items = data.get("items", [])
    if len(set(items)) != len(items):
        return {"items": ["each item once"]}
    return {}


# --- output -----------------------------------------------------------------------------------------------

class PowerRef(Schema):
    id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    name = fields.String(required=True)
    department = fields.Nested(DepartmentRef, required=True)


class MethodRef(Schema):
    """A handover method as a handover shows it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    retired = fields.Boolean(required=True)


class MethodOut(MethodRef):
    """A handover method itself, with the version a change must name."""

    version = version_field()


class CheckOut(Schema):
    item = fields.Nested(ChoiceOut, required=True)
    done = fields.Boolean(required=True)
    done_by = fields.String(allow_none=True, required=True)
    done_at = UtcDateTime(allow_none=True, required=True)
    evidence = fields.Dict(allow_none=True, required=True)
    note = fields.String(allow_none=True, required=True)


class ConfirmedOut(Schema):
    by = fields.String(required=True)
    at = UtcDateTime(required=True)


class MissingOut(Schema):
    code = fields.String(required=True, metadata={"description": "the field or step that is missing"})
    message = fields.String(required=True)


class StepOut(Schema):
    to = fields.Nested(ChoiceOut, required=True)
    ready = fields.Boolean(required=True)
    needs_reason = fields.Boolean(required=True, metadata={"description": "the request must carry a note"})
    missing = fields.List(fields.Nested(MissingOut), required=True)


class PlannedOut(Schema):
    from_ = fields.Date(required=True, data_key="from", attribute="planned_from")
    days = fields.Integer(required=True, attribute="planned_days")
    kind = fields.Nested(ChoiceOut, required=True, attribute="planned_day_kind")


def _confirmation(by: str | None, at: Any) -> dict[str, Any] | None:
    return None if by is None else ConfirmedOut().dump({"by": by, "at": at})


class HandoverOut(Schema):
    """A handover as staff see it: terms, confirmations, checklist, derived progress and the possible next steps."""

    power = fields.Nested(PowerRef, required=True)
    status = fields.Nested(ChoiceOut, required=True)
    status_since = UtcDateTime(required=True)
    receiving_office = fields.Nested(DepartmentDetails, allow_none=True, required=True)
    method = fields.Nested(MethodRef, allow_none=True, required=True)
    content = fields.String(allow_none=True, required=True)
    scope = fields.String(allow_none=True, required=True)
    planned_date = fields.Date(allow_none=True, required=True)
    planned_in = fields.Method("_planned_in", allow_none=True, required=True,
                               metadata={"description": "how the planned date was counted, if it was"})
    overdue = fields.Method("_overdue", required=True, metadata={"type": "boolean"})
    effective_date = fields.Date(allow_none=True, required=True)
    recalled_on = fields.Date(allow_none=True, required=True)
    legal_basis = fields.String(allow_none=True, required=True)
    authorisation_needed = fields.Boolean(required=True)
    authorisation = fields.Dict(allow_none=True, required=True)
    notes = fields.String(allow_none=True, required=True)
    confirmations = fields.Method("_confirmations", required=True, metadata={"type": "object"})
    checklist = fields.List(fields.Nested(CheckOut), attribute="checks", required=True)
    progress = fields.Float(required=True, metadata={"description": "share of the checklist done, 0..1"})
    next = fields.Method("_next", required=True, metadata={"type": "array", "items": {"type": "object"}})
    version = fields.Integer(required=True)
    updated_at = UtcDateTime(required=True)

    def _planned_in(self, h: Any) -> dict[str, Any] | None:
        return PlannedOut().dump(h) if h.planned_days is not None else None

    def _overdue(self, h: Any) -> bool:
        return flow.is_overdue(h.status, h.planned_date, today_in_china())

    def _confirmations(self, h: Any) -> dict[str, Any]:
        return {"handover": _confirmation(h.handed_over_by, h.handed_over_at),
                "acceptance": _confirmation(h.accepted_by, h.accepted_at)}

    def _next(self, h: Any) -> list[dict[str, Any]]:
        return [StepOut().dump({"to": s.to, "ready": not s.missing, "needs_reason": s.needs_reason,
                                "missing": s.missing}) for s in handovers.next_steps(h)]


class HandoverPageOut(Schema):
    items = fields.List(fields.Nested(HandoverOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class HandoverQuery(QuerySchema):
    """Query string of GET /handovers."""

    status = fields.List(Choice(Status), metadata={"description": "repeatable"})
    department = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                             metadata={"description": "guiding department id or exact name, repeatable"})
    overdue = fields.Boolean()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    @post_load
    def _to_filter(self, data: dict[str, Any], **_: Any) -> HandoverFilter:
        return HandoverFilter(**data)


def _detail(event: Any) -> dict[str, str] | None:
    if event.detail is None:
        return None
    choice = ChecklistItem if event.kind == "checklist" else Side
    return ChoiceOut().dump(choice(event.detail))


class HandoverEventOut(Schema):
    """A handover event as anyone may read it: what changed and when, never who or their notes."""

    id = fields.Integer(required=True)
    at = UtcDateTime(required=True)
    power = fields.Nested(PowerRef, required=True)
    kind = fields.String(required=True, metadata={"enum": ["create", "update", "transition", "confirmation",
                                                           "checklist", "decision"],
                                                  "description": "decision: a decision recalled or reopened it"})
    from_ = fields.Nested(ChoiceOut, data_key="from", attribute="from_status", allow_none=True, required=True)
    to = fields.Nested(ChoiceOut, attribute="to_status", allow_none=True, required=True)
    detail = fields.Function(_detail, allow_none=True, required=True,
                             metadata={"description": "the checklist item or the confirming side"})
    effective_on = fields.Date(allow_none=True, required=True)
    office = fields.Nested(DepartmentRef, allow_none=True, required=True)


class HandoverEventStaffOut(HandoverEventOut):
    """A handover event as staff see it in a power's history: who, their note and evidence, its audit entry."""

    actor = fields.Function(actor_snapshot, required=True)
    note = fields.String(allow_none=True, required=True)
    evidence = fields.Dict(allow_none=True, required=True)
    audit_seq = fields.Integer(required=True)


class FeedQuery(QuerySchema):
    """Query string of GET /events."""

    after = fields.Integer(validate=validate.Range(min=0, max=MAX_ID),
                           metadata={"description": "the id of the last event you have; resume after it"})
    since = AwareDateTime(metadata={"description": "events at or after this moment (ISO 8601 with a time zone)"})
    power = fields.Integer(validate=ID)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))

    @post_load
    def _to_query(self, data: dict[str, Any], **_: Any) -> FeedFilter:
        return FeedFilter(**data)


class HandlerQuery(QuerySchema):
    on = fields.Date(validate=PLAUSIBLE, metadata={"description": "the date to answer for (default: today, Beijing)"})


class PartOut(Schema):
    part = fields.String(required=True, metadata={"enum": ["whole", "devolved", "retained"]})
    description = fields.String(allow_none=True, required=True)
    office = fields.Nested(DepartmentDetails, required=True)
    by_zone = fields.Boolean(required=True)
    since = fields.Date(allow_none=True, required=True)


class StandingOut(Schema):
    """事项状态 on a date by the decisions in force, since when, and by which decision."""

    standing = fields.Function(lambda a: ChoiceOut().dump(a.standing), required=True)
    held = fields.Boolean(required=True, metadata={"description": "whether the zone holds the item on that date"})
    since = fields.Date(allow_none=True, required=True, metadata={
        "description": "from when it stands so (None: no decision recorded, or not yet in force)"})
    effective_on = fields.Function(lambda a: a.step.effective_on.isoformat() if a.step else None, allow_none=True,
                                   required=True, metadata={"description": "when that decision takes effect"})
    decision = fields.Function(lambda a: a.step.doc_number if a.step else None, allow_none=True, required=True,
                               metadata={"description": "the decision that put it there (or will bring it)"})
    action = fields.Function(lambda a: ChoiceOut().dump(a.step.action) if a.step else None, allow_none=True,
                             required=True)


class HandlerOut(Schema):
    """Who handles a power on a date; for a partial item, one answer per part."""

    power = fields.Nested(PowerRef, required=True)
    on = fields.Date(required=True)
    status = fields.Nested(ChoiceOut, required=True)
    parts = fields.List(fields.Nested(PartOut), required=True)
    next_change = fields.Date(allow_none=True, required=True,
                              metadata={"description": "the next date on which another office takes over, if known: "
                                                       "the zone from an effective date, the city from a recall"})
    next_office = fields.Nested(DepartmentDetails, allow_none=True, required=True)
    standing = fields.Nested(StandingOut, required=True, metadata={
        "description": "where the item stands on that date by the decisions in force (下放, 收回, 取消, 暂停…)"})


class CellOut(Schema):
    status = fields.Nested(ChoiceOut, required=True)
    department = fields.Nested(DepartmentRef, required=True)
    type = fields.Nested(ChoiceOut, required=True)
    count = fields.Integer(required=True)


class OverdueOut(Schema):
    power = fields.Function(lambda o: PowerRef().dump(o.handover.power), required=True)
    status = fields.Function(lambda o: ChoiceOut().dump(o.handover.status), required=True)
    planned_date = fields.Function(lambda o: o.handover.planned_date.isoformat(), required=True)
    days = fields.Integer(required=True, metadata={"description": "calendar days past the planned date"})
    working_days = fields.Integer(allow_none=True, required=True)


class StatsOut(Schema):
    on = fields.Date(required=True)
    total = fields.Integer(required=True)
    done = fields.Integer(required=True, metadata={"description": "handed over or operating"})
    share_done = fields.Float(required=True)
    by_status = fields.List(fields.Nested(ChoiceCount), required=True)
    cells = fields.List(fields.Nested(CellOut), required=True,
                        metadata={"description": "counts by status × guiding department × type"})
    overdue = fields.List(fields.Nested(OverdueOut), required=True)


class MethodIn(InputSchema):
    read_only_fields = ("id",)

    name = Text(100, required=True)
    reason = Text(1000)


class MethodPatch(InputSchema):
    read_only_fields = ("id", "version")

    name = Text(100)
    retired = StrictBoolean()
    reason = Text(1000)

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not set(data) - {"reason"}:
            raise ValidationError("name at least one field to change")
