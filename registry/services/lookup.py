"""The citizen lookup: a search with who handles each result today and, when nothing is found, what to try
instead; and everything one power's public page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from registry.domain.handover import Status
from registry.models import Handover, HandoverEvent, Power, ServiceGuide
from registry.services import feed, guides, handovers, powers, suggest, who_handles
from registry.services.powers import PowerFilter, PowerPage
from registry.services.suggest import Suggestion
from registry.services.who_handles import Handler

HISTORY_LIMIT = 500


@dataclass
class Lookup:
    page: PowerPage
    statuses: dict[int, Status]  # the page's handover statuses
    handlers: dict[int, Handler] = field(default_factory=dict)  # who handles each result today (citizen page)
    handovers: dict[int, Handover] = field(default_factory=dict)  # the page's handovers whole, when asked for
    suggestions: list[Suggestion] = field(default_factory=list)
    unfiltered_total: int | None = None  # with filters and no result: how many the query alone finds


def _filtered(f: PowerFilter) -> bool:
    return bool(f.type or f.level or f.department or f.status or f.partial is not None)


def search(session: Session, f: PowerFilter, on: date, whole_handovers: bool = False) -> Lookup:
    """One page of results with who handles each on ``on`` (from the page's own statement), or whole handovers
    for the console; an empty one comes with the count without filters and shorter queries that find."""
    page = powers.list_powers(session, f, citizen=not whole_handovers)
    ids = [p.id for p in page.items]
    if whole_handovers:
        found = handovers.for_powers(session, ids)
        out = Lookup(page, {i: h.status for i, h in found.items()}, handovers=found)
    else:
        handling = who_handles.handlers(session, page.items, f.on or on, page.handling)
        out = Lookup(page, {i: h.status for i, h in handling.items()}, handlers=handling)
    if page.total == 0 and f.q:
        if _filtered(f):
            out.unfiltered_total = page.unfaceted_total
        if not out.unfiltered_total:
            out.suggestions = suggest.shorter_queries(session, f.q)
    return out


@dataclass
class PowerView:
    power: Power
    handover: Handover | None  # synthetic scale data has none
    handler: Handler | None
    events: list[HandoverEvent]
    guide: ServiceGuide | None = None


def power_view(session: Session, power_id: int, on: date) -> PowerView:
    """A power, its handover, who handles it on ``on``, its handover events oldest first, and its service guide."""
    power = powers.get_power(session, power_id)
    handover = handovers.for_powers(session, [power_id]).get(power_id)
    guide = guides.find_guide(session, power_id)
    if handover is None:
        return PowerView(power, None, None, [], guide)
    return PowerView(power, handover, who_handles.who_handles(session, power_id, on),
                     feed.events(session, feed.FeedQuery(power=power_id, limit=HISTORY_LIMIT)), guide)
