"""Moments in UTC, whatever the database hands back, and in Beijing time as people read them."""

from __future__ import annotations

from datetime import UTC, datetime

from registry.domain.workdays import CHINA


def as_utc(value: datetime) -> datetime:
    """The same moment in UTC; a naive value (SQLite hands these back) is UTC by construction."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def in_beijing(value: datetime | str) -> datetime:
    """The moment as Beijing wall-clock time, naive: what a spreadsheet cell holds under a header naming the zone."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return as_utc(moment).astimezone(CHINA).replace(tzinfo=None)


def beijing_text(value: datetime | str | None) -> str:
    """The moment in Beijing time to the second, as auditors read it: ``2026-12-02 19:35:14``."""
    return in_beijing(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""
