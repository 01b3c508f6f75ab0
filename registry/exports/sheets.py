"""Tables written for spreadsheets: CSV (UTF-8 with BOM, text quoted) and .xlsx, every cell through ``cells``.

A table is a header and rows of plain values; the writers neutralise text (``cells.cell``), type numbers and
moments, and never write a formula.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from registry.exports.cells import Cell, cell, row

# Excel needs the byte-order mark to read UTF-8 CSV as UTF-8.
BOM = "\ufeff"
BATCH = 1000  # rows written per chunk of a streamed CSV
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm:ss"
DAY_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = 60  # characters: a wider column wraps, so a printed page holds several columns


def _csv_value(value: Cell) -> Cell:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv_line(writer: Any, values: Iterable[Any]) -> None:
    writer.writerow([_csv_value(v) for v in row(values)])


def csv_chunks(header: Sequence[str], rows: Iterable[Iterable[Any]], batch: int | None = None) -> Iterator[bytes]:
    """The table as CSV bytes (BOM, CRLF, text quoted, numbers bare), ``batch`` rows a chunk."""
    batch = batch or BATCH
    out = io.StringIO()
    # Text quoted: a cell holding the list separator of a semicolon locale still reads as one cell.
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    out.write(BOM)
    _csv_line(writer, header)
    for n, values in enumerate(rows, 1):
        _csv_line(writer, values)
        if n % batch == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def csv_text(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> str:
    return b"".join(csv_chunks(header, rows)).decode()


def _width(value: Cell) -> int:
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    longest = max(str(value).split("\n"), key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def _store(target: Any, value: Cell) -> None:
    """A safe value into a cell: text never a formula and without what XML cannot hold, moments formatted."""
    if isinstance(value, str):
        target.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        target.data_type = "s"  # text, never a formula, whatever it starts with
    else:
        target.value = value
        if isinstance(value, datetime):
            target.number_format = MOMENT_FORMAT
        elif isinstance(value, date):
            target.number_format = DAY_FORMAT


def streamed_cell(ws: Any, value: Any, style: str | None = None) -> WriteOnlyCell:
    """A write-only sheet's cell holding ``value`` by every sheet's rule (``cells.cell``); empty if None or ""."""
    target = WriteOnlyCell(ws)
    if value is not None and value != "":
        _store(target, cell(value))
    if style:
        target.style = style
    return target


def _put(ws: Any, r: int, c: int, value: Cell) -> int:
    target = ws.cell(row=r, column=c)
    _store(target, value)
    if isinstance(value, str) and "\n" in value:
        target.alignment = Alignment(wrap_text=True, vertical="top")
    return _width(value)


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """The table as one .xlsx sheet: bold frozen header repeated on every printed page, typed dates and
    numbers, columns as wide as their content (wrapped beyond ``MAX_WIDTH``), fitted to the page width."""
    return xlsx_book([(title, header, rows)])


def xlsx_book(tables: Sequence[tuple[str, Sequence[str], Iterable[Iterable[Any]]]]) -> bytes:
    """Several tables, one sheet each (titled by the first item), each laid out as ``xlsx_bytes`` lays out one."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in tables:
        _sheet(wb.create_sheet(title[:31]), header, rows)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet(ws: Any, header: Sequence[str], rows: Iterable[Iterable[Any]]) -> None:
    widths = [_put(ws, 1, c, v) for c, v in enumerate(row(header), 1)]
    for c in range(1, len(widths) + 1):
        ws.cell(row=1, column=c).font = Font(bold=True)
    for r, values in enumerate(rows, 2):
        for c, value in enumerate(row(values), 1):
            widths[c - 1] = max(widths[c - 1], _put(ws, r, c, value))
    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = min(width + 2, MAX_WIDTH)
        if width + 2 > MAX_WIDTH:
            for (target,) in ws.iter_rows(min_row=2, min_col=c, max_col=c):
                target.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
