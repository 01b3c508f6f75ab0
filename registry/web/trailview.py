"""An audit entry's diff as an auditor reads it: codes and ids as their names, the checklist item by item.

The trail keeps codes and ids (what was written); this only decides how they are shown, next to the
field's code, so nothing an auditor needs is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.domain.choices import ExerciseLevel, LabelledChoice, PowerType
from registry.domain.handover import ChecklistItem, DayKind, Status
from registry.web.textdiff import Piece, inline

CHOICES: dict[tuple[str, str], type[LabelledChoice]] = {
    ("power", "type"): PowerType, ("power", "level"): ExerciseLevel,
    ("handover", "status"): Status, ("handover", "planned_day_kind"): DayKind,
}
NAMED_IDS = {("power", "department"), ("handover", "receiving_office"), ("handover", "method")}
CHECK_LABELS = {"done": "完成", "by": "办理人", "at": "时间", "evidence": "依据", "note": "说明"}


@dataclass(frozen=True)
class Names:
    """What ids in the trail stand for: departments and handover methods, by id."""

    departments: dict[int, str]
    methods: dict[int, str]


@dataclass(frozen=True)
class Row:
    label: str
    field: str
    old: list[Piece]
    new: list[Piece]


def _readable(entity: str, field: str, value: Any, names: Names) -> Any:
    if value is None:
        return None
    choice = CHOICES.get((entity, field))
    if choice is not None:
        try:
            return choice(value).label
        except ValueError:
            return value
    if (entity, field) == ("handover", "method"):
        return f"{names.methods.get(value, '?')} (#{value})"
    if (entity, field) in NAMED_IDS:
        return f"{names.departments.get(value, '?')} (#{value})"
    return value


def _check(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if not value:
        return None
    return {CHECK_LABELS.get(k, k): v for k, v in value.items() if v not in (None, "")}


def rows(entity: str, diff: list[dict[str, Any]], names: Names) -> list[Row]:
    """One row per changed field; a changed checklist gives one row per item that changed."""
    out = []
    for change in diff:
        field, before, after = change["field"], change["before"], change["after"]
        if field == "checklist" and isinstance(before, dict) and isinstance(after, dict):
            for item in ChecklistItem:
                old, new = before.get(item.value), after.get(item.value)
                if old != new:
                    out.append(Row(f"{change['label']} · {item.label}", f"checklist.{item.value}",
                                   *inline(_check(old), _check(new))))
            continue
        named = (entity, field) in CHOICES or (entity, field) in NAMED_IDS
        out.append(Row(change["label"], field, *inline(_readable(entity, field, before, names),
                                                       _readable(entity, field, after, names), whole=named)))
    return out
