"""The audit trail as a table for CSV and .xlsx: one row per entry, built from the API's own output schema.

For people (``labels="names"``): Chinese column names, the time in Beijing time, actions, roles, codes and ids
by their names, one line per changed field. For programs (``"codes"``): field codes, the moment in UTC as
ISO 8601, raw codes and the values as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from registry.domain.moments import in_beijing
from registry.domain.trail_words import ACTION_LABELS, EMPTY, ENTITY_LABELS, Names, changes, role_label, shown
from registry.exports import sheets

HEADER = ("序号", "时间（北京时间）", "操作人", "操作人角色", "操作", "对象类型", "对象编号", "对象", "事项编号",
          "变更字段", "变更内容", "原因", "请求编号")
CODES_HEADER = ("seq", "at", "actor_id", "actor_name", "actor_role", "action", "entity_type", "entity_id",
                "entity_label", "power_id", "department_id", "changed", "diff", "reason", "request_id")


def header(labels: str = "names") -> tuple[str, ...]:
    return CODES_HEADER if labels == "codes" else HEADER


def _json(value: Any) -> str:
    # As JSON, strings quoted: a note that reads "null" must not look like an empty one, and a line
    # break inside a value must not look like the next field's line.
    return json.dumps(value, ensure_ascii=False)


def _code_diff(diff: list[dict[str, Any]]) -> str:
    """One line per changed field: 事项名称 (name): "old" → "new"."""
    return "\n".join(f"{d['label']} ({d['field']}): {_json(d['before'])} → {_json(d['after'])}" for d in diff)


def _said(value: Any) -> str:
    """A value in a line of 变更内容: text in 「」 (a line break as ↵), so "（空）" and empty never look alike."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, str):
        return "「" + value.replace("\n", "↵") + "」"
    if isinstance(value, list):
        return "、".join(_said(v) for v in value)
    return shown(value)


def _label_diff(entry: dict[str, Any], names: Names) -> str:
    return "\n".join(f"{c.label}：{_said(c.before)} → {_said(c.after)}"
                     for c in changes(entry["entity_type"], entry["diff"], names))


def _blank(value: Any) -> Any:
    return "" if value is None else value


def rows(entries: Iterable[dict[str, Any]], names: Names, labels: str = "names") -> Iterator[tuple[Any, ...]]:
    """``entries`` as AuditEntryOut dumps them, one row each."""
    for e in entries:
        actor = e["actor"]
        if labels == "codes":
            yield (e["seq"], e["at"], _blank(actor["id"]), actor["name"], actor["role"], e["action"],
                   e["entity_type"], e["entity_id"], e["entity_label"], _blank(e["power_id"]),
                   _blank(e["department_id"]), ";".join(e["changed"]), _code_diff(e["diff"]), e["reason"] or "",
                   e["request_id"])
            continue
        yield (e["seq"], in_beijing(e["at"]), actor["name"], role_label(actor["role"]),
               ACTION_LABELS.get(e["action"], e["action"]), ENTITY_LABELS.get(e["entity_type"], e["entity_type"]),
               e["entity_id"], e["entity_label"], _blank(e["power_id"]),
               "、".join(dict.fromkeys(c.label for c in changes(e["entity_type"], e["diff"], names))),
               _label_diff(e, names), e["reason"] or "", e["request_id"])


def to_csv(entries: Iterable[dict[str, Any]], names: Names, labels: str = "names") -> str:
    return sheets.csv_text(header(labels), rows(entries, names, labels))


def xlsx(entries: Iterable[dict[str, Any]], names: Names, labels: str = "names") -> bytes:
    return sheets.xlsx_bytes("审计记录", header(labels), rows(entries, names, labels))
