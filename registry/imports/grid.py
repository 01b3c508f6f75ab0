"""The one reader of the sheets staff upload (.xlsx or .csv): the first sheet as a grid of raw cell values.

Every import reads its file here (service guides through registry.imports.sheet, offices' contact details through
registry.imports.tables, decisions' annexes through registry.services.decision_files) and shapes the grid itself.

- An .xlsx is opened with openpyxl read-only and ``data_only=False``: nothing is evaluated. A cell holding a formula
  comes back as a ``Formula`` (its text, ``=…``), and so does a text cell that starts with ``=`` (a spreadsheet
  would run it once edited): the caller refuses it, naming its row and column. A workbook holding macros
  (``vbaProject.bin``), or named as a macro-enabled or legacy workbook (.xlsm, .xls, …), is refused.
- A .csv is UTF-8 (a BOM allowed) or, as Excel saves it on a Chinese Windows, GB 18030; a cell starting with ``=``
  is a ``Formula`` too.
- Files over ``Limits.bytes``, and grids over ``Limits.rows`` rows or ``Limits.columns`` columns, are refused
  while they are read, before they are held whole.
- Merged ranges (.xlsx only, on request): read-only openpyxl does not keep them, so they are read from the sheet's
  XML; ``Grid.filled`` gives each cell of a range its first cell's value.

A file that cannot be read raises ``Refused`` with its ``reason``; each import words it with its own codes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

XLSX, CSV = "xlsx", "csv"
KINDS = (XLSX, CSV)
MACRO_KINDS = ("xlsm", "xltm", "xls", "xlsb")  # macro-enabled or legacy workbooks: refused by name
ENCODINGS = ("utf-8-sig", "gb18030")
MERGE_CELL = f"{{{SHEET_MAIN_NS}}}mergeCell"
# What openpyxl raises for a file that is not a workbook, or a workbook whose parts are damaged.
BROKEN_XLSX = (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError,
               ParseError)


class Formula(str):
    """A cell's formula as written (``=…``): never evaluated, never stored; named and refused by the caller."""


@dataclass(frozen=True)
class Limits:
    """How much a file may hold: bytes, rows (the header's included) and columns."""

    bytes: int = 2 * 1024 * 1024
    rows: int = 2001
    columns: int = 60


DEFAULT = Limits()


class Refused(Exception):
    """The file cannot be read as a grid: ``reason`` is one of KIND, MACROS, TOO_LARGE and UNREADABLE, ``detail``
    what, in English, to follow "cannot read"."""

    KIND, MACROS, TOO_LARGE, UNREADABLE = "kind", "macros", "too_large", "unreadable"

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Grid:
    """The sheet's rows as read (row 1 first; a row's cells up to its last one), and its merged ranges as
    (first row, first column, last row, last column), 1-based."""

    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def filled(self) -> list[list[Any]]:
        """The rows with each merged range's value in every cell of it, as a person reads the sheet (a formula stays
        in its own cell only)."""
        rows = [list(r) for r in self.rows]
        width = max((len(r) for r in rows), default=0)
        budget = len(rows) * width  # ranges that overlap (a damaged file) must not multiply the work
        for first_row, first_col, last_row, last_col in self.merged:
            if first_row > len(rows) or first_col > width:
                continue
            top = rows[first_row - 1]
            value = top[first_col - 1] if first_col <= len(top) else None
            if isinstance(value, Formula):  # named once, where it is written
                continue
            last_row, last_col = min(last_row, len(rows)), min(last_col, width)
            budget -= (last_row - first_row + 1) * (last_col - first_col + 1)
            if budget < 0:
                raise Refused(Refused.UNREADABLE, "a sheet whose merged ranges overlap")
            for row in rows[first_row - 1:last_row]:
                row.extend([None] * (last_col - len(row)))
                row[first_col - 1:last_col] = [value] * (last_col - first_col + 1)
        return rows


def kind_of(filename: str) -> str:
    """The kind a file's name says: its extension in lower case, without the dot ("" when it has none)."""
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def read(data: bytes, kind: str, limits: Limits = DEFAULT, *, merged: bool = False) -> Grid:
    """The first sheet of ``data`` (``kind`` xlsx or csv) as a grid; ``merged`` also reads an .xlsx's merged
    ranges. Raises Refused."""
    if len(data) > limits.bytes:
        raise Refused(Refused.TOO_LARGE, f"a file over {limits.bytes} bytes")
    if kind in MACRO_KINDS:
        raise Refused(Refused.MACROS, f"a .{kind} workbook, which may hold macros")
    if kind == XLSX:
        return _xlsx(data, limits, merged)
    if kind == CSV:
        return Grid(_csv(data, limits))
    raise Refused(Refused.KIND, f"a .{kind} file (.xlsx or .csv only)" if kind else "a file with no extension")


def _bounded(rows: Any, limits: Limits) -> Any:
    for n, row in enumerate(rows, start=1):
        if n > limits.rows or len(row) > limits.columns:
            raise Refused(Refused.TOO_LARGE, f"a sheet over {limits.rows} rows or {limits.columns} columns")
        yield row


def _is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.lstrip().startswith("=")


def _xlsx(data: bytes, limits: Limits, merged: bool) -> Grid:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if any(n.lower().endswith("vbaproject.bin") for n in archive.namelist()):
                raise Refused(Refused.MACROS, "a workbook holding macros")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except BROKEN_XLSX as exc:
        raise Refused(Refused.UNREADABLE, f"the file as .xlsx ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        rows = [[Formula(str(getattr(c.value, "text", c.value))) if c.data_type == "f" or _is_formula(c.value)
                 else c.value for c in row] for row in _bounded(sheet.iter_rows(), limits)]
        return Grid(rows, _merged_ranges(sheet) if merged else [])
    except BROKEN_XLSX as exc:
        raise Refused(Refused.UNREADABLE, f"the file as .xlsx ({type(exc).__name__})") from None
    finally:
        book.close()


def _merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges, from its XML (a read-only sheet parses only its rows)."""
    ranges = []
    with sheet._get_source() as source:  # openpyxl's own opening of the sheet's part of the archive
        for _, element in iterparse(source):
            if element.tag == MERGE_CELL:
                first_col, first_row, last_col, last_row = CellRange(element.get("ref")).bounds
                ranges.append((first_row, first_col, last_row, last_col))
            element.clear()
    return ranges


def _csv(data: bytes, limits: Limits) -> list[list[Any]]:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost every byte string
        raise Refused(Refused.UNREADABLE, "the file as text")
    if "\x00" in text:
        raise Refused(Refused.UNREADABLE, "the file as CSV (it holds NUL characters)")
    try:
        rows = list(_bounded(csv.reader(io.StringIO(text, newline="")), limits))
    except csv.Error as exc:
        raise Refused(Refused.UNREADABLE, f"the file as CSV ({exc})") from None
    return [[Formula(c) if _is_formula(c) else c for c in row] for row in rows]
