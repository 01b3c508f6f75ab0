"""A CSV or .xlsx upload as rows of text cells named by their header, numbered as the spreadsheet numbers them.

Read by the one grid reader (registry.imports.grid: formulas never evaluated, macros refused, size bounded); a
cell holding a formula comes back as a Formula, for the caller's row check to refuse. The first non-empty row is
the header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from openpyxl.utils import get_column_letter

from registry.imports import grid
from registry.imports.grid import Formula
from registry.services.errors import Code, Message, ValidationFailed

__all__ = ["Formula", "SheetRow", "Table", "column_name", "read_table"]
LIMITS = grid.Limits(bytes=4 * 1024 * 1024, rows=5001)


@dataclass(frozen=True)
class SheetRow:
    """One row below the header: its number in the sheet (the header is row 1 when it is the first) and its cells
    by column name; a cell left empty is absent."""

    number: int
    cells: dict[str, str]


@dataclass(frozen=True)
class Table:
    header_row: int
    columns: list[str]
    rows: list[SheetRow]


def _text(value: object) -> str:
    """A cell's value as the text a person typed: 2367451234 not 2367451234.0, a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def column_name(header: list[str], index: int) -> str:
    """The header's name of column ``index``; a column the header leaves unnamed is named by its letter."""
    if index < len(header) and header[index]:
        return header[index]
    return get_column_letter(index + 1)


def _refused(filename: str, kind: str, refused: grid.Refused) -> ValidationFailed:
    if refused.reason == grid.Refused.KIND:
        return ValidationFailed(Message(Code.SHEET_KIND, "only .xlsx and .csv files are read, not {name}",
                                        name=filename))
    if refused.reason == grid.Refused.MACROS:
        return ValidationFailed(Message(Code.SHEET_MACROS, "{name}: {detail}; save it as .xlsx without them",
                                        name=filename, detail=refused.detail))
    if refused.reason == grid.Refused.TOO_LARGE:
        return ValidationFailed(Message(Code.SHEET_TOO_LARGE, "the file is too large: at most {max_kib} KiB, {rows} "
                                        "rows and {columns} columns", max_kib=LIMITS.bytes // 1024,
                                        rows=LIMITS.rows - 1, columns=LIMITS.columns))
    return ValidationFailed(Message(Code.SHEET_UNREADABLE, "the file cannot be read as {kind}", kind=kind))


def read_table(filename: str, data: bytes) -> Table:
    """The first sheet (or the CSV) of ``filename``: its first non-empty row is the header, the rest its rows."""
    kind = grid.kind_of(filename)
    try:
        raw = grid.read(data, kind, LIMITS).rows
    except grid.Refused as refused:
        raise _refused(filename, kind, refused) from None
    numbered = [(n, [_text(v) if not isinstance(v, Formula) else v for v in values])
                for n, values in enumerate(raw, start=1)]
    numbered = [(n, values) for n, values in numbered if any(values)]
    if not numbered:
        raise ValidationFailed(Message(Code.SHEET_EMPTY, "the file holds no rows"))
    header_row, header = numbered[0]
    rows = [SheetRow(n, {column_name(header, i): v for i, v in enumerate(values) if v}) for n, values in numbered[1:]]
    return Table(header_row, header, rows)
