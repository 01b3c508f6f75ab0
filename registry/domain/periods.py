"""The periods an evaluation covers: a calendar year by default ("2026"), or a half ("2026-H1") or a quarter
("2026-Q3"); each with its Chinese title and the period before it (the same length, just before)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

PATTERN = re.compile(r"([12][0-9]{3})(?:-([HQ])([1-4]))?")
LENGTH = {None: 12, "H": 6, "Q": 3}  # months
NUMERALS = "一二三四"


def _month_start(index: int) -> date:
    """The first day of month ``index`` (months since year 0, January of year 0 being 0)."""
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A span of whole months named as a year, a half or a quarter (``label``, as typed: "2026", "2026-H1")."""

    label: str
    start: date
    end: date

    @property
    def months(self) -> tuple[str, str]:
        """Its first and last month, YYYY-MM."""
        return f"{self.start:%Y-%m}", f"{self.end:%Y-%m}"

    @property
    def title(self) -> str:
        """Its name in Chinese: 2026年度, 2026年上半年, 2026年第三季度."""
        year, kind, number = PATTERN.fullmatch(self.label).groups()
        if kind is None:
            return f"{year}年度"
        if kind == "H":
            return f"{year}年{'上' if number == '1' else '下'}半年"
        return f"{year}年第{NUMERALS[int(number) - 1]}季度"

    def previous(self) -> Period:
        """The period of the same kind just before this one (2026 → 2025, 2026-H1 → 2025-H2, 2026-Q1 → 2025-Q4)."""
        _, kind, _ = PATTERN.fullmatch(self.label).groups()
        length = LENGTH[kind]
        first = self.start.year * 12 + self.start.month - 1 - length
        return _of(first, kind)


def _of(first_month: int, kind: str | None) -> Period:
    length = LENGTH[kind]
    start = _month_start(first_month)
    end = _month_start(first_month + length) - timedelta(days=1)
    number = (start.month - 1) // length + 1
    return Period(str(start.year) if kind is None else f"{start.year}-{kind}{number}", start, end)


def parse(text: str) -> Period | None:
    """The period ``text`` names ("2026", "2026-H1", "2026-Q3"; H and Q in either case), or None."""
    found = PATTERN.fullmatch(text.strip().upper())
    if not found:
        return None
    year, kind, number = found.groups()
    if kind is not None and int(number) > 12 // LENGTH[kind]:
        return None
    length = LENGTH[kind]
    return _of(int(year) * 12 + (int(number or 1) - 1) * length, kind)


def of_dates(start: date, end: date) -> Period | None:
    """The year, half or quarter that runs from ``start`` to ``end``; None when the span is none of them."""
    for kind, length in LENGTH.items():
        if start.day == 1 and (start.month - 1) % length == 0:
            period = _of(start.year * 12 + start.month - 1, kind)
            if period.end == end:
                return period
    return None
