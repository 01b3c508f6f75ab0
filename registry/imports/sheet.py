"""A service-guide sheet (.xlsx or .csv) as a header and rows of raw cell values, each row named by its number.

Read by the one grid reader (registry.imports.grid: formulas never evaluated, macros refused, size bounded); the
header is row 1, its names without spaces or a bracketed note, and a formula cell is set aside by its row and
column for the import to name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry.domain.messages import Code, Message
from registry.imports import grid
from registry.services.errors import ValidationFailed

LIMITS = grid.DEFAULT
MAX_BYTES = LIMITS.bytes
MAX_ROWS = LIMITS.rows - 1  # data rows, under the header
MAX_COLUMNS = LIMITS.columns
FORMATS = grid.KINDS
HEADER_ROW = 1
format_of = grid.kind_of


@dataclass(frozen=True)
class Row:
    """A data row: its number in the sheet (the header is row 1) and its cells by column name."""

    number: int
    cells: dict[str, Any]


@dataclass
class Sheet:
    """The header's column names in order, the data rows, and the cells that hold formulas ((row, column) → text)."""

    columns: list[str]
    rows: list[Row]
    formulas: dict[tuple[int, str], str] = field(default_factory=dict)


def _unreadable(reason: str) -> ValidationFailed:
    return ValidationFailed(Message(Code.GUIDE_SHEET_UNREADABLE, "cannot read {reason}", reason=reason))


def _too_large() -> ValidationFailed:
    return ValidationFailed(Message(Code.GUIDE_SHEET_TOO_LARGE, "the file is too large: at most {max_kib} KiB, "
                                    "{rows} rows and {columns} columns", max_kib=MAX_BYTES // 1024, rows=MAX_ROWS,
                                    columns=MAX_COLUMNS))


def read(data: bytes, fmt: str) -> Sheet:
    """The sheet in ``data`` (``fmt`` "xlsx" or "csv"); ValidationFailed when it is too large or unreadable."""
    try:
        return _from_grid(grid.read(data, fmt, LIMITS).rows)
    except grid.Refused as refused:
        if refused.reason == grid.Refused.TOO_LARGE:
            raise _too_large() from None
        raise _unreadable(refused.detail) from None


def _header_name(value: Any) -> str:
    """A column's name without spaces or a bracketed note (法定办结时限（工作日） is 法定办结时限)."""
    name = "".join(str(value or "").split())
    for opening in ("（", "("):
        if opening in name and name.endswith(")" if opening == "(" else "）"):
            name = name[:name.index(opening)]
    return name


def _from_grid(rows: list[list[Any]]) -> Sheet:
    if not rows:
        return Sheet([], [])
    header = rows[0]
    columns = [_header_name(v) if not isinstance(v, grid.Formula) else str(v) for v in header]
    sheet = Sheet([c for c in columns if c], [])
    for number, values in enumerate(rows[1:], start=HEADER_ROW + 1):
        cells: dict[str, Any] = {}
        for column, value in zip(columns, values, strict=False):
            if not column:
                continue
            if isinstance(value, grid.Formula):
                sheet.formulas[(number, column)] = str(value)
                value = None
            cells[column] = value
        if any(v not in (None, "") for v in cells.values()) or any(k[0] == number for k in sheet.formulas):
            sheet.rows.append(Row(number, cells))
    return sheet

