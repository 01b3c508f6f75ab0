"""Who handles a power on a given date: the zone office from the effective date until a recall, else the city.

The answer comes from the append-only event log, so a past date is answered as it stood then: each
hand-over opens a period at its effective date with the office it named; a recall closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.handover import Status
from registry.models import Department, HandoverEvent, Power
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


def periods(session: Session, power_id: int) -> list[Period]:
    """The periods in which the zone handled (or will handle) the power, oldest first."""
    out: list[Period] = []
    events = session.scalars(
        select(HandoverEvent).where(HandoverEvent.power_id == power_id,
                                    HandoverEvent.to_status.in_([Status.HANDED_OVER, Status.RECALLED]))
        .order_by(HandoverEvent.id))
    for event in events:
        if event.to_status == Status.HANDED_OVER and event.effective_on and event.office:
            out.append(Period(event.effective_on, None, event.office))
        elif event.to_status == Status.RECALLED and out and out[-1].end is None:
            out[-1] = Period(out[-1].start, event.effective_on, out[-1].office)
    # A handover recalled on or before its effective date never reached the zone.
    return [p for p in out if p.end is None or p.end > p.start]


def _office_on(power: Power, spans: list[Period], day: date) -> tuple[Department, Period | None]:
    current = next((p for p in spans if p.covers(day)), None)
    return (current.office if current else power.department), current


def who_handles(session: Session, power_id: int, on: date) -> Handler:
    power = get_power(session, power_id)
    handover = handovers.get_handover(session, power_id)
    spans = periods(session, power_id)
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
    return Handler(power, on, handover.status, parts, upcoming,
                   _office_on(power, spans, upcoming)[0] if upcoming else None)
