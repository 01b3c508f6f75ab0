"""What the audit trail records of each kind of row: a plain JSON snapshot and a readable label."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from registry.domain.chain import iso_utc
from registry.models import ApiToken, Base, Decision, Department, Power, User


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
    }


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


def power_label(p: Power) -> str:
    return f"{p.decision.doc_number} 第{p.seq}项 {p.name}"


@dataclass(frozen=True)
class Kind:
    """How one entity type is snapshotted and labelled, for writing entries and replaying them."""

    model: type[Base]
    snapshot: Callable[[Any], dict[str, Any]]
    label: Callable[[Any], str]


KINDS: dict[str, Kind] = {
    "power": Kind(Power, power, power_label),
    "decision": Kind(Decision, decision, lambda d: d.doc_number),
    "department": Kind(Department, department, lambda d: d.name),
    "user": Kind(User, user, lambda u: u.name),
    "token": Kind(ApiToken, token, lambda t: f"{t.label} ({t.user.name})"),
}


def entity_type(row: Base) -> str:
    return next(name for name, kind in KINDS.items() if isinstance(row, kind.model))
