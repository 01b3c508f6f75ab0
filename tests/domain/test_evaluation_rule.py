"""The evaluation flags (registry.domain.evaluation), as a table of cases."""

from __future__ import annotations

import pytest

from registry.domain.evaluation import Flag, flags, month_shift, share_permille

BASE = {"in_operation": True, "last_busy_month": "2026-10", "as_of_month": "2026-11", "evaluated": True,
        "share": 900, "previous_share": 900}


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, []),
    ({"last_busy_month": None}, [Flag.NO_CASES]),  # never a case
    ({"last_busy_month": "2025-12"}, []),  # within the twelve months up to 2026-11
    ({"last_busy_month": "2025-11"}, [Flag.NO_CASES]),  # twelve months without one
    ({"last_busy_month": None, "in_operation": False}, []),  # not in operation: not idle
    ({"evaluated": False}, [Flag.NEVER_EVALUATED]),
    ({"evaluated": False, "in_operation": False}, []),
    ({"share": 800}, []),  # exactly 10 points: not more than the threshold
    ({"share": 799}, [Flag.ON_TIME_DROPPED]),
    ({"share": 1000, "previous_share": 500}, []),  # a rise
    ({"share": None}, []),  # not reported
    ({"previous_share": None}, []),
    ({"last_busy_month": None, "evaluated": False, "share": 0},
     [Flag.NO_CASES, Flag.NEVER_EVALUATED, Flag.ON_TIME_DROPPED]),
])
def test_flags(changes: dict, expected: list[Flag]) -> None:
    assert flags(**{**BASE, **changes}) == expected


@pytest.mark.parametrize(("on_time", "completed", "expected"), [
    (None, 10, None), (0, 0, None), (9, 10, 900), (2, 3, 667), (1, 3, 333), (1, 8, 125), (0, 5, 0), (5, 5, 1000),
])
def test_share_permille(on_time: int | None, completed: int, expected: int | None) -> None:
    assert share_permille(on_time, completed) == expected


@pytest.mark.parametrize(("month", "by", "expected"), [
    ("2026-11", -12, "2025-11"), ("2026-01", -1, "2025-12"), ("2026-12", 1, "2027-01"), ("2026-05", 0, "2026-05"),
])
def test_month_shift(month: str, by: int, expected: str) -> None:
    assert month_shift(month, by) == expected
