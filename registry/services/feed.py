"""The public change feed: handover events in the order they happened, from a cursor or a moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import HandoverEvent


@dataclass
class FeedQuery:
    after: int | None = None  # the id of the last event already seen
    since: datetime | None = None
    power: int | None = None
    limit: int = 100


def events(session: Session, q: FeedQuery) -> list[HandoverEvent]:
    """Events oldest first, so a follower can resume from the last id it saw; retired powers included."""
    stmt = select(HandoverEvent).join(HandoverEvent.power)
    if q.after is not None:
        stmt = stmt.where(HandoverEvent.id > q.after)
    if q.since is not None:
        stmt = stmt.where(HandoverEvent.at >= q.since)
    if q.power is not None:
        stmt = stmt.where(HandoverEvent.power_id == q.power)
    return list(session.scalars(stmt.order_by(HandoverEvent.id).limit(q.limit)).unique())


def latest(session: Session, limit: int) -> list[HandoverEvent]:
    """The newest events, newest first, for the Atom feed."""
    stmt = select(HandoverEvent).join(HandoverEvent.power).order_by(HandoverEvent.id.desc()).limit(limit)
    return list(session.scalars(stmt).unique())


