"""The proposals of an evaluation period (调整 and 建议收回) as a sheet in the annex layout, with a first column
调整类型 (调整, or 收回 for 建议收回): a draft of the next decision, which the decision import previews as it is.

Written like the printed annex (registry.exports.annex_print): a title row, the header, one row per annex row (an
item's 调整类型, 序号 and 事项名称 repeated on each of its sub-item rows, as the annex's CSV gives them)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

from registry.domain.choices import DecisionActionKind, EvaluationConclusion
from registry.exports import annex, annex_print
from registry.exports.sheets import streamed_cell
from registry.models import Evaluation

ACTION_COLUMN = "调整类型"
ACTIONS = {EvaluationConclusion.ADJUST: DecisionActionKind.ADJUST,
           EvaluationConclusion.PROPOSE_RECALL: DecisionActionKind.RECALL}
TITLE = "{period}评估 调整建议"
WIDTH = 8


def xlsx(period: str, evaluations: Iterable[Evaluation]) -> bytes:
    """The workbook: one sheet, its rows the annex rows of each item concluded 调整 or 建议收回, in annex order."""
    wb = Workbook(write_only=True)
    for style in annex_print.styles():
        wb.add_named_style(style)
    ws = wb.create_sheet("调整建议")
    annex_print.set_up(ws)
    header = (ACTION_COLUMN, *annex_print.HEADER)
    for c, width in enumerate((WIDTH, *annex_print.WIDTHS), 1):  # the annex's widths, one column to the right
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.append([streamed_cell(ws, TITLE.format(period=period), "annex-title")])
    ws.append([streamed_cell(ws, h, "annex-header") for h in header])
    for row in evaluations:
        action = ACTIONS.get(row.conclusion)
        if action is None:
            continue
        for record in annex.records([row.power]):
            ws.append([streamed_cell(ws, action.label, "annex-centred"),
                       *(streamed_cell(ws, v, annex_print.cell_style(c)) for c, v in enumerate(annex.cells(record)))])
    ws.merged_cells = MultiCellRange([CellRange(min_col=1, min_row=annex_print.TITLE_ROW, max_col=len(header),
                                                max_row=annex_print.TITLE_ROW)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
