"""The audit trail as CSV (UTF-8 with BOM): one row per entry, built from the API's own output schema."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from registry.exports.annex import BOM

HEADER = ("seq", "at", "actor_id", "actor_name", "actor_role", "action", "entity_type", "entity_id",
          "entity_label", "power_id", "department_id", "changed", "diff", "reason", "request_id")


def _value(value: Any) -> str:
    # As JSON, strings quoted: a note that reads "null" must not look like an empty one, and a line
    # break inside a value must not look like the next field's line.
    return json.dumps(value, ensure_ascii=False)


def _diff_text(diff: list[dict[str, Any]]) -> str:
    """One line per changed field: 事项名称 (name): "old" → "new"."""
    return "\n".join(f"{d['label']} ({d['field']}): {_value(d['before'])} → {_value(d['after'])}" for d in diff)


def to_csv(entries: Iterable[dict[str, Any]]) -> str:
    """``entries`` as AuditEntryOut dumps them."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for e in entries:
        writer.writerow([
            e["seq"], e["at"], e["actor"]["id"] if e["actor"]["id"] is not None else "", e["actor"]["name"],
            e["actor"]["role"], e["action"], e["entity_type"], e["entity_id"], e["entity_label"],
            e["power_id"] if e["power_id"] is not None else "",
            e["department_id"] if e["department_id"] is not None else "", ";".join(e["changed"]),
            _diff_text(e["diff"]), e["reason"] or "", e["request_id"],
        ])
    return out.getvalue()
