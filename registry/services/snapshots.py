"""What the audit trail records of each kind of row: a plain JSON snapshot and a readable label."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, true

from registry.domain.chain import iso_utc
from registry.domain.choices import DayOverride
from registry.models import (
    ApiToken,
    Base,
    CalendarYear,
    CaseVolume,
    Decision,
    Department,
    Evaluation,
    Handover,
    HandoverMethod,
    Power,
    Rectification,
    ServiceGuide,
    Supervision,
    User,
)


def power(p: Power) -> dict[str, Any]:
    return {
        "decision": p.decision_id, "seq": p.seq, "name": p.name, "sub_items": p.sub_items,
        "type": p.type.value, "level": p.level.value, "department": p.department_id, "note": p.note,
        "partial": p.partial, "devolved_part": p.devolved_part, "retained_part": p.retained_part,
        "retired": p.retired, "version": p.version,
    }


def decision(d: Decision) -> dict[str, Any]:
    return {
        "doc_number": d.doc_number, "title": d.title, "issuer": d.issuer, "issued_on": d.issued_on.isoformat(),
        "recipient": d.recipient, "zone_body": d.zone_body, "annex_title": d.annex_title, "body": d.body,
        "source_ref": d.source_ref, "source_sha256": d.source_sha256,
    } | ({"effective_on": d.effective_on.isoformat()} if d.effective_on else {})  # absent before decisions had it


def department(d: Department) -> dict[str, Any]:
    return {"name": d.name, "kind": d.kind.value, "address": d.address, "phone": d.phone, "hours": d.hours}


def user(u: User) -> dict[str, Any]:
    # Never the password hash: only whether there is one and when it last changed.
    return {"name": u.name, "role": u.role.value, "department": u.department_id, "disabled": u.disabled,
            "has_password": u.password_hash is not None, "password_changed_at": iso_utc(u.password_changed_at)}


def token(t: ApiToken) -> dict[str, Any]:
    # Never the token or its hash.
    return {"user": t.user_id, "label": t.label, "expires_at": iso_utc(t.expires_at),
            "revoked_at": iso_utc(t.revoked_at)}


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def handover(h: Handover) -> dict[str, Any]:
    return {
        "power": h.power_id, "status": h.status.value, "receiving_office": h.receiving_office_id,
        "method": h.method_id, "content": h.content, "scope": h.scope, "planned_date": _day(h.planned_date),
        "planned_from": _day(h.planned_from), "planned_days": h.planned_days,
        "planned_day_kind": h.planned_day_kind.value if h.planned_day_kind else None,
        "effective_date": _day(h.effective_date), "recalled_on": _day(h.recalled_on),
        "legal_basis": h.legal_basis, "authorisation_needed": h.authorisation_needed,
        "authorisation": h.authorisation, "notes": h.notes,
        "handed_over_by": h.handed_over_by, "handed_over_at": iso_utc(h.handed_over_at),
        "accepted_by": h.accepted_by, "accepted_at": iso_utc(h.accepted_at),
        "checklist": {c.item.value: {"done": c.done, "by": c.done_by, "at": iso_utc(c.done_at),
                                     "evidence": c.evidence, "note": c.note} for c in h.checks},
        "version": h.version,
    }


def handover_method(m: HandoverMethod) -> dict[str, Any]:
    return {"name": m.name, "retired": m.retired}


def calendar_year(y: CalendarYear) -> dict[str, Any]:
    """A year of the working-day calendar with all its days, so a replaced year shows what changed."""
    return {"year": y.year, "source": y.source, "loaded_at": iso_utc(y.loaded_at),
            "holidays": [d.day.isoformat() for d in y.days if d.kind == DayOverride.HOLIDAY],
            "workdays": [d.day.isoformat() for d in y.days if d.kind == DayOverride.WORKDAY]}


def service_guide(g: ServiceGuide) -> dict[str, Any]:
    """A guide's every field (the fee as its two parts), and the office it is for."""
    return {
        "power": g.power_id, "office": g.office_id, "basic_code": g.basic_code,
        "implementation_code": g.implementation_code, "legal_basis": g.legal_basis,
        "service_object": g.service_object, "conditions": g.conditions, "materials": g.materials,
        "procedure": g.procedure, "legal_time_limit_days": g.legal_time_limit_days,
        "promised_time_limit_days": g.promised_time_limit_days, "fee_charged": g.fee_charged,
        "fee_basis": g.fee_basis, "location": g.location, "hours": g.hours, "consult_phone": g.consult_phone,
        "complaint_phone": g.complaint_phone, "online_url": g.online_url, "result": g.result, "version": g.version,
    }


