"""How the audit trail reads to people: what entities, actions, codes and ids are called, and moments in
Beijing time. Shared by the auditor's pages and the exports; the trail itself keeps codes and ids. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry.domain.choices import (
    DepartmentKind,
    EvaluationConclusion,
    ExerciseLevel,
    LabelledChoice,
    PowerType,
    SupervisionKind,
)
from registry.domain.handover import ChecklistItem, DayKind, Status
from registry.domain.moments import beijing_text
from registry.domain.roles import Role

ENTITY_LABELS = {"power": "事项", "handover": "交接", "handover_method": "移交方式", "decision": "决定",
                 "department": "部门", "user": "账号", "token": "令牌", "calendar_year": "工作日历",
                 "service_guide": "办事指南", "case_volume": "办件量", "registry": "登记系统", "audit_key": "审计密钥",
                 "supervision": "监管记录", "rectification": "整改", "evaluation": "评估"}
ACTION_LABELS = {"create": "新建", "update": "修改", "retire": "撤销", "restore": "恢复", "disable": "停用",
                 "enable": "启用", "set_password": "设置密码", "revoke": "吊销", "transition": "状态转换",
                 "confirm": "确认", "check": "清单", "rotate-key": "更换密钥",
                 "decision": "按决定记载", "close": "办结"}
CHOICES: dict[tuple[str, str], type[LabelledChoice]] = {
    ("power", "type"): PowerType, ("power", "level"): ExerciseLevel,
    ("handover", "status"): Status, ("handover", "planned_day_kind"): DayKind,
    ("user", "role"): Role, ("department", "kind"): DepartmentKind, ("supervision", "kind"): SupervisionKind,
    ("evaluation", "conclusion"): EvaluationConclusion,
}
# Fields that hold the id of another row, and which of ``Names``' tables names it.
NAMED_IDS = {("power", "department"): "departments", ("handover", "receiving_office"): "departments",
             ("user", "department"): "departments", ("handover", "method"): "methods",
             ("power", "decision"): "decisions", ("handover", "power"): "powers", ("token", "user"): "users",
             ("service_guide", "office"): "departments", ("service_guide", "power"): "powers",
             ("supervision", "department"): "departments", ("supervision", "power"): "powers",
             ("evaluation", "power"): "powers",
             ("rectification", "power"): "powers", ("case_volume", "office"): "departments",
             ("case_volume", "power"): "powers"}
MOMENTS = {("handover", "handed_over_at"), ("handover", "accepted_at"), ("user", "password_changed_at"),
           ("token", "expires_at"), ("token", "revoked_at"), ("calendar_year", "loaded_at")}
CHECK_LABELS = {"done": "完成", "by": "办理人", "at": "时间", "evidence": "依据", "note": "说明"}
EVIDENCE_LABELS = {"doc_number": "文号", "date": "日期", "evidence_date": "日期", "link": "链接"}
EMPTY = "（空）"


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


def shown(value: Any) -> str:
    """A snapshot value as text: lists one per line, evidence as its parts, booleans as 是/否."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "\n".join(shown(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{shown(v)}" for k, v in value.items())
    return str(value)


@dataclass(frozen=True)
class Names:
    """What ids in the trail stand for, by id: departments, handover methods, accounts, decisions, powers."""

    departments: dict[int, str]
    methods: dict[int, str]
    users: dict[int, str] = field(default_factory=dict)
    decisions: dict[int, str] = field(default_factory=dict)
    powers: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """One changed field as people read it; ``whole`` when the value is replaced rather than edited."""

    label: str
    field: str
    before: Any
    after: Any
    whole: bool


def readable(entity: str, name: str, value: Any, names: Names) -> Any:
    """A stored value by its label: a code by its label, an id by its name, a moment in Beijing time."""
    if value is None:
        return None
    choice = CHOICES.get((entity, name))
    if choice is not None:
        try:
            return choice(value).label
        except ValueError:
            return value
    table = NAMED_IDS.get((entity, name))
    if table is not None:
        return f"{getattr(names, table).get(value, '?')} (#{value})"
    if (entity, name) in MOMENTS:
        return beijing_text(value)
    return value


def _check(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if not value:
        return None
    out = {}
    for k, v in value.items():
        if v in (None, ""):
            continue
        if k == "at":
            v = beijing_text(v)
        elif k == "evidence" and isinstance(v, dict):
            v = {EVIDENCE_LABELS.get(ek, ek): ev for ek, ev in v.items() if ev not in (None, "")}
        out[CHECK_LABELS.get(k, k)] = v
    return out


def changes(entity: str, diff: list[dict[str, Any]], names: Names) -> list[Change]:
    """One change per changed field (as ``audit.diff`` gives them); a changed checklist, one per changed item."""
    out = []
    for change in diff:
        name, before, after = change["field"], change["before"], change["after"]
        if name == "checklist" and isinstance(before or {}, dict) and isinstance(after or {}, dict):
            for item in ChecklistItem:
                old, new = (before or {}).get(item.value), (after or {}).get(item.value)
                if old != new:
                    out.append(Change(f"{change['label']} · {item.label}", f"checklist.{item.value}",
                                      _check(old), _check(new), False))
            continue
        whole = (entity, name) in CHOICES or (entity, name) in NAMED_IDS or (entity, name) in MOMENTS
        out.append(Change(change["label"], name, readable(entity, name, before, names),
                          readable(entity, name, after, names), whole))
    return out
