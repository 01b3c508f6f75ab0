"""One sheet (.xlsx or .csv) as a header and rows of raw cell values, each row named by its number in the sheet.

.xlsx is read with openpyxl in read-only mode without evaluating anything: a cell holding a formula is reported,
never read as its cached value. A .csv is UTF-8 (a BOM allowed) or, as Excel saves it on Chinese Windows, GB 18030.
Files over MAX_BYTES, and sheets over MAX_ROWS rows or MAX_COLUMNS columns, are refused before they are read whole.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from registry.domain.messages import Code, Message
from registry.services.errors import ValidationFailed

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 60
FORMATS = ("xlsx", "csv")
HEADER_ROW = 1


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
    if len(data) > MAX_BYTES:
        raise _too_large()
    if fmt == "xlsx":
        return _from_grid(_xlsx_grid(data))
    if fmt == "csv":
        return _from_grid(_csv_grid(data))
    raise _unreadable(f"a .{fmt} file (.xlsx or .csv only)")


def format_of(filename: str) -> str:
    """The format a file's name says (its extension, lower case)."""
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _bounded(rows: Any) -> Any:
    for n, row in enumerate(rows, start=1):
        if n > MAX_ROWS + HEADER_ROW or len(row) > MAX_COLUMNS:
            raise _too_large()
        yield row


class _Formula:
    """A cell that holds a formula: kept as its text, to be named and refused."""

    def __init__(self, text: str):
        self.text = text


def _xlsx_grid(data: bytes) -> list[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _unreadable(f"the file as .xlsx ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        grid = []
        for row in _bounded(sheet.iter_rows()):
            grid.append([_Formula(str(getattr(c.value, "text", c.value))) if c.data_type == "f" else c.value
                         for c in row])
        return grid
    finally:
        book.close()


def _csv_grid(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte string
        raise _unreadable("the file as text")
    try:
        rows = list(_bounded(csv.reader(io.StringIO(text, newline=""))))
    except csv.Error as exc:
        raise _unreadable(f"the file as CSV ({exc})") from None
    # A CSV has no formulas, but a cell starting with "=" becomes one when Excel opens the file.
    return [[_Formula(c) if c.startswith("=") else c for c in row] for row in rows]


def _header_name(value: Any) -> str:
    """A column's name without spaces or a bracketed note (法定办结时限（工作日） is 法定办结时限)."""
    name = "".join(str(value or "").split())
    for opening in ("（", "("):
        if opening in name and name.endswith(")" if opening == "(" else "）"):
            name = name[:name.index(opening)]
    return name


def _from_grid(grid: list[list[Any]]) -> Sheet:
    if not grid:
        return Sheet([], [])
    header = grid[0]
    columns = [_header_name(v) if not isinstance(v, _Formula) else v.text for v in header]
    sheet = Sheet([c for c in columns if c], [])
    for number, values in enumerate(grid[1:], start=HEADER_ROW + 1):
        cells: dict[str, Any] = {}
        for column, value in zip(columns, values, strict=False):
            if not column:
                continue
            if isinstance(value, _Formula):
                sheet.formulas[(number, column)] = value.text
                value = None
            cells[column] = value
        if any(v not in (None, "") for v in cells.values()) or any(k[0] == number for k in sheet.formulas):
            sheet.rows.append(Row(number, cells))
    return sheet

