"""What the auditor's filters name: a power by its 序号 or its name, a field by its Chinese label or its code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Decision, Power
from registry.services.audit import FIELD_LABELS


def power_ids(session: Session, text: str) -> list[int]:
    """The powers of the real decisions (not synthetic scale data) whose 序号 is ``text`` or whose name it is."""
    text = text.strip()
    named = Power.seq == int(text) if text.isdigit() and len(text) <= 9 else Power.name == text
    real = Power.decision_id.in_(select(Decision.id).where(Decision.synthetic.is_(False)))
    return list(session.scalars(select(Power.id).where(named, real).order_by(Power.id)))


def field_codes(text: str, entity_type: str | None = None) -> dict[str, list[str]]:
    """The field codes ``text`` (a label such as 事项名称, or a code such as name) may mean, each with the kinds
    of entity (power, handover, …) it is a field of; only ``entity_type``'s fields when one is given."""
    text = text.strip()
    found: dict[str, list[str]] = {}
    for kind, labels in FIELD_LABELS.items():
        if entity_type and kind != entity_type:
            continue
        for code, label in labels.items():
            if text in (code, label):
                found.setdefault(code, []).append(kind)
    return found
