"""Supervision after the handover (事中事后监管): where a rectification (整改) stands, as a small rule.

Pure: the service gives the deadline (counted in working days on the calendar, registry.domain.workdays), the
closing date if any, and today; the rule answers. A rectification is overdue from the day after its deadline.
"""

from __future__ import annotations

from datetime import date

from registry.domain.choices import RectificationState

# The states in which a rectification is still to be done.
OPEN = frozenset({RectificationState.OPEN, RectificationState.OVERDUE})


def state(due_on: date, closed_on: date | None, today: date) -> RectificationState:
    """Open until its deadline, overdue on the day after it; closed on or before the deadline, else closed late."""
    if closed_on is None:
        return RectificationState.OVERDUE if due_on < today else RectificationState.OPEN
    return RectificationState.CLOSED_LATE if closed_on > due_on else RectificationState.CLOSED


def is_overdue(due_on: date, closed_on: date | None, today: date) -> bool:
    """Still open on the day after its deadline."""
    return state(due_on, closed_on, today) == RectificationState.OVERDUE


def days_late(due_on: date, closed_on: date | None, today: date) -> int:
    """Calendar days past the deadline: up to the closing date, or up to today while open (0 when not late)."""
    return max(0, ((closed_on or today) - due_on).days)
