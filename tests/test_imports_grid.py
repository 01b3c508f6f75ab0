"""The one reader of uploaded sheets (registry.imports.grid), which the guide, contact and decision imports shape:
formulas flagged and never evaluated, CSV in UTF-8 or GB 18030, macros refused, sizes bounded, merged ranges read.
The imports' own refusals (their codes and words) are tested beside them (tests/test_guide_import.py,
tests/test_office_contacts.py, tests/test_decisions.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from registry.imports import grid


def workbook(rows: list[list[object]], merges: tuple[str, ...] = ()) -> bytes:
    """An .xlsx of ``rows`` (the first sheet), with ``merges`` merged ("A1:C1", …)."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_macros(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"macro")
    return out.getvalue()


# (file, kind, its rows as read: a Formula marked F(...))
READ = [
    (workbook([["名称", "电话"], ["水利局", 2367451234], ["=A2", "=1+1"]]), "xlsx",
     [["名称", "电话"], ["水利局", 2367451234], ["F=A2", "F=1+1"]]),
    ("名称,电话\r\n水利局,023-1\r\n\" =A2\",+86 23\r\n".encode(), "csv",
     [["名称", "电话"], ["水利局", "023-1"], ["F =A2", "+86 23"]]),
    ("\ufeff名称\r\n水利局\r\n".encode(), "csv", [["名称"], ["水利局"]]),
    ("名称\r\n水利局\r\n".encode("gb18030"), "csv", [["名称"], ["水利局"]]),
    ("名称\r\n'=A1\r\n".encode(), "csv", [["名称"], ["'=A1"]]),  # quoted: text, as the exports write it
]


def shown(rows: list[list[object]]) -> list[list[object]]:
    return [[f"F{v}" if isinstance(v, grid.Formula) else v for v in row] for row in rows]


@pytest.mark.parametrize(("data", "kind", "rows"), READ, ids=[f"{r[1]}-{n}" for n, r in enumerate(READ)])
def test_a_sheet_reads_as_its_cells_with_formulas_flagged(data: bytes, kind: str, rows: list[list[object]]) -> None:
    assert shown(grid.read(data, kind).rows) == rows


# (file, kind, limits, the reason it is refused, words of its detail)
SMALL = grid.Limits(bytes=10_000, rows=3, columns=2)
REFUSED = [
    (b"x" * 10_001, "csv", SMALL, grid.Refused.TOO_LARGE, "a file over 10000 bytes"),
    ("a\n" * 4, "csv", SMALL, grid.Refused.TOO_LARGE, "a sheet over 3 rows or 2 columns"),
    ("a,b,c\n", "csv", SMALL, grid.Refused.TOO_LARGE, "a sheet over 3 rows"),
    (workbook([["a"]] * 4), "xlsx", SMALL, grid.Refused.TOO_LARGE, "a sheet over 3 rows"),
    (workbook([["a", "b", "c"]]), "xlsx", SMALL, grid.Refused.TOO_LARGE, "2 columns"),
    (with_macros(workbook([["a"]])), "xlsx", grid.Limits(), grid.Refused.MACROS, "a workbook holding macros"),
    (workbook([["a"]]), "xlsm", grid.Limits(), grid.Refused.MACROS, "a .xlsm workbook, which may hold macros"),
    (b"PK\x03\x04 not a workbook", "xlsx", grid.Limits(), grid.Refused.UNREADABLE, "the file as .xlsx"),
    (b"a\x00b", "csv", grid.Limits(), grid.Refused.UNREADABLE, "NUL"),
    (b"%PDF", "pdf", grid.Limits(), grid.Refused.KIND, "a .pdf file (.xlsx or .csv only)"),
]


@pytest.mark.parametrize(("data", "kind", "limits", "reason", "words"), REFUSED,
                         ids=[f"{r[3]}-{n}" for n, r in enumerate(REFUSED)])
def test_a_file_the_reader_cannot_take_is_refused(data: bytes | str, kind: str, limits: grid.Limits, reason: str,
                                                  words: str) -> None:
    with pytest.raises(grid.Refused) as refused:
        grid.read(data.encode() if isinstance(data, str) else data, kind, limits)
    assert refused.value.reason == reason and words in refused.value.detail


def test_merged_ranges_are_read_and_fill_their_cells() -> None:
    rows = [["标题", None, None], ["序号", "事项名称", "子项名称"], [75, "设计审查", "其一"], [None, None, "其二"]]
    data = workbook(rows, merges=("A1:C1", "A3:A4", "B3:B4"))
    sheet = grid.read(data, "xlsx", merged=True)
    assert sorted(sheet.merged) == [(1, 1, 1, 3), (3, 1, 4, 1), (3, 2, 4, 2)]
    assert sheet.filled() == [["标题"] * 3, ["序号", "事项名称", "子项名称"], [75, "设计审查", "其一"],
                              [75, "设计审查", "其二"]]
    assert grid.read(data, "xlsx").merged == []  # only when asked for


def test_overlapping_merged_ranges_cannot_multiply_the_work() -> None:
    sheet = grid.Grid([["a", "b"], ["c", "d"]], merged=[(1, 1, 2, 2)] * 3)
    with pytest.raises(grid.Refused) as refused:
        sheet.filled()
    assert refused.value.reason == grid.Refused.UNREADABLE


def test_a_merged_formula_stays_in_its_own_cell() -> None:
    """Refused once, where it is written: its range's other cells stay empty."""
    sheet = grid.read(workbook([["=NOW()", None, None], ["a", "b", "c"]], merges=("A1:C1",)), "xlsx", merged=True)
    assert [[str(v) if v is not None else None for v in row] for row in sheet.filled()] == [
        ["=NOW()", None, None], ["a", "b", "c"]]
