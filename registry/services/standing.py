"""The lineage's answer to "does the zone hold this item on date D", in SQL: registry.domain.standing's rule.

An item is out of the zone's list on D when its last step in effect by D (调整 aside; on one date, the last one
applied) is not one that holds it, or when all its steps take effect after D. Read from the lineage alone, so the
set is as small as the lineage and is computed once per statement, whatever the number of items.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Date, Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from registry.domain.standing import HOLDING, MOVING, Step
from registry.models import Decision, DecisionAction

ON = "on"  # the name the date is bound by


def not_held(on_name: str = ON) -> Select:
    """The ids of items the zone does not hold on the date bound as ``on_name``."""
    on = bindparam(on_name, type_=Date())
    started = case((DecisionAction.effective_on <= on, 1), else_=0)
    ranked = (select(DecisionAction.power_id, DecisionAction.action, started.label("started"),
                     func.row_number().over(partition_by=DecisionAction.power_id,
                                            order_by=(started.desc(), DecisionAction.effective_on.desc(),
                                                      DecisionAction.id.desc())).label("n"))
              .where(DecisionAction.action.in_(MOVING)).subquery("ranked"))
    return select(ranked.c.power_id).where(ranked.c.n == 1, (ranked.c.started == 0)
                                           | ranked.c.action.not_in(HOLDING))


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

