"""The working-day calendar at the edge: a year's summary, its days, and the body that loads a year."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.domain.choices import DayOverride
from registry.schemas.common import ChoiceOut, InputSchema, Text, UtcDateTime, version_field

MAX_DAYS = 366


class CalendarYearOut(Schema):
    year = fields.Integer(required=True)
    source = fields.String(required=True, metadata={"description": "where the days came from"})
    loaded_at = UtcDateTime(required=True)
    holidays = fields.Integer(required=True, metadata={"description": "days off (放假), weekends within included"})
    workdays = fields.Integer(required=True, metadata={"description": "make-up Saturday or Sunday workdays (调休)"})
    version = version_field()


class CalendarDayOut(Schema):
    date = fields.Date(required=True, attribute="day")
    kind = fields.Nested(ChoiceOut, required=True)


class CalendarYearDetail(CalendarYearOut):
    days = fields.List(fields.Nested(CalendarDayOut), required=True)


class CalendarDayIn(InputSchema):
    # Plain strings: the service checks every row and names each wrong one, with a stable code.
    date = fields.String(required=True, metadata={"description": "YYYY-MM-DD, within the year of the path"})
    kind = fields.String(required=True, metadata={"description": f"one of {DayOverride.codes()}"})


class CalendarYearIn(InputSchema):
    """Body of PUT /calendar/years/{year}: every day of the year that differs from its weekday."""

    reason = Text(1000, required=True, metadata={"description": "why, e.g. the State Council notice's number"})
    days = fields.List(fields.Nested(CalendarDayIn), required=True, validate=validate.Length(min=1, max=MAX_DAYS))
