"""Security events (failed logins, forbidden attempts, refused tokens) and the login throttle built on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from registry.domain import throttle
from registry.domain.moments import as_utc
from registry.models import SecurityEvent
from registry.models.base import utcnow

KINDS = ("login_failed", "login_throttled", "login", "logout", "forbidden", "token_invalid", "token_throttled",
         "token_expired", "token_revoked", "user_disabled", "csrf_failed")


@dataclass(frozen=True)
class Event:
    """What happened, to whom and from where; written outside the refused request's transaction."""

    kind: str
    detail: str
    method: str
    path: str
    request_id: str
    address: str | None = None
    account: str | None = None
    user_id: int | None = None


def record(session: Session, event: Event) -> SecurityEvent:
    row = SecurityEvent(at=utcnow(), kind=event.kind, user_id=event.user_id, account=(event.account or None) and
                        event.account[:100], address=event.address, method=event.method[:10],
                        path=event.path[:300], request_id=event.request_id[:128], detail=event.detail[:300])
    session.add(row)
    return row


def login_retry_after(session: Session, rule: throttle.Rule, account: str, address: str | None,
                      now: datetime) -> int | None:
    """Seconds the pair (account, address) must wait before its next sign-in is checked, or None.

    Reads only the security events, never the users, so an unknown account is answered as a known one is.
    """
    from_address = _from(address)
    forgotten = now - rule.pair_memory
    last_login = (select(func.max(SecurityEvent.at))
                  .where(SecurityEvent.kind == "login", SecurityEvent.account == account, from_address)
                  .scalar_subquery())
    pair = session.scalars(
        select(SecurityEvent.at).where(SecurityEvent.kind == "login_failed", SecurityEvent.account == account,
                                       from_address, SecurityEvent.at > func.coalesce(last_login, forgotten),
                                       SecurityEvent.at > forgotten)
    ).all()
    return throttle.retry_after(rule, [as_utc(t) for t in pair], _recent(session, rule, "login_failed", address, now),
                                now)


def token_retry_after(session: Session, rule: throttle.Rule, address: str | None, now: datetime) -> int | None:
    """Seconds an address that keeps presenting unknown tokens is told to wait before it tries again, or None."""
    if rule.per_address <= 0:
        return None
    return throttle.retry_after(rule, [], _recent(session, rule, "token_invalid", address, now), now)


def _from(address: str | None) -> ColumnElement[bool]:
    return SecurityEvent.address == address if address is not None else SecurityEvent.address.is_(None)


def _recent(session: Session, rule: throttle.Rule, kind: str, address: str | None, now: datetime) -> list[datetime]:
    """The address's latest events of ``kind`` within the window, as many as its limit needs."""
    return [as_utc(t) for t in session.scalars(
        select(SecurityEvent.at).where(SecurityEvent.kind == kind, _from(address), SecurityEvent.at > now - rule.window)
        .order_by(SecurityEvent.at.desc()).limit(rule.per_address))]


@dataclass
class EventFilter:
    kind: str | None = None
    account: str | None = None
    address: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    per_page: int = 50


@dataclass
class EventPage:
    items: list[SecurityEvent]
    total: int
    page: int
    per_page: int


def list_events(session: Session, f: EventFilter) -> EventPage:
    """Security events, newest first."""
    where = []
    if f.kind:
        where.append(SecurityEvent.kind == f.kind)
    if f.account:
        where.append(SecurityEvent.account == f.account)
    if f.address:
        where.append(SecurityEvent.address == f.address)
    if f.since:
        where.append(SecurityEvent.at >= f.since)
    if f.until:
        where.append(SecurityEvent.at < f.until)
    total = session.scalar(select(func.count(SecurityEvent.id)).where(*where)) or 0
    items = session.scalars(select(SecurityEvent).where(*where).order_by(SecurityEvent.id.desc())
                            .limit(f.per_page).offset((f.page - 1) * f.per_page))
    return EventPage(list(items), total, f.page, f.per_page)
