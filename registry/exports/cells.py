"""The one rule for what a spreadsheet cell may hold: text Excel would read as a formula is neutralised.

OWASP's CSV-injection rule: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading single quote, so Excel, LibreOffice and Numbers show it as text instead of running it.
Numbers and dates are written typed and left alone: ``-2`` stored as the number -2 is a number, not a
formula, while the text ``-2+3`` is neutralised. Every CSV and sheet the registry writes goes through
``cell``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

Cell = str | int | float | date | datetime


def text(value: str) -> str:
    """``value`` as a text cell no spreadsheet evaluates."""
    return QUOTE + value if value.startswith(FORMULA_STARTS) else value


def cell(value: Any) -> Cell:
    """A value as a safe cell: numbers, dates and moments typed as they are, everything else as neutral text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return text(str(value).lower())
    if isinstance(value, int | float | date):  # datetime is a date
        return value
    return text(str(value))


def row(values: Any) -> list[Cell]:
    return [cell(v) for v in values]
