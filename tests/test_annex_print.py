"""The annex layout of the .xlsx export is the decision's annex as published, checked against the source's parse.

Every expectation comes from the source document (``seed.parse_annex``: its header, its annex rows, the title the
decision gives its annex), never from a hand copy; the workbook is opened with openpyxl, on both databases.
"""

from __future__ import annotations

import io
from itertools import groupby
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from seed import parse_annex
from tests.conftest import GROWN_SYNTHETIC, Databases, cli, dispose, invoke, make_app
from tests.handover_steps import WATER_POWER
from tests.test_exports_safe import assert_no_formula_can_start

SEED = parse_annex.parse(parse_annex.SOURCE.read_text(encoding="utf-8"))
DECISION = SEED["decision"]
ANNEX_ROWS = SEED["annex_rows"]
FIELDS = ("seq", "name", "sub_item", "type", "level", "department", "note")
SAME_ACROSS_AN_ITEM = ("type", "level", "department", "note")  # merged when every row of the item agrees
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3
URL = "/api/v1/powers/export.xlsx"
A4 = 9  # the paper size code of A4 in SpreadsheetML


def sheets(raw: bytes) -> list[Worksheet]:
    return list(load_workbook(io.BytesIO(raw)).worksheets)


def printed(client: FlaskClient, **query: Any) -> bytes:
    resp = client.get(URL, query_string={"layout": "annex", **query})
    assert resp.status_code == 200, resp.get_data()[:300]
    assert resp.headers["Content-Disposition"] == "attachment; filename=annex-print.xlsx"
    return resp.get_data()


def shown(sheet: Worksheet) -> list[list[Any]]:
    """Every row's values as a reader sees them: a merged range's value in each of its cells."""
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        for r, c in merged.cells:
            values[r - 1][c - 1] = values[merged.min_row - 1][merged.min_col - 1]
    return values


def expected_merges(rows: list[dict[str, Any]]) -> set[str]:
    """The ranges an item with several annex rows merges: 序号 and 事项名称, and what is the same on every row."""
    merges, at = set(), FIRST_ROW
    for _, item in groupby(rows, key=lambda r: r["seq"]):
        item = list(item)
        if len(item) > 1:
            same = [f for f in SAME_ACROSS_AN_ITEM if len({r[f] for r in item}) == 1]
            for field in ("seq", "name", *same):
                column = get_column_letter(FIELDS.index(field) + 1)
                merges.add(f"{column}{at}:{column}{at + len(item) - 1}")
        at += len(item)
    return merges


def content(raw: bytes) -> list[tuple[Any, ...]]:
    """What a workbook shows and how it prints, sheet by sheet (its bytes also hold the moment it was written)."""
    return [(s.title, [[c.value for c in r] for r in s.iter_rows()], sorted(str(m) for m in s.merged_cells.ranges),
             s.freeze_panes, s.print_title_rows, s.page_setup.paperSize, s.page_setup.orientation,
             {k: d.width for k, d in s.column_dimensions.items()}) for s in sheets(raw)]


@pytest.fixture(scope="module")
def annex_sheet(shared_app: Flask) -> Worksheet:
    (sheet,) = sheets(printed(shared_app.test_client()))
    return sheet


def test_the_title_row_names_the_decision_and_its_annex(annex_sheet: Worksheet) -> None:
    annex_title = "附件:" + DECISION["annex_title"]
    assert annex_title in parse_annex.SOURCE.read_text(encoding="utf-8")  # as the decision names it
    assert annex_sheet.title == DECISION["doc_number"]
    assert annex_sheet.cell(TITLE_ROW, 1).value == f"{DECISION['doc_number']} {annex_title}"
    assert annex_sheet.cell(TITLE_ROW, 1).font.b
    assert "A1:G1" in {str(m) for m in annex_sheet.merged_cells.ranges}


def test_the_header_is_the_sources(annex_sheet: Worksheet) -> None:
    header = [c.value for c in annex_sheet[HEADER_ROW]]
    assert header == parse_annex.HEADER
    assert "市级指导(实施)部门(单位)" in header  # half-width brackets, as printed


def test_every_annex_row_is_the_sources(annex_sheet: Worksheet) -> None:
    values = shown(annex_sheet)
    assert len(values) == FIRST_ROW - 1 + len(ANNEX_ROWS)
    for source in ANNEX_ROWS:
        row = values[FIRST_ROW - 2 + source["row"]]
        assert [v if v is not None else "" for v in row] == [source[f] for f in FIELDS], source["row"]
        assert type(row[0]) is int  # 序号 typed, not text


def test_an_item_with_several_sub_items_is_merged_down_its_rows(annex_sheet: Worksheet) -> None:
    merges = expected_merges(ANNEX_ROWS)
    assert {"A77:A78", "B77:B78"} <= merges  # 序号 75: two annex rows, the source's rows 75 and 76
    assert {str(m) for m in annex_sheet.merged_cells.ranges} - {"A1:G1"} == merges
    assert annex_sheet["A78"].value is None and annex_sheet["C78"].value  # each sub-item has its own row


