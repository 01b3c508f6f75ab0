"""Schema building blocks shared by every resource."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from registry.domain.choices import LabelledChoice

PLAUSIBLE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31), error="must be between 2000 and 2100")


class InputSchema(Schema):
    """A write body: unknown fields are an error, and output-only fields say so by name."""

    class Meta:
        unknown = RAISE

    read_only_fields: tuple[str, ...] = ()

    @pre_load
    def _reject_read_only(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            named = {k: ["read-only field; it cannot be set"] for k in self.read_only_fields if k in data}
            if named:
                raise ValidationError(named)
        return data


def _unstorable(value: str) -> str | None:
    """Why ``value`` cannot be stored or searched as text (a control character, an unpaired surrogate), if so."""
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs":
            return "contains an unpaired surrogate"
        if category == "Cc" and ch != "\n":
            return "contains control characters"
    return None


LABELS = ("names", "codes")


def labels_field() -> fields.String:
    """``?labels=``: how a CSV or .xlsx export is labelled."""
    return fields.String(load_default="names", validate=validate.OneOf(LABELS), metadata={
        "description": "names (default): Chinese column names and values by label, for people; codes: field "
                       "codes and raw codes, for programs. Text that could start a formula is neutralised either way"})


class QuerySchema(Schema):
    """A query string: a misspelt parameter is an error rather than a silently ignored filter."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _reject_unstorable(self, data: Any, **_: Any) -> Any:
        """No parameter may hold text the database refuses (PostgreSQL) or truncates (SQLite)."""
        getlist = getattr(data, "getlist", None)
        named = {}
        for key in data:
            values = getlist(key) if getlist else [data[key]]
            reasons = [r for v in values if isinstance(v, str) and (r := _unstorable(v))]
            if reasons:
                named[key] = reasons[:1]
        if named:
            raise ValidationError(named)
        return data


def _no_control_chars(value: str) -> None:
    if reason := _unstorable(value):
        raise ValidationError(reason)
    if not value.strip():
        raise ValidationError("must not be blank")


class Text(fields.String):
    """Published text: kept exactly as given, but never blank, over-long or holding control characters."""

    def __init__(self, max_length: int, **kwargs: Any):
        extra = kwargs.pop("validate", None)
        checks = [validate.Length(min=1, max=max_length), _no_control_chars, *([extra] if extra else [])]
        super().__init__(validate=checks, **kwargs)


class Choice(fields.String):
    """A closed set accepted by its stable code or its exact Chinese label."""

    def __init__(self, choices: type[LabelledChoice], **kwargs: Any):
        self.choices = choices
        metadata = {"enum": choices.accepted(), "description": "stable code or exact label"}
        super().__init__(metadata=metadata | kwargs.pop("metadata", {}), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> LabelledChoice:
        if not isinstance(value, str):
            raise ValidationError("must be a string")
        try:
            return self.choices.parse(value)
        except ValueError:
            raise ValidationError(f"must be one of: {', '.join(self.choices.accepted())}") from None


class UtcDateTime(fields.DateTime):
    """A timestamp in UTC; SQLite hands back naive values that are UTC by construction."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class AwareDateTime(fields.AwareDateTime):
    """An ISO 8601 moment that names its time zone; a bare local time would be ambiguous."""

    def __init__(self, **kwargs: Any):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        # In UTC: SQLite stores a timestamp's wall-clock time without its offset, so a +08:00 moment
        # compared or stored as given would be eight hours off.
        return super()._deserialize(value, attr, data, **kwargs).astimezone(UTC)


class StrictBoolean(fields.Boolean):
    """A JSON true or false, nothing else: marshmallow's Boolean would take "yes", "on", 1 or "0" as well."""

    truthy = {True}
    falsy = {False}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):  # 1 == True, so the sets alone would let 1 and 0 through
            raise self.make_error("invalid", input=value)
        return value


def version_field() -> fields.Integer:
    """A versioned row's version: its ETag, to send back in If-Match when changing it."""
    return fields.Integer(required=True, metadata={"description": "the version; its ETag is this number in "
                                                                  "quotes, to send back as If-Match"})


class ChoiceOut(Schema):
    """A closed-set value as {code, label}."""

    code = fields.String(required=True)
    label = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details, with field-by-field messages in ``errors``."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    code = fields.String(metadata={"description": "a refusal's stable code (e.g. power.seq_taken): match on this, "
                                                  "not on detail, whose wording may change"})
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(keys=fields.String(), metadata={"description": "messages by field"})
    current_version = fields.Integer()
    allowed_next = fields.List(fields.String(), metadata={"description": "a refused transition: the states "
                                                                         "one step from the current one"})
    missing = fields.List(fields.Dict(), metadata={"description": "a refused step: what is missing, {code, message}"})
    failures = fields.List(fields.Dict(), metadata={"description": "a refused bulk request: each power that failed, "
                                                                    "{power, code, detail, ...}"})


class SheetQuery(QuerySchema):
    """Query string of an export with nothing to choose but its labels."""

    labels = labels_field()
