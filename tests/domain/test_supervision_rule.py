"""Where a rectification (整改) stands: open to its deadline, overdue from the day after, closed or closed late."""

from __future__ import annotations

from datetime import date

import pytest

from registry.domain.supervision import days_late, is_overdue, state

DUE = date(2026, 10, 14)


@pytest.mark.parametrize(("closed_on", "today", "expected", "overdue", "late"), [
    (None, date(2026, 10, 13), "open", False, 0),
    (None, DUE, "open", False, 0),  # on its deadline: still in time
    (None, date(2026, 10, 15), "overdue", True, 1),  # the day after
    (None, date(2027, 1, 4), "overdue", True, 82),
    (date(2026, 10, 1), date(2026, 12, 3), "closed", False, 0),
    (DUE, date(2026, 12, 3), "closed", False, 0),
    (date(2026, 10, 15), date(2026, 12, 3), "closed_late", False, 1),
    (date(2026, 11, 13), date(2026, 11, 13), "closed_late", False, 30),
])
def test_rectification_state(closed_on: date | None, today: date, expected: str, overdue: bool, late: int) -> None:
    assert state(DUE, closed_on, today).value == expected
    assert is_overdue(DUE, closed_on, today) is overdue
    assert days_late(DUE, closed_on, today) == late