def test_it_prints_on_a4_landscape_with_the_header_on_every_page(annex_sheet: Worksheet) -> None:
    setup = annex_sheet.page_setup
    assert (int(setup.paperSize), setup.orientation) == (A4, "landscape")
    assert (setup.fitToWidth, setup.fitToHeight, annex_sheet.sheet_properties.pageSetUpPr.fitToPage) == (1, 0, True)
    assert annex_sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert annex_sheet.freeze_panes == f"A{FIRST_ROW}"  # below the title and the header
    widths = [annex_sheet.column_dimensions[get_column_letter(c)].width for c in range(1, len(FIELDS) + 1)]
    assert all(w >= 6 for w in widths) and sum(widths) <= 150  # about what A4 landscape holds, before fitting
    cells = [c for r in annex_sheet.iter_rows(min_row=HEADER_ROW) for c in r if not isinstance(c, MergedCell)]
    assert all(c.alignment.wrap_text for c in cells)


def test_no_cell_is_or_could_start_a_formula(annex_sheet: Worksheet) -> None:
    assert [c.coordinate for r in annex_sheet.iter_rows() for c in r if c.data_type == "f"] == []
    assert_no_formula_can_start(shown(annex_sheet))


def test_retired_powers_are_left_out_and_each_decision_has_its_sheet(grown: Flask, client: FlaskClient) -> None:
    real, synthetic = sheets(printed(client))
    in_force = [r for r in ANNEX_ROWS if r["seq"] != WATER_POWER]
    assert [[v if v is not None else "" for v in row] for row in shown(real)[FIRST_ROW - 1:]] == [
        [r[f] for f in FIELDS] for r in in_force]
    assert {str(m) for m in real.merged_cells.ranges} - {"A1:G1"} == expected_merges(in_force)
    assert synthetic.cell(TITLE_ROW, 1).value.endswith(" 附件:合成数据")
    assert [c.value for c in synthetic[HEADER_ROW]] == parse_annex.HEADER
    assert len({row[0] for row in shown(synthetic)[FIRST_ROW - 1:]}) == GROWN_SYNTHETIC
    (only,) = sheets(printed(client, decision=DECISION["doc_number"]))
    assert only.title == real.title
    assert [[c.value for c in r] for r in only.iter_rows()] == [[c.value for c in r] for r in real.iter_rows()]


@pytest.mark.parametrize(("query", "field"), [
    ({"layout": "annex", "labels": "codes"}, "labels"),
    ({"layout": "pivot"}, "layout"),
    ({"layout": "annex", "decision": "渝府发〔1999〕1号"}, "decision"),
])
def test_a_bad_query_is_refused_field_by_field(reader: FlaskClient, query: dict[str, str], field: str) -> None:
    resp = reader.get(URL, query_string=query)
    assert resp.status_code == 422 and list(resp.json["errors"]) == [field], resp.json


@pytest.mark.parametrize("layout", ["annex", "table"])
@pytest.mark.parametrize("decision", [None, DECISION["doc_number"]])
def test_the_cli_writes_what_the_api_serves(grown: Flask, client: FlaskClient, layout: str,
                                            decision: str | None) -> None:
    query = {"layout": layout, **({"decision": decision} if decision else {})}
    resp = client.get(URL, query_string=query)
    assert resp.status_code == 200
    args = ["export", "--format", "xlsx", "--layout", layout, *(["--decision", decision] if decision else [])]
    result = invoke(grown, *args)
    assert result.exit_code == 0, result.output
    assert content(result.stdout_bytes) == content(resp.get_data())


def test_the_default_xlsx_is_still_the_table(reader: FlaskClient) -> None:
    (table,) = sheets(reader.get(URL).get_data())
    assert table.freeze_panes == "A2" and table.merged_cells.ranges == set()
    assert [c.value for c in table[1]][:2] == ["序号", "事项名称"]


def test_the_cli_refuses_a_table_csv_and_writes_to_a_file(shared_app: Flask, tmp_path: Any) -> None:
    result = invoke(shared_app, "export", "--layout", "table", "--format", "csv")
    assert result.exit_code == 2 and "--format xlsx" in result.output
    out = tmp_path / "annex.xlsx"
    cli(shared_app, "export", "--format", "xlsx", "--layout", "annex", "--output", str(out))
    assert content(out.read_bytes()) == content(printed(shared_app.test_client()))


def test_a_registry_without_decisions_prints_the_header_alone(databases: Databases) -> None:
    app = make_app(databases.empty())
    try:
        cli(app, "init-db")
        (sheet,) = sheets(printed(app.test_client()))
        assert [[c.value for c in r] for r in sheet.iter_rows()] == [parse_annex.HEADER]
    finally:
        dispose(app)
