"""Who handles a power on a given date: the zone office from the effective date until a recall, else the city.

The answer comes from the append-only event log, so a past date is answered as it stood then: each
hand-over opens a period at its effective date with the office it named; a recall closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from registry.domain.handover import Status
from registry.models import Department, Handover, HandoverEvent, Power
from registry.services import handovers
from registry.services.powers import get_power


@dataclass(frozen=True)
class Period:
    """The zone office handles the devolved part from ``start`` (inclusive) until ``end`` (exclusive)."""

    start: date
    end: date | None
    office: Department

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Part:
    """One part of a power (the whole of it, or the devolved or retained part) and its office on the date."""

    part: str  # whole | devolved | retained
    description: str | None
    office: Department
    by_zone: bool
    since: date | None


@dataclass(frozen=True)
class Handler:
    power: Power
    on: date
    status: Status
    parts: list[Part]
    next_change: date | None
    next_office: Department | None


Event = tuple[Status | None, date | None, Department | None]  # to_status, effective_on, office


def _periods(events: list[Event]) -> list[Period]:
    """The periods in which the zone handled (or will handle) a power, from its hand-over and recall events in
    order, oldest first."""
    out: list[Period] = []
    for to_status, effective_on, office in events:
        if to_status == Status.HANDED_OVER and effective_on and office:
            out.append(Period(effective_on, None, office))
        elif to_status == Status.RECALLED and out and out[-1].end is None:
            out[-1] = Period(out[-1].start, effective_on, out[-1].office)
    # A handover recalled on or before its effective date never reached the zone.
    return [p for p in out if p.end is None or p.end > p.start]


def _facts(session: Session, power_ids: list[int]) -> dict[int, tuple[Status, list[Event]]]:
    """Each power's handover status and its hand-over and recall events with their offices: one statement."""
    stmt = (select(Handover.power_id, Handover.status, HandoverEvent.to_status, HandoverEvent.effective_on, Department)
            .outerjoin(HandoverEvent, and_(HandoverEvent.power_id == Handover.power_id,
                                           HandoverEvent.to_status.in_([Status.HANDED_OVER, Status.RECALLED])))
            .outerjoin(Department, Department.id == HandoverEvent.office_id)
            .where(Handover.power_id.in_(power_ids)).order_by(Handover.power_id, HandoverEvent.id))
    out: dict[int, tuple[Status, list[Event]]] = {}
    for power_id, status, to_status, effective_on, office in session.execute(stmt):
        events = out.setdefault(power_id, (status, []))[1]
        if to_status is not None:
            events.append((to_status, effective_on, office))
    return out


def _office_on(power: Power, spans: list[Period], day: date) -> tuple[Department, Period | None]:
    current = next((p for p in spans if p.covers(day)), None)
    return (current.office if current else power.department), current


def _answer(power: Power, status: Status, spans: list[Period], on: date) -> Handler:
    office, current = _office_on(power, spans, on)
    if current is not None:
        since = current.start
    else:
        ended = [p.end for p in spans if p.end is not None and p.end <= on]
        since = max(ended) if ended else None
    parts = [Part("devolved" if power.partial else "whole", power.devolved_part, office, current is not None, since)]
    if power.partial:
        parts.append(Part("retained", power.retained_part, power.department, False, None))
    # The next day on which the answer changes: a later period starts, or the current one ends.
    changes = sorted(d for p in spans for d in (p.start, p.end) if d is not None and d > on)
    upcoming = next((d for d in changes if _office_on(power, spans, d)[0].id != office.id), None)
    return Handler(power, on, status, parts, upcoming, _office_on(power, spans, upcoming)[0] if upcoming else None)


def handlers(session: Session, powers: list[Power], on: date,
             facts: dict[int, tuple[Status, list[Event]]] | None = None) -> dict[int, Handler]:
    """Who handles each of many powers (a page of results) on ``on``, by power id; a power without a handover
    (synthetic scale data) has no answer. One statement, unless ``facts`` (the status and events _facts() reads)
    came with the page already."""
    if facts is None:
        facts = _facts(session, [p.id for p in powers]) if powers else {}
    return {p.id: _answer(p, facts[p.id][0], _periods(facts[p.id][1]), on) for p in powers if p.id in facts}


def who_handles(session: Session, power_id: int, on: date) -> Handler:
    """Who handles one power on ``on``: the answer its citizen page, the API and the search results share."""
    found = handlers(session, [get_power(session, power_id)], on)
    if power_id not in found:
        handovers.get_handover(session, power_id)  # raises: the power has no handover
    return found[power_id]
