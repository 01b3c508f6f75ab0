"""The handover progress counts (status × guiding department × type) as a table for CSV and .xlsx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.exports import sheets
from registry.services.progress import Stats

HEADER = ("交接状态", "市级指导(实施)部门(单位)", "事项类型", "事项数")
CODES_HEADER = ("status", "department_id", "department", "type", "count")


def header(labels: str = "names") -> tuple[str, ...]:
    return CODES_HEADER if labels == "codes" else HEADER


def rows(stats: Stats, labels: str = "names") -> Iterator[tuple[Any, ...]]:
    for c in stats.cells:
        if labels == "codes":
            yield c.status.value, c.department.id, c.department.name, c.type.value, c.count
        else:
            yield c.status.label, c.department.name, c.type.label, c.count


def to_csv(stats: Stats, labels: str = "names") -> str:
    return sheets.csv_text(header(labels), rows(stats, labels))


def xlsx(stats: Stats, labels: str = "names") -> bytes:
    return sheets.xlsx_bytes("交接进度统计", header(labels), rows(stats, labels))
