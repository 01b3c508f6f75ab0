"""/api/v1/powers/{id}/evaluations and /api/v1/stats/evaluation: the periodic evaluation of devolved items (评估)."""

from __future__ import annotations

from typing import Any

from registry import db
from registry.api.blueprint import BEARER, Blueprint, etag_header
from registry.domain.roles import ALLOWED, Action
from registry.exports import evaluation as evaluation_sheets
from registry.exports import proposals
from registry.exports.sheets import XLSX_TYPE
from registry.http.access import current_caller, public, roles, staff
from registry.http.caching import conditional
from registry.http.downloads import attachment
from registry.http.etag import optional_version, with_etag
from registry.http.paths import POWER
from registry.schemas.evaluation import (
    EvaluationIn,
    EvaluationOut,
    EvaluationStatsOut,
    EvaluationSummaryOut,
    StatsQuery,
)
from registry.services import evaluation

blp = Blueprint("evaluation", __name__, url_prefix="/api/v1", description="Evaluation of devolved items (评估)")

EVALUATIONS = f"/powers{POWER}/evaluations"
evaluator = roles(*ALLOWED[Action.EVALUATION_RECORD])


@blp.post(EVALUATIONS)
@evaluator
@blp.versioned_write("the item's evaluation of that period", "evaluation.stale",
                     needed_when="when the period is already evaluated")
@blp.arguments(EvaluationIn)
@blp.response(201, EvaluationOut, headers=etag_header("the evaluation"))
@blp.alt_response(200, schema=EvaluationOut, description="the period was evaluated already: updated")
def record_evaluation(body: dict[str, Any], power_id: int):
    """The conclusion on the item for a period (保留, 调整, 建议收回) with its reason; the period's figures are
    copied from the case volumes and rectifications as they stand. The same period evaluated again is updated
    (send If-Match with the ETag of the evaluation you read); everything is audited."""
    session = db.session()
    row, created = evaluation.record(session, current_caller(), power_id, expected_version=optional_version(),
                                     **body)
    session.commit()
    return with_etag(row, 201 if created else 200)


@blp.get(EVALUATIONS)
@staff
@blp.doc(security=BEARER)
@blp.response(200, EvaluationOut(many=True))
def list_evaluations(power_id: int):
    """The item's evaluations, the latest period first, each with the figures copied when it was made."""
    return evaluation.for_power(db.session(), power_id)


@blp.get("/stats/evaluation")
@staff
@blp.doc(security=BEARER)
@blp.arguments(StatsQuery, location="query", as_kwargs=True)
@blp.response(200, EvaluationStatsOut)
def stats(period: str):
    """Per item (in operation, or with figures or an evaluation in the period) the period's figures, the
    conclusion if any and the computed flags (no case for 12 months, never evaluated, on-time share down more
    than 10 points from the previous period); the conclusions counted."""
    return evaluation.overview(db.session(), period)


@blp.get("/stats/evaluation.xlsx")
@staff
@blp.doc(security=BEARER)
@blp.arguments(StatsQuery, location="query", as_kwargs=True)
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_TYPE)
def stats_xlsx(period: str):
    """The period's evaluation for the leadership report: 说明, the conclusions and flags counted, and per item its
    figures, flags, conclusion, reason, evaluator and time (Beijing), Chinese headers."""
    found = evaluation.overview(db.session(), period)
    return attachment(evaluation_sheets.xlsx(found), f"evaluation-{found.period.label}.xlsx")


@blp.get("/stats/evaluation/summary")
@public
@conditional
@blp.arguments(StatsQuery, location="query", as_kwargs=True)
@blp.response(200, EvaluationSummaryOut)
def summary(period: str):
    """The period's evaluation as anyone may read it: the items counted and evaluated, each conclusion and each
    flag counted; never an item's reason, figures or evaluator."""
    return evaluation_sheets.public(evaluation.overview(db.session(), period))


@blp.get("/stats/evaluation/proposals.xlsx")
@staff
@blp.doc(security=BEARER)
@blp.arguments(StatsQuery, location="query", as_kwargs=True)
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_TYPE)
def proposals_xlsx(period: str):
    """The period's 调整 and 建议收回 conclusions as a sheet in the annex layout with a first column 调整类型 (调整,
    收回): a draft of the next decision, which POST /decisions/imports previews as it is."""
    span, rows = evaluation.proposals(db.session(), period)
    return attachment(proposals.xlsx(span.title, rows), f"evaluation-proposals-{span.label}.xlsx")
