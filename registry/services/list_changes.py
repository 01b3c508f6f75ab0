"""What changed in the zone's list between two dates, by the decisions taking effect in between: items added
(held on the later date, not on the earlier), removed (the reverse) and changed (held on both, with a step in
between: fields adjusted, or suspended and resumed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.standing import Answer, Step, stand
from registry.models import DecisionAction, Power
from registry.services import standing
from registry.services.errors import Code, Message, ValidationFailed


@dataclass
class Change:
    """One item's change: where it stood on each date, and the steps that took effect in between."""

    power: Power
    before: Answer
    after: Answer
    steps: list[Step]


@dataclass
class ListChanges:
    start: date
    end: date
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)


def default_span(today: date) -> tuple[date, date]:
    """The dates asked when none are given: a year either side of today (recent changes and those announced)."""
    return today - timedelta(days=365), today + timedelta(days=365)


def between(session: Session, start: date, end: date) -> ListChanges:
    """The changes of steps effective after ``start`` up to and including ``end``, in annex order."""
    if end < start:
        raise ValidationFailed(Message(Code.CHANGES_DATES_REVERSED, "the end date comes before the start date"),
                               {"to": [Message(Code.CHANGES_DATE_BEFORE_START, "must not be before {start}",
                                               start=start.isoformat())]})
    out = ListChanges(start, end)
    ids = list(session.scalars(select(DecisionAction.power_id).distinct().where(
        DecisionAction.effective_on > start, DecisionAction.effective_on <= end)))
    if not ids:
        return out
    lineage = standing.steps(session, ids)
    items = session.scalars(select(Power).where(Power.id.in_(ids)).order_by(Power.decision_id, Power.seq)).unique()
    for power in items:
        steps = lineage[power.id]
        before, after = stand(steps, start), stand(steps, end)
        change = Change(power, before, after, [s for s in steps if start < s.effective_on <= end])
        if after.held and not before.held:
            out.added.append(change)
        elif before.held and not after.held:
            out.removed.append(change)
        else:
            out.changed.append(change)
    return out
