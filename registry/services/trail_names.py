"""What the ids an audit trail mentions stand for: the names the auditor's pages and exports show beside them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.trail_words import Names
from registry.models import Decision, Department, HandoverMethod, Power, User

# Entity types whose "power" field is a power's id, named beside it.
NAMES_POWER = frozenset({"handover", "supervision", "rectification", "evaluation"})


def _power_ids(entries: Iterable[dict[str, Any]]) -> set[int]:
    return {value for e in entries if e["entity_type"] in NAMES_POWER for d in e["diff"] if d["field"] == "power"
            for value in (d["before"], d["after"]) if isinstance(value, int)}


def names_for(session: Session, entries: Iterable[dict[str, Any]]) -> Names:
    """The names of every department, method, account and decision, and of the powers ``entries`` (as
    AuditEntryOut dumps them) name by id."""
    ids = _power_ids(entries)
    return Names(
        departments=dict(session.execute(select(Department.id, Department.name)).all()),
        methods=dict(session.execute(select(HandoverMethod.id, HandoverMethod.name)).all()),
        users=dict(session.execute(select(User.id, User.name)).all()),
        decisions=dict(session.execute(select(Decision.id, Decision.doc_number)).all()),
        powers={i: f"第{seq}项 {name}" for i, seq, name in session.execute(
            select(Power.id, Power.seq, Power.name).where(Power.id.in_(ids))).all()} if ids else {},
    )
