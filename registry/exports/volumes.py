"""The case-volume figures of a period (registry.services.case_volumes.stats): public JSON and an .xlsx for the
leadership report, one sheet per table, Chinese headers, the moment made in Beijing time; aggregate figures only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry.domain.moments import in_beijing
from registry.exports import sheets
from registry.models.base import utcnow
from registry.services.case_volumes import Stats, Sums

FIGURES = ("受理量", "办结量", "按时办结量")
GUIDING = "市级指导(实施)部门(单位)"


def _sums(sums: Sums) -> dict[str, Any]:
    return {"accepted": sums.accepted, "completed": sums.completed, "on_time": sums.on_time}


def _named(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name}


def public(stats: Stats) -> dict[str, Any]:
    """The figures as the public API answers them: sums, never a staff name or a single office's note."""
    return {
        "start": stats.start, "end": stats.end, "total": _sums(stats.total),
        "by_item": [{"power": line.power.id, "seq": line.power.seq, "name": line.power.name,
                     "department": _named(line.power.department), **_sums(line.sums)} for line in stats.by_item],
        "by_department": [{"department": _named(line.department), "items": line.items, **_sums(line.sums)}
                          for line in stats.by_department],
        "by_month": [{"month": month, **_sums(sums)} for month, sums in stats.by_month],
        "idle": [{"power": p.id, "seq": p.seq, "name": p.name, "department": _named(p.department)}
                 for p in stats.idle],
    }


def _figures(sums: Sums) -> tuple[Any, ...]:
    return sums.accepted, sums.completed, sums.on_time


def xlsx(stats: Stats, now: datetime | None = None) -> bytes:
    """The same figures as an .xlsx: 说明, 按事项, 按部门, 按月份 and 零办件事项 sheets."""
    made = in_beijing(now or utcnow())
    return sheets.xlsx_book([
        ("说明", ("项目", "内容"), [("统计期间", f"{stats.start} 至 {stats.end}"), ("生成时间（北京时间）", made),
                                   ("受理量合计", stats.total.accepted), ("办结量合计", stats.total.completed),
                                   ("按时办结量合计", stats.total.on_time),
                                   ("零办件事项数", len(stats.idle))]),
        ("按事项", ("序号", "事项名称", GUIDING, *FIGURES),
         [(line.power.seq, line.power.name, line.power.department.name, *_figures(line.sums))
          for line in stats.by_item]),
        ("按部门", (GUIDING, "有办件量的事项数", *FIGURES),
         [(line.department.name, line.items, *_figures(line.sums)) for line in stats.by_department]),
        ("按月份", ("月份", *FIGURES), [(month, *_figures(sums)) for month, sums in stats.by_month]),
        ("零办件事项", ("序号", "事项名称", GUIDING), [(p.seq, p.name, p.department.name) for p in stats.idle]),
    ])
