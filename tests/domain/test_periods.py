"""The evaluation's periods (registry.domain.periods): a year, a half or a quarter, its dates, its title, the period
before it, and the name a span of dates has."""

from __future__ import annotations

from datetime import date

import pytest

from registry.domain import periods


@pytest.mark.parametrize(("text", "label", "start", "end", "title", "previous"), [
    ("2026", "2026", date(2026, 1, 1), date(2026, 12, 31), "2026年度", "2025"),
    (" 2026-h1 ", "2026-H1", date(2026, 1, 1), date(2026, 6, 30), "2026年上半年", "2025-H2"),
    ("2026-H2", "2026-H2", date(2026, 7, 1), date(2026, 12, 31), "2026年下半年", "2026-H1"),
    ("2026-Q1", "2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度", "2025-Q4"),
    ("2024-q1", "2024-Q1", date(2024, 1, 1), date(2024, 3, 31), "2024年第一季度", "2023-Q4"),
    ("2026-Q3", "2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "2026年第三季度", "2026-Q2"),
    ("2026-Q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "2026年第四季度", "2026-Q3"),
])
def test_a_period_and_the_one_before(text: str, label: str, start: date, end: date, title: str,
                                     previous: str) -> None:
    period = periods.parse(text)
    assert (period.label, period.start, period.end, period.title) == (label, start, end, title)
    before = period.previous()
    assert before == periods.parse(previous)
    assert (before.end - period.start).days == -1  # just before, no gap
    assert periods.of_dates(period.start, period.end) == period


@pytest.mark.parametrize("text", ["", "2026年", "26", "2026-H3", "2026-Q0", "2026-Q5", "2026-M1", "2026H1",
                                  "3026", "2026-1"])
def test_anything_else_is_not_a_period(text: str) -> None:
    assert periods.parse(text) is None


@pytest.mark.parametrize(("start", "end"), [(date(2026, 1, 1), date(2026, 2, 28)),
                                            (date(2026, 2, 1), date(2026, 4, 30)),
                                            (date(2026, 1, 2), date(2026, 12, 31))])
def test_a_span_of_no_named_kind_has_no_name(start: date, end: date) -> None:
    assert periods.of_dates(start, end) is None
