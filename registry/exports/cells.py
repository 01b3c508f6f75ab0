"""The one rule for what a spreadsheet cell may hold: text Excel would read as a formula is neutralised.

OWASP's CSV-injection rule: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading single quote, so Excel, LibreOffice and Numbers show it as text instead of running it.
Numbers and dates are written typed and left alone: ``-2`` stored as the number -2 is a number, not a
formula, while the text ``-2+3`` is neutralised. Every CSV and sheet the registry writes goes through
``cell``.

The rule is undone exactly by ``untext``, which the imports apply to the text they read back, so an exported
sheet edited and imported again gives back the published text: a text that itself begins with a quote before a
formula character (or before another quote) is quoted too, so that the quote it has survives the undoing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
AFTER_QUOTE = (*FORMULA_STARTS, QUOTE)

Cell = str | int | float | date | datetime


def text(value: str) -> str:
    """``value`` as a text cell no spreadsheet evaluates."""
    return QUOTE + value if _quoted(value) else value


def _quoted(value: str) -> bool:
    """Whether ``text`` quotes ``value``: it starts a formula, or is a quote before one (or before a quote)."""
    return value.startswith(FORMULA_STARTS) or (value[:1] == QUOTE and value[1:].startswith(AFTER_QUOTE))


def untext(value: str) -> str:
    """The text ``text`` neutralised, as it was: ``untext(text(v)) == v`` for every text."""
    return value[1:] if value.startswith(QUOTE) and _quoted(value[1:]) else value


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
