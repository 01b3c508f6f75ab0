"""Plain Chinese sentences for what happened to a handover, from the public event shape (no names or notes)."""

from __future__ import annotations

from typing import Any

from registry.domain.handover import Status

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
    steps = [e for e in events if e["kind"] == "transition" and (e.get("to") or {}).get("code") in CITIZEN_STEPS]
    return [devolved, *({**e, "sentence": event_sentence(e)} for e in steps)]


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
    to = (event.get("to") or {}).get("code")
    if to == Status.HANDED_OVER and event.get("effective_on"):
        office = (event.get("office") or {}).get("name", "经开区承接部门")
        text += f"，自 {event['effective_on']} 起由{office}办理"
    elif to == Status.RECALLED and event.get("effective_on"):
        text += f"，自 {event['effective_on']} 起由市级部门办理"
    return text + "。"
