"""A CSV or .xlsx upload as rows of text cells named by their header, numbered as the spreadsheet numbers them.

An .xlsx is opened read-only with formulas left as written (openpyxl, data_only=False) and never evaluated: a cell
holding a formula comes back as a Formula, for the caller's row check to refuse. CSV is UTF-8 (a BOM allowed) or,
as Excel saves it on a Chinese Windows, GB 18030; a cell there starting with "=" is taken as a formula too.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from registry.services.errors import Code, Message, ValidationFailed

XLSX_SUFFIXES = (".xlsx",)
CSV_SUFFIXES = (".csv",)


class Formula(str):
    """A cell's formula as written (``=…``); never evaluated, never stored."""


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


def _unreadable(kind: str) -> ValidationFailed:
    return ValidationFailed(Message(Code.SHEET_UNREADABLE, "the file cannot be read as {kind}", kind=kind))


# What openpyxl raises for a file that is not a workbook, or a workbook whose parts are damaged.
BROKEN_XLSX = (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError,
               ParseError)


def _xlsx_rows(data: bytes) -> list[list[object]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except BROKEN_XLSX:
        raise _unreadable("xlsx") from None
    try:
        return [[Formula(c.value) if getattr(c, "data_type", None) == "f"
                 or (isinstance(c.value, str) and c.value.startswith("=")) else c.value for c in row]
                for row in book.worksheets[0].iter_rows()]
    except BROKEN_XLSX:
        raise _unreadable("xlsx") from None
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _unreadable("csv")
    if "\x00" in text:
        raise _unreadable("csv")
    return [[Formula(v) if v.strip().startswith("=") else v for v in record]
            for record in csv.reader(io.StringIO(text, newline=""))]


def column_name(header: list[str], index: int) -> str:
    """The header's name of column ``index``; a column the header leaves unnamed is named by its letter."""
    if index < len(header) and header[index]:
        return header[index]
    return get_column_letter(index + 1)


def read_table(filename: str, data: bytes) -> Table:
    """The first sheet (or the CSV) of ``filename``: its first non-empty row is the header, the rest its rows."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in XLSX_SUFFIXES:
        raw = _xlsx_rows(data)
    elif suffix in CSV_SUFFIXES:
        raw = _csv_rows(data)
    else:
        raise ValidationFailed(Message(Code.SHEET_KIND, "only .xlsx and .csv files are read, not {name}",
                                       name=filename))
    numbered = [(n, [_text(v) if not isinstance(v, Formula) else v for v in values])
                for n, values in enumerate(raw, start=1)]
    numbered = [(n, values) for n, values in numbered if any(values)]
    if not numbered:
        raise ValidationFailed(Message(Code.SHEET_EMPTY, "the file holds no rows"))
    header_row, header = numbered[0]
    rows = [SheetRow(n, {column_name(header, i): v for i, v in enumerate(values) if v}) for n, values in numbered[1:]]
    return Table(header_row, header, rows)
