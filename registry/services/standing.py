"""The lineage's answer to "does the zone hold this item on date D", in SQL: registry.domain.standing's rule.

An item is out of the zone's list on D when its last step in effect by D (调整 aside; on one date, the last one
applied) is not one that holds it, or when all its steps take effect after D. Read from the lineage alone (the
steps that take an item out, and one grouping of the lineage), so the set is as small as the lineage and is
computed once per statement, whatever the number of items.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import CompoundSelect, Date, and_, bindparam, func, literal_column, or_, select, union
from sqlalchemy.orm import Session, aliased

from registry.domain.standing import HOLDING, MOVING, Step
from registry.models import Decision, DecisionAction

ON = "on"  # the name the date is bound by


def _codes(kinds: frozenset) -> list:
    """Kinds as SQL constants, written into the statement (no parameters to expand on each execution)."""
    return [literal_column(f"'{kind.value}'") for kind in sorted(kinds, key=lambda k: k.value)]


def not_held(on_name: str = ON) -> CompoundSelect:
    """The ids of items the zone does not hold on the date bound as ``on_name``: those whose last step by then
    took them out (a 收回, 取消 or 暂停 with no holding step after it: later, or later the same day), and those
    whose every step is still to come."""
    on = bindparam(on_name, type_=Date())
    out, back = DecisionAction, aliased(DecisionAction)
    later = select(back.id).where(
        back.power_id == out.power_id, back.action.in_(_codes(HOLDING)), back.effective_on <= on,
        or_(back.effective_on > out.effective_on, and_(back.effective_on == out.effective_on, back.id > out.id)))
    taken_out = select(out.power_id).where(out.action.in_(_codes(MOVING - HOLDING)), out.effective_on <= on,
                                           ~later.exists())
    pending = (select(DecisionAction.power_id).where(DecisionAction.action.in_(_codes(MOVING)))
               .group_by(DecisionAction.power_id).having(func.min(DecisionAction.effective_on) > on))
    return union(taken_out, pending)


def steps(session: Session, power_ids: Iterable[int]) -> dict[int, list[Step]]:
    """Each item's lineage steps, in the order applied (items without lineage are absent)."""
    ids = list(power_ids)
    out: dict[int, list[Step]] = {}
    if not ids:
        return out
    rows = session.execute(select(DecisionAction.power_id, DecisionAction.action, DecisionAction.effective_on,
                                  Decision.doc_number, DecisionAction.changes)
                           .join(Decision, Decision.id == DecisionAction.decision_id)
                           .where(DecisionAction.power_id.in_(ids)).order_by(DecisionAction.id))
    for power_id, action, effective_on, doc_number, changes in rows:
        out.setdefault(power_id, []).append(Step(action, effective_on, doc_number, changes))
    return out

