"""How the staff handover page words what happened: who acted, who confirmed, and what a change of the terms changed
(read from its audit entry's diff), as whole Chinese sentences with one kind of quotation marks (“”)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.domain.handover import ChecklistItem, Side
from registry.domain.trail_words import role_label

# Accounts of the command line (`registry seed` opens every handover): named by what they did, not by login.
SYSTEM_PREFIX = "cli:"
SYSTEM = "系统初始化"
# The terms in the order the form shows them; planned_from/_days/_kind only explain planned_date.
TERMS = ("receiving_office", "method", "content", "scope", "planned_date", "effective_date", "legal_basis",
         "authorisation_needed", "authorisation", "notes")
NAMED = {"receiving_office": "offices", "method": "methods"}
TEXTS = frozenset({"content", "scope", "legal_basis", "notes"})
CONFIRMERS = ("handed_over_by", "accepted_by")
LONGEST = 40


@dataclass(frozen=True)
class Sides:
    """Who stands on each side of one handover: the city department, and the zone body that accepts."""

    city: str
    zone: str

    def of(self, side: Side) -> str:
        return self.city if side == Side.HANDOVER else self.zone

    def confirmed(self, side: Side) -> str:
        """“市水利局已确认移交”."""
        return f"{self.of(side)}已确认{'移交' if side == Side.HANDOVER else '承接'}"

    def pending(self, side: Side) -> str:
        return f"{self.of(side)}尚未确认{'移交' if side == Side.HANDOVER else '承接'}"


def sides(department: str, zone_body: str | None) -> Sides:
    """The zone side is the decision's 承接主体 (重庆经开区管委会); a synthetic decision names none."""
    return Sides(department, zone_body if zone_body and zone_body.strip("- ") else "经开区管委会")


def actor(name: str, role: str) -> str:
    """Who acted, with their role; the command line's account as 系统初始化."""
    if name.startswith(SYSTEM_PREFIX):
        return SYSTEM
    return f"{name}（{role_label(role)}）"


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= LONGEST else text[:LONGEST] + "……"


def _evidence(value: dict[str, Any]) -> str:
    parts = [f"文号{value['doc_number']}" if value.get("doc_number") else "",
             f"日期{value['date']}" if value.get("date") else "", "附链接" if value.get("link") else ""]
    return "，".join(p for p in parts if p)


def _term(name: str, label: str, after: Any, names: dict[str, dict[int, str]]) -> str:
    if after in (None, "", {}, []):
        return f"{label}已清空"
    if name == "authorisation_needed":
        return "改为需依法取得授权" if after else "改为无需依法取得授权"
    if name in NAMED:
        return f"{label}改为{names[NAMED[name]].get(after, '（已不存在）')}"
    if name == "authorisation" and isinstance(after, dict):
        return f"{label}改为{_evidence(after)}"
    if name in TEXTS:
        return f"{label}改为“{_short(after)}”"
    return f"{label}改为{after}"


def terms_change(diff: list[dict[str, Any]], offices: dict[int, str], methods: dict[int, str]) -> str:
    """A change of the terms as one sentence: “承接部门改为…；生效日期改为…。”, saying when it withdrew the
    confirmations; ``diff`` is the change's audit entry (registry.services.audit.diff)."""
    names = {"offices": offices, "methods": methods}
    by_field = {d["field"]: d for d in diff}
    parts = [_term(name, by_field[name]["label"], by_field[name]["after"], names) for name in TERMS if name in by_field]
    if any(by_field.get(c, {}).get("before") and not by_field[c]["after"] for c in CONFIRMERS):
        parts.append("已作出的确认随之撤回，须重新确认")
    return "；".join(parts) + "。" if parts else "交接条件有更新。"


def confirmation(side: Side, who: Sides) -> str:
    return f"{who.confirmed(side)}。"


def checklist(item: ChecklistItem, done: bool) -> str:
    return f"“{item.label}”{'已完成' if done else '重新打开'}。"
