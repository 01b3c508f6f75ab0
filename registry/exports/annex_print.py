"""The annex as published, to print: an .xlsx sheet per decision, titled, with the source's header and merged cells.

One row per annex row (子项名称); an item with several sub-items prints its 序号 and 事项名称 once, in cells
merged down its rows, and so its type, level, department and note wherever they are the same on every row, as
the decision prints them. The title row names the decision; the header (the source's exact text) repeats on every
printed page; the columns are wide enough for A4 landscape, text wraps, and the page is fitted to its width.

Written with openpyxl's write-only sheets (merged ranges go in after the rows), a decision's rows read as they
come (``annex.stream_rows``), one item at a time in memory.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from registry.exports import annex
from registry.exports.sheets import streamed_cell
from registry.models import Decision

# The annex's header as the source prints it, 备注 spaced with a space and an en space.
HEADER = ("序号", "事项名称", "子项名称", "事项类型", "行使层级", "市级指导(实施)部门(单位)", "备 \u2002注")
TITLE = "{doc_number} 附件:{annex_title}"  # the decision names its annex "附件:" + the annex's title
TITLE_ROW, HEADER_ROW = 1, 2
FIRST_ROW = HEADER_ROW + 1
# Column widths (characters) that share A4 landscape's printable width among the seven columns.
WIDTHS = (6, 34, 30, 12, 13, 18, 26)
SEQ, NAME, TYPE, LEVEL, DEPARTMENT, NOTE = 0, 1, 3, 4, 5, 6  # columns, as annex.cells gives them
MERGED = (SEQ, NAME)  # merged down an item's rows always
MERGED_IF_SAME = (TYPE, LEVEL, DEPARTMENT, NOTE)  # merged when every row of the item agrees
TITLE_HEIGHT = 30  # points
MARGIN = 0.5  # inches, left and right
NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
CENTRED = {SEQ, TYPE, LEVEL}  # short values, in the middle of their cells


def styles() -> list[NamedStyle]:
    """The sheet's named styles, made for each workbook (a workbook binds the ones it is given)."""
    edge = Side(style="thin")
    box = Border(left=edge, right=edge, top=edge, bottom=edge)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return [NamedStyle("annex-title", font=Font(bold=True, size=14), alignment=centred),
            NamedStyle("annex-header", font=Font(bold=True), border=box, alignment=centred),
            NamedStyle("annex-centred", border=box, alignment=centred),
            NamedStyle("annex-text", border=box, alignment=Alignment(vertical="center", wrap_text=True))]


def decisions(session: Session, chosen: list[str] | None = None) -> list[Decision]:
    """The decisions to print (ids or document numbers; all when none are chosen), in the order they were loaded."""
    ids = annex.decision_ids(session, chosen)
    stmt = select(Decision).order_by(Decision.id)
    if ids is not None:
        stmt = stmt.where(Decision.id.in_(ids))
    return list(session.scalars(stmt))


def title(decision: Decision) -> str:
    return TITLE.format(doc_number=decision.doc_number, annex_title=decision.annex_title)


def sheet_name(decision: Decision, taken: set[str]) -> str:
    """The decision's document number as a sheet name (at most 31 characters, none Excel forbids), unique."""
    base = NOT_IN_SHEET_NAMES.sub("_", decision.doc_number)[:31] or "附件"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[:31 - len(str(n)) - 1]}_{n}"
    taken.add(name.lower())
    return name


def _merged_columns(rows: list[tuple[Any, ...]]) -> list[int]:
    if len(rows) == 1:
        return []
    return [*MERGED, *(c for c in MERGED_IF_SAME if len({r[c] for r in rows}) == 1)]


def _item_rows(ws: Any, rows: list[tuple[Any, ...]], first: int, merges: list[CellRange]) -> Iterator[list[Any]]:
    """An item's annex rows as sheet rows, each merged column's value in its first row only (its range added to
    ``merges``)."""
    merged = _merged_columns(rows)
    last = first + len(rows) - 1
    merges.extend(CellRange(min_col=c + 1, min_row=first, max_col=c + 1, max_row=last) for c in merged)
    for n, values in enumerate(rows):
        yield [streamed_cell(ws, None if n and c in merged else v, cell_style(c)) for c, v in enumerate(values)]


def cell_style(column: int) -> str:
    return "annex-centred" if column in CENTRED else "annex-text"


def set_up(ws: Any) -> None:
    """Widths, frozen header and page setup: they go before the rows in a write-only sheet."""
    for c, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[TITLE_ROW].height = TITLE_HEIGHT
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = MARGIN
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _write_sheet(ws: Any, decision: Decision, records: Iterable[annex.Record]) -> None:
    set_up(ws)
    ws.append([streamed_cell(ws, title(decision), "annex-title")])
    ws.append([streamed_cell(ws, h, "annex-header") for h in HEADER])
    merges = [CellRange(min_col=1, min_row=TITLE_ROW, max_col=len(HEADER), max_row=TITLE_ROW)]
    at = FIRST_ROW
    for _, item in groupby(records, key=lambda r: r[SEQ]):
        rows = [annex.cells(r) for r in item]
        for row in _item_rows(ws, rows, at, merges):
            ws.append(row)
        at += len(rows)
    # All at once: adding ranges one by one checks each against every other, quadratic in the items.
    ws.merged_cells = MultiCellRange(merges)


def xlsx(session: Session, engine: Engine, chosen: list[str] | None = None) -> bytes:
    """The workbook: one sheet per decision chosen (all by default), its powers in force in annex order."""
    wb = Workbook(write_only=True)
    for style in styles():
        wb.add_named_style(style)
    taken: set[str] = set()
    printed = decisions(session, chosen)
    for decision in printed:
        ws = wb.create_sheet(sheet_name(decision, taken))
        _write_sheet(ws, decision, annex.stream_rows(engine, [decision.id]))
    if not printed:  # a registry with no decision yet: a workbook needs a sheet
        ws = wb.create_sheet("附件")
        ws.append([streamed_cell(ws, h) for h in HEADER])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
