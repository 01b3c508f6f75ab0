"""The public change feed of handovers, as JSON with a resume cursor and as Atom."""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Response, url_for

from registry import db
from registry.api.blueprint import Blueprint
from registry.domain.moments import as_utc
from registry.http.access import public
from registry.http.caching import conditional
from registry.models import HandoverEvent
from registry.schemas.handovers import FeedQuery, HandoverEventOut
from registry.services import feed
from registry.services.feed import FeedQuery as FeedFilter

blp = Blueprint("feed", __name__, url_prefix="/api/v1", description="Handover change feed")
ATOM_ENTRIES = 100
FEED_AUTHOR = "重庆经开区管委会"
EMPTY_FEED_UPDATED = datetime(2021, 4, 30, tzinfo=UTC)  # Atom requires a date; the decision's will do
KINDS = {"create": "建立交接记录", "update": "交接信息更新", "confirmation": "交接确认", "checklist": "交接清单"}


@blp.get("/events")
@public
@conditional
@blp.arguments(FeedQuery, location="query", as_kwargs=False)
@blp.response(200, HandoverEventOut(many=True))
def list_events(query: FeedFilter):
    """Handover events oldest first; pass the last id you saw as ``after`` to get only what is new."""
    return feed.events(db.session(), query)


def _title(event: HandoverEvent) -> str:
    what = (f"{event.from_status.label} → {event.to_status.label}" if event.kind == "transition"
            else KINDS.get(event.kind, event.kind))
    return f"第{event.power.seq}项 {event.power.name}: {what}"


@blp.get("/events.atom")
@public
@conditional
@blp.response(200, {"type": "string"}, content_type="application/atom+xml")
def events_atom():
    """The newest handover events as an Atom feed, for feed readers and other systems."""
    self_url = url_for("feed.events_atom", _external=True)
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title("重庆经开区下放权力事项交接动态")
    fg.link(href=self_url, rel="self")
    fg.language("zh-CN")
    # Atom requires an author; the feed speaks for the zone administration, never for a staff member.
    fg.author(name=FEED_AUTHOR)
    events = feed.latest(db.session(), ATOM_ENTRIES)
    fg.updated(as_utc(events[0].at) if events else EMPTY_FEED_UPDATED)
    for event in reversed(events):  # feedgen puts the last added entry first
        entry = fg.add_entry()
        entry.id(f"{self_url}#event-{event.id}")
        entry.title(_title(event))
        entry.updated(as_utc(event.at))
        entry.link(href=url_for("public.power", power_id=event.power_id, _external=True))  # the citizen page
        entry.content(_title(event) + (f"(生效日期 {event.effective_on.isoformat()})" if event.effective_on else ""))
    return Response(fg.atom_str(pretty=True), mimetype="application/atom+xml")
