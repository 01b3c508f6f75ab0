"""Who handles a power on a given date: the zone office while its handover is in effect and the decisions in force
let the zone hold the item, else the city department.

Both come from append-only logs, so a past or future date is answered as it stands then: each hand-over opens
a period at its effective date with the office it named, a recall closes it; the item's lineage (which decision
devolved, recalled, cancelled or suspended it, from when: registry.domain.standing) bounds those periods, so a
recall effective 2027-01-01 returns the item to the city department from that day, whatever its handover says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, literal, null, select, type_coerce, union_all
from sqlalchemy.orm import Session

from registry.domain import standing as lineage
from registry.domain.choices import DecisionActionKind
from registry.domain.handover import Status
from registry.models import Decision, DecisionAction, Department, Handover, HandoverEvent, Power
from registry.services import handovers
from registry.services.errors import Code, Message, NotFound


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
    standing: lineage.Answer  # where the item stands on ``on`` by the decisions in force


Event = tuple[Status | None, date | None, Department | None]  # to_status, effective_on, office


@dataclass
class Facts:
    """What one power's answer is made of: its handover's status, its hand-over and recall events, its lineage."""

    status: Status
    events: list[Event] = field(default_factory=list)
    steps: list[lineage.Step] = field(default_factory=list)

    def add(self, source: str, code: str | None, effective_on: date | None, office: Department | None,
            doc_number: str | None) -> None:
        """One row of events(): a handover event ("h") or a lineage step ("d")."""
        if source == "h":
            self.events.append((Status(code), effective_on, office))
        elif source == "d" and effective_on is not None:
            self.steps.append(lineage.Step(DecisionActionKind(code), effective_on, doc_number))


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


def events() -> Any:
    """Every power's hand-over and recall events and its lineage steps, as one subquery of (power_id, source,
    code, effective_on, office_id, doc_number, id): read with the page of a list, or for a few powers."""
    handed = select(HandoverEvent.power_id, literal("h").label("source"),
                    type_coerce(HandoverEvent.to_status, String()).label("code"), HandoverEvent.effective_on,
                    HandoverEvent.office_id, type_coerce(null(), String()).label("doc_number"),
                    HandoverEvent.id).where(HandoverEvent.to_status.in_([Status.HANDED_OVER, Status.RECALLED]))
    decided = (select(DecisionAction.power_id, literal("d"), type_coerce(DecisionAction.action, String()),
                      DecisionAction.effective_on, type_coerce(null(), DecisionAction.body_id.type),
                      Decision.doc_number, DecisionAction.id)
               .join(Decision, Decision.id == DecisionAction.decision_id))
    return union_all(handed, decided).subquery("handling")


def _facts(session: Session, power_ids: list[int]) -> dict[int, Facts]:
    """Each power's handover status, events and lineage: one statement."""
    ev = events()
    stmt = (select(Handover.power_id, Handover.status, ev.c.source, ev.c.code, ev.c.effective_on, ev.c.doc_number,
                   Department)
            .outerjoin(ev, ev.c.power_id == Handover.power_id)
            .outerjoin(Department, Department.id == ev.c.office_id)
            .where(Handover.power_id.in_(power_ids)).order_by(Handover.power_id, ev.c.source, ev.c.id))
    out: dict[int, Facts] = {}
    for power_id, status, source, code, effective_on, doc_number, office in session.execute(stmt):
        out.setdefault(power_id, Facts(status)).add(source, code, effective_on, office, doc_number)
    return out


def _office_on(power: Power, spans: list[Period], held: list[tuple[date | None, date | None]],
               day: date) -> tuple[Department, Period | None]:
    current = next((p for p in spans if p.covers(day)), None) if lineage.covers(held, day) else None
    return (current.office if current else power.department), current


def _answer(power: Power, facts: Facts, on: date) -> Handler:
    spans, held = _periods(facts.events), lineage.windows(facts.steps)
    stands = lineage.stand(facts.steps, on)
    office, current = _office_on(power, spans, held, on)
    if current is not None:
        window = next(s for s, e in held if lineage.covers([(s, e)], on))
        since = max(current.start, window) if window else current.start
    elif not stands.held:
        since = stands.since
    else:
        ended = [p.end for p in spans if p.end is not None and p.end <= on]
        since = max(ended) if ended else None
    parts = [Part("devolved" if power.partial else "whole", power.devolved_part, office, current is not None, since)]
    if power.partial:
        parts.append(Part("retained", power.retained_part, power.department, False, None))
    # The next day on which the answer changes: a period or a window starts or ends.
    changes = sorted({d for p in spans for d in (p.start, p.end) if d is not None and d > on}
                     | {d for w in held for d in w if d is not None and d > on})
    upcoming = next((d for d in changes if _office_on(power, spans, held, d)[0].id != office.id), None)
    return Handler(power, on, facts.status, parts, upcoming,
                   _office_on(power, spans, held, upcoming)[0] if upcoming else None, stands)


def handlers(session: Session, powers: list[Power], on: date,
             facts: dict[int, Facts] | None = None) -> dict[int, Handler]:
    """Who handles each of many powers (a page of results) on ``on``, by power id; a power without a handover
    (synthetic scale data) has no answer. One statement, unless ``facts`` (what _facts() reads) came with the
    page already."""
    if facts is None:
        facts = _facts(session, [p.id for p in powers]) if powers else {}
    return {p.id: _answer(p, facts[p.id], on) for p in powers if p.id in facts}


def who_handles(session: Session, power_id: int, on: date) -> Handler:
    """Who handles one power on ``on``: the answer its citizen page, the API and the search results share."""
    power = session.get(Power, power_id)
    if power is None:
        raise NotFound(Message(Code.POWER_NOT_FOUND, "power {power} does not exist", power=power_id))
    found = handlers(session, [power], on)
    if power_id not in found:
        handovers.get_handover(session, power_id)  # raises: the power has no handover
    return found[power_id]
