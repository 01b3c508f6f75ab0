"""Plain Chinese sentences for what happened to a handover, from the public event shape (no names or notes)."""

from __future__ import annotations

from typing import Any

from registry.domain.handover import Status
from registry.services.audit import POWER_LABELS

WHAT_THE_STATUS_MEANS = {
    Status.PENDING: "市级部门与经开区尚未开始交接，目前仍由市级部门办理。",
    Status.IN_PROGRESS: "市级部门与经开区正在交接，交接完成并生效前仍由市级部门办理。",
    Status.AWAITING_AUTHORISATION: "此事项需依法取得授权或修改相关法规规章，正在办理相关程序，目前仍由市级部门办理。",
    Status.HANDED_OVER: "交接已完成，自生效日期起由经开区承接部门办理。",
    Status.OPERATING: "经开区承接部门已正式运行办理此事项。",
    Status.SUSPENDED: "交接暂缓，目前仍由市级部门办理。",
    Status.RECALLED: "此事项已收回市级部门办理。",
}


# The steps of a handover a citizen cares about: when the zone takes it over, runs it, or gives it back.
CITIZEN_STEPS = frozenset({Status.HANDED_OVER, Status.OPERATING, Status.RECALLED})


def citizen_history(events: list[dict[str, Any]], decision: dict[str, Any]) -> list[dict[str, Any]]:
    """The public history: the decision that devolved the item, then only the steps in CITIZEN_STEPS, each as a
    sentence (the internal steps — terms, confirmations, checklist — stay on the staff pages)."""
    devolved = {"at": decision["issued_on"], "date_only": True,
                "sentence": f"{decision['issuer']}{decision['doc_number']}决定将此事项下放重庆经开区。"}
    steps = [e for e in events
             if e["kind"] in ("transition", "decision") and (e.get("to") or {}).get("code") in CITIZEN_STEPS]
    return [devolved, *({**e, "sentence": event_sentence(e)} for e in steps)]


def devolved_sub_items(sub_items: list[str] | None) -> str:
    """The sentence saying that the decision devolves only the listed sub-items of an item, each quoted exactly as
    the annex prints it (nothing added: what a sub-item's "其他" refers to, the source does not say)."""
    if not sub_items:
        return ""
    return "本次下放的是该事项中的以下子项：" + "、".join(f"“{s}”" for s in sub_items) + "。"


def contacts_report(outcomes: list[Any], dry_run: bool) -> list[str]:
    """One line per row of an imported contacts sheet (office_contacts.Outcome): what changed, or would, or that
    nothing did."""
    verb = "将更新" if dry_run else "已更新"
    return [f"第 {o.row} 行“{o.department.name}”：" + (f"{verb}{'、'.join(o.labels)}" if o.changes else "无变化")
            for o in outcomes]


def _label(choice: dict[str, Any] | None) -> str:
    return choice["label"] if choice else ""


def event_sentence(event: dict[str, Any]) -> str:
    """One public handover event (HandoverEventOut's shape) as a sentence a citizen understands."""
    kind = event["kind"]
    if kind == "create":
        return "登记交接事项，状态为“待交接”。"
    if kind == "update":
        return "交接内容（承接部门、移交方式、实施范围或日期等）有更新。"
    if kind == "confirmation":
        return f"{_label(event['detail'])}。"
    if kind == "checklist":
        return f"交接工作“{_label(event['detail'])}”有进展。"
    text = f"交接状态由“{_label(event['from'])}”变为“{_label(event['to'])}”"
    if kind == "decision":  # a later decision recalled the item (or devolved it again)
        text = "根据新的决定，" + text
    to = (event.get("to") or {}).get("code")
    if to == Status.HANDED_OVER and event.get("effective_on"):
        office = (event.get("office") or {}).get("name", "经开区承接部门")
        text += f"，自 {event['effective_on']} 起由{office}办理"
    elif to == Status.RECALLED and event.get("effective_on"):
        text += f"，自 {event['effective_on']} 起由市级部门办理"
    return text + "。"


def changed_fields(changes: dict[str, Any] | None) -> str:
    """The fields a decision adjusted, by their labels: “事项类型、备注”."""
    return "、".join(POWER_LABELS.get(k, k) for k in changes or {})
