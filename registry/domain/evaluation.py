"""The flags of an item's evaluation (评估), computed from its figures, never typed: no case for the last twelve
months while in operation, never evaluated, an on-time share that dropped from the previous period."""

from __future__ import annotations

from registry.domain.choices import LabelledChoice

# A drop of more than this many per mille (10 percentage points) from the previous period's on-time share.
DROP_THRESHOLD_PERMILLE = 100
IDLE_WINDOW_MONTHS = 12


class Flag(LabelledChoice):
    NO_CASES = ("no_cases", "连续12个月无办件")
    NEVER_EVALUATED = ("never_evaluated", "从未评估")
    ON_TIME_DROPPED = ("on_time_dropped", "按时办结率下降")


def share_permille(on_time: int | None, completed: int) -> int | None:
    """On time of the completed cases that reported it, in per mille, rounded half up; None when none did."""
    if on_time is None or completed <= 0:
        return None
    return (2000 * on_time + completed) // (2 * completed)


def month_shift(month: str, months: int) -> str:
    """``month`` (YYYY-MM) moved by ``months`` (negative: back)."""
    n = int(month[:4]) * 12 + int(month[5:]) - 1 + months
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def flags(*, in_operation: bool, last_busy_month: str | None, as_of_month: str, evaluated: bool,
          share: int | None, previous_share: int | None) -> list[Flag]:
    """The flags of one item. ``as_of_month`` is the last month counted: an item in operation with no case accepted
    in the twelve months up to it is idle; ``share``/``previous_share`` in per mille (None: not reported)."""
    found = []
    if in_operation and (last_busy_month is None
                         or last_busy_month <= month_shift(as_of_month, -IDLE_WINDOW_MONTHS)):
        found.append(Flag.NO_CASES)
    if in_operation and not evaluated:
        found.append(Flag.NEVER_EVALUATED)
    if share is not None and previous_share is not None and previous_share - share > DROP_THRESHOLD_PERMILLE:
        found.append(Flag.ON_TIME_DROPPED)
    return found
