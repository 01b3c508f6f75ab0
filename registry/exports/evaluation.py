"""The evaluation of a period (registry.services.evaluation.overview) for people: the public aggregate (counts of
conclusions and flags, never a reason, a name or an item's figures) and the staff .xlsx for the leadership report,
Chinese headers, the moment made in Beijing time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry.domain.choices import EvaluationConclusion
from registry.domain.evaluation import Flag
from registry.domain.moments import in_beijing
from registry.exports import sheets
from registry.models.base import utcnow
from registry.services.evaluation import Line, Overview

NOT_EVALUATED = ("not_evaluated", "未评估")
GUIDING = "市级指导(实施)部门(单位)"


def conclusion_counts(overview: Overview) -> list[tuple[str, str, int]]:
    """(code, label, count) of each conclusion, then of the items counted but not evaluated in the period."""
    counts = [(c.code, c.label, overview.conclusions.get(c, 0)) for c in EvaluationConclusion]
    return [*counts, (*NOT_EVALUATED, sum(1 for line in overview.lines if line.evaluation is None))]


def flag_counts(overview: Overview) -> list[tuple[str, str, int]]:
    """(code, label, count) of each flag over the items counted."""
    return [(f.code, f.label, sum(1 for line in overview.lines if f in line.flags)) for f in Flag]


def public(overview: Overview) -> dict[str, Any]:
    """The aggregate as anyone may read it: how many items were counted, evaluated, concluded each way, flagged."""
    return {
        "period": overview.period.label, "period_start": overview.period.start, "period_end": overview.period.end,
        "counted": len(overview.lines), "evaluated": sum(1 for line in overview.lines if line.evaluation),
        "conclusions": [{"code": c, "label": label, "count": n} for c, label, n in conclusion_counts(overview)],
        "flags": [{"code": c, "label": label, "count": n} for c, label, n in flag_counts(overview)],
    }


def percent(permille: int | None) -> str | None:
    """A per-mille share as the percentage people read (“87.5%”); None stays empty."""
    return None if permille is None else f"{permille / 10:g}%"


def _line(line: Line) -> tuple[Any, ...]:
    e, f = line.evaluation, line.figures
    return (line.power.seq, line.power.name, line.power.department.name, f.accepted, f.completed,
            percent(f.on_time_permille), f.open_rectifications, f.idle_months, "、".join(x.label for x in line.flags),
            e.conclusion.label if e else NOT_EVALUATED[1], e.reason if e else None, e.evaluated_by if e else None,
            in_beijing(e.updated_at) if e else None)


def xlsx(overview: Overview, now: datetime | None = None) -> bytes:
    """The period's evaluation as an .xlsx: 说明, 评估结论 (counts), 提示 (flag counts) and 按事项 sheets."""
    made = in_beijing(now or utcnow())
    period = overview.period
    return sheets.xlsx_book([
        ("说明", ("项目", "内容"), [("评估期间", f"{period.title}（{period.start} 至 {period.end}）"),
                                   ("生成时间（北京时间）", made), ("纳入评估的事项数", len(overview.lines)),
                                   ("已评估事项数", sum(1 for line in overview.lines if line.evaluation))]),
        ("评估结论", ("评估结论", "事项数"), [(label, n) for _, label, n in conclusion_counts(overview)]),
        ("提示", ("提示", "事项数"), [(label, n) for _, label, n in flag_counts(overview)]),
        ("按事项", ("序号", "事项名称", GUIDING, "受理量", "办结量", "按时办结率", "期末未整改问题数",
                    "无办件月数", "提示", "评估结论", "理由", "评估人", "评估时间（北京时间）"),
         [_line(line) for line in overview.lines]),
    ])
