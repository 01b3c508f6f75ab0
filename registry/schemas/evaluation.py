"""Evaluation schemas: the body of an evaluation, its output with the figures copied when it was made, and the
staff overview of a period (per item the figures, the conclusion if any, the flags; the conclusions counted)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from registry.domain import periods
from registry.domain.choices import EvaluationConclusion
from registry.schemas.common import Choice, ChoiceOut, InputSchema, QuerySchema, Text, UtcDateTime
from registry.schemas.handovers import PowerRef


class EvaluationIn(InputSchema):
    """Body of POST /powers/{id}/evaluations."""

    read_only_fields = ("id", "version", "power", "evaluated_by", "figures")

    period = fields.String(required=True, metadata={
        "description": "the period evaluated: a year (2026), a half (2026-H1) or a quarter (2026-Q3)"})
    conclusion = Choice(EvaluationConclusion, required=True, metadata={"description": "保留, 调整 or 建议收回"})
    reason = Text(2000, required=True, metadata={"description": "why; kept in the audit trail"})


class FiguresOut(Schema):
    accepted = fields.Integer(required=True, metadata={"description": "受理量"})
    completed = fields.Integer(required=True, metadata={"description": "办结量"})
    on_time_permille = fields.Integer(allow_none=True, metadata={
        "description": "按时办结 of the completed cases that reported it, in per mille; null when none did"})
    open_rectifications = fields.Integer(required=True, metadata={"description": "rectifications open at the "
                                                                               "period's end"})
    idle_months = fields.Integer(required=True, metadata={"description": "months of the period with no case"})


def _figures(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in FiguresOut().fields}


class EvaluationOut(Schema):
    id = fields.Integer(required=True)
    power = fields.Nested(PowerRef, required=True)
    period = fields.Function(lambda row: getattr(periods.of_dates(row.period_start, row.period_end), "label", None),
                             metadata={"description": "the period's name: 2026, 2026-H1, 2026-Q3"})
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    figures = fields.Function(lambda row: FiguresOut().dump(_figures(row)), required=True)
    conclusion = fields.Function(lambda row: {"code": row.conclusion.code, "label": row.conclusion.label},
                                 required=True)
    reason = fields.String(required=True)
    evaluated_by = fields.String(required=True)
    version = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class StatsQuery(QuerySchema):
    period = fields.String(required=True, metadata={
        "description": "a year (2026, the default kind), a half (2026-H1) or a quarter (2026-Q3)"})


class LineOut(Schema):
    power = fields.Nested(PowerRef, required=True)
    figures = fields.Nested(FiguresOut, required=True)
    conclusion = fields.Function(lambda line: None if line.evaluation is None else {
        "code": line.evaluation.conclusion.code, "label": line.evaluation.conclusion.label})
    evaluation_id = fields.Function(lambda line: None if line.evaluation is None else line.evaluation.id)
    flags = fields.Function(lambda line: [{"code": f.code, "label": f.label} for f in line.flags], required=True)


class CountOut(ChoiceOut):
    count = fields.Integer(required=True)


class EvaluationStatsOut(Schema):
    period = fields.Function(lambda o: o.period.label, required=True)
    period_start = fields.Function(lambda o: o.period.start.isoformat(), required=True)
    period_end = fields.Function(lambda o: o.period.end.isoformat(), required=True)
    items = fields.List(fields.Nested(LineOut), attribute="lines", required=True)
    conclusions = fields.Function(lambda o: [{"code": c.code, "label": c.label, "count": n}
                                             for c, n in o.conclusions.items()], required=True)


class EvaluationSummaryOut(Schema):
    """The public aggregate of a period: counts only."""

    period = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    counted = fields.Integer(required=True, metadata={"description": "items counted: in operation, or with figures or "
                                                                   "an evaluation in the period"})
    evaluated = fields.Integer(required=True, metadata={"description": "of them, evaluated for the period"})
    conclusions = fields.List(fields.Nested(CountOut), required=True, metadata={
        "description": "保留, 调整, 建议收回, then not_evaluated (未评估)"})
    flags = fields.List(fields.Nested(CountOut), required=True)
