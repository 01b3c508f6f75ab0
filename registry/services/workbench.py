"""What the staff handover page shows: the handover, the steps this caller may take, its history, the choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.choices import DepartmentKind
from registry.domain.handover import Side, Status
from registry.domain.roles import Action, Caller, refusal
from registry.models import AuditEntry, Department, Handover, HandoverEvent, HandoverMethod
from registry.services import audit, handovers, methods, reference
from registry.services.handovers import Step


@dataclass
class Desk:
    handover: Handover
    steps: list[Step]  # the workflow's next steps that this caller may take
    events: list[HandoverEvent]
    offices: list[Department]  # zone offices that can receive the power
    methods: list[HandoverMethod]
    may_edit: bool
    may_check: bool
    sides: list[Side]  # the confirmations this caller may give
    # What each change of the terms changed (its audit entry's diff), by audit seq; and the names its ids stand for.
    term_changes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    office_names: dict[int, str] = field(default_factory=dict)
    method_names: dict[int, str] = field(default_factory=dict)


def _may(caller: Caller, action: Action, department_id: int) -> bool:
    return refusal(caller, action, department_id) is None


def _term_changes(session: Session, events: list[HandoverEvent]) -> dict[int, list[dict[str, Any]]]:
    seqs = [e.audit_seq for e in events if e.kind == "update"]
    if not seqs:
        return {}
    entries = session.scalars(select(AuditEntry).where(AuditEntry.seq.in_(seqs)))
    return {entry.seq: audit.diff(entry) for entry in entries}


def desk(session: Session, caller: Caller, power_id: int) -> Desk:
    handover = handovers.get_handover(session, power_id)
    department_id = handover.power.department_id
    steps = [s for s in handovers.next_steps(handover)
             if _may(caller, Action.HANDOVER_RECALL if s.to == Status.RECALLED else Action.HANDOVER_MOVE,
                     department_id)]
    sides = [side
             for side, action in ((Side.HANDOVER, Action.HANDOVER_CONFIRM), (Side.ACCEPTANCE, Action.HANDOVER_ACCEPT))
             if _may(caller, action, department_id)]
    events = handovers.history(session, power_id)
    return Desk(
        handover=handover, steps=steps, events=events,
        offices=reference.list_departments(session, DepartmentKind.ZONE), methods=methods.list_methods(session),
        may_edit=_may(caller, Action.HANDOVER_EDIT, department_id),
        may_check=_may(caller, Action.HANDOVER_CHECK, department_id), sides=sides,
        term_changes=_term_changes(session, events),
        office_names=dict(session.execute(select(Department.id, Department.name)).all()),
        method_names=dict(session.execute(select(HandoverMethod.id, HandoverMethod.name)).all()),
    )