def evaluation(e: Evaluation) -> dict[str, Any]:
    return {"power": e.power_id, "period_start": _day(e.period_start), "period_end": _day(e.period_end),
            "accepted": e.accepted, "completed": e.completed, "on_time_permille": e.on_time_permille,
            "open_rectifications": e.open_rectifications, "idle_months": e.idle_months,
            "conclusion": e.conclusion.value, "reason": e.reason, "evaluated_by": e.evaluated_by,
            "version": e.version}


def supervision(r: Supervision) -> dict[str, Any]:
    return {"power": r.power_id, "department": r.department_id, "held_on": _day(r.held_on), "kind": r.kind.value,
            "findings": r.findings, "evidence": r.evidence, "recorded_by": r.recorded_by, "version": r.version}


def rectification(r: Rectification) -> dict[str, Any]:
    return {"power": r.power_id, "supervision": r.supervision_id, "requirement": r.requirement,
            "counted_from": _day(r.counted_from), "days": r.days, "due_on": _day(r.due_on),
            "closed_on": _day(r.closed_on), "closed_note": r.closed_note, "closed_evidence": r.closed_evidence,
            "closed_by": r.closed_by, "version": r.version}
def case_volume(v: CaseVolume) -> dict[str, Any]:
    """A month's figures for one item at one office: what a later import replaces."""
    return {"power": v.power_id, "office": v.office_id, "month": v.month, "accepted": v.accepted,
            "completed": v.completed, "on_time": v.on_time, "version": v.version}


def power_label(p: Power) -> str:
    return f"{p.decision.doc_number} 第{p.seq}项 {p.name}"


@dataclass(frozen=True)
class Kind:
    """How one entity type is snapshotted and labelled, for writing entries and replaying them."""

    model: type[Base]
    snapshot: Callable[[Any], dict[str, Any]]
    label: Callable[[Any], str]
    # The power and the department an entry concerns, so the trail can be filtered by them.
    power_id: Callable[[Any], int | None] = lambda row: None
    department_id: Callable[[Any], int | None] = lambda row: getattr(row, "department_id", None)
    # Rows the trail must account for; synthetic scale data (registry.seeding.synthetic) is not registry data.
    audited: Callable[[], ColumnElement[bool]] = lambda: true()


KINDS: dict[str, Kind] = {
    "power": Kind(Power, power, power_label, power_id=lambda p: p.id,
                  audited=lambda: Power.decision_id.not_in(select(Decision.id).where(Decision.synthetic.is_(True)))),
    "handover": Kind(Handover, handover, lambda h: f"{power_label(h.power)} 交接", power_id=lambda h: h.power_id,
                     department_id=lambda h: h.power.department_id),
    "service_guide": Kind(ServiceGuide, service_guide, lambda g: f"{power_label(g.power)} 办事指南",
                          power_id=lambda g: g.power_id, department_id=lambda g: g.power.department_id),
    "supervision": Kind(Supervision, supervision,
                        lambda r: f"{power_label(r.power)} {r.held_on.isoformat()}{r.kind.label}",
                        power_id=lambda r: r.power_id),
    "rectification": Kind(Rectification, rectification,
                          lambda r: f"{power_label(r.power)} {r.counted_from.isoformat()}整改",
                          power_id=lambda r: r.power_id, department_id=lambda r: r.supervision.department_id),
    "evaluation": Kind(Evaluation, evaluation,
                       lambda e: f"{power_label(e.power)} {e.period_start.isoformat()}至{e.period_end.isoformat()}评估",
                       power_id=lambda e: e.power_id, department_id=lambda e: e.power.department_id),
    "handover_method": Kind(HandoverMethod, handover_method, lambda m: m.name),
    "decision": Kind(Decision, decision, lambda d: d.doc_number, audited=lambda: Decision.synthetic.is_(False)),
    "department": Kind(Department, department, lambda d: d.name),
    "user": Kind(User, user, lambda u: u.name),
    "token": Kind(ApiToken, token, lambda t: f"{t.label} ({t.user.name})"),
    "case_volume": Kind(CaseVolume, case_volume, lambda v: f"{power_label(v.power)} {v.office.name} {v.month} 办件量",
                        power_id=lambda v: v.power_id, department_id=lambda v: v.power.department_id),
    "calendar_year": Kind(CalendarYear, calendar_year, lambda y: f"{y.year}年工作日历", department_id=lambda y: None),
}


def entity_type(row: Base) -> str:
    return next(name for name, kind in KINDS.items() if isinstance(row, kind.model))
