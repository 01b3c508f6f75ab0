"""Offices' contact details imported from a sheet (registry.services.office_contacts, `registry offices import`,
and the upload on /console/offices/), on every backend: all rows or none, each change audited and versioned."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import Workbook

from tests.conftest import bearer, invoke
from tests.pages import form, login, soup, text

HEADER = ["部门名称", "地址", "电话", "办公时间"]
WATER = ["市水利局", "重庆市渝北区某路 1 号", "023-8907 1234", "工作日 9:00-12:00，14:00-17:30"]
ZONE = ["重庆经开区管委会", "重庆经开区某大道 8 号", "023-6245 0000、12345", "工作日 9:00-17:00"]
REASON = "经开区公布各承接机构联系方式"


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[object]]) -> bytes:
    return ("\r\n".join(",".join(f'"{c}"' for c in row) for row in rows) + "\r\n").encode("utf-8-sig")


MAKERS = {"xlsx": xlsx, "csv": csv_bytes}


def departments(app: Flask) -> dict[str, dict]:
    return {d["name"]: d for d in app.test_client().get("/api/v1/departments").json}


def trail(app: Flask, tokens: dict[str, str]) -> list[dict]:
    """The audited changes of departments (the seed's creations left out)."""
    query = {"entity_type": "department", "action": "update", "per_page": 200}
    return app.test_client().get("/api/v1/audit", query_string=query, headers=bearer(tokens["auditor"])).json["items"]


def run(app: Flask, tmp_path: Path, kind: str, rows: list[list[object]], *extra: str):
    path = tmp_path / f"offices.{kind}"
    path.write_bytes(MAKERS[kind](rows))
    return invoke(app, "offices", "import", str(path), "--reason", REASON, *extra)


@pytest.mark.parametrize("kind", MAKERS)
def test_a_sheet_updates_each_named_office_audited_and_versioned(app: Flask, tokens: dict[str, str],
                                                                 tmp_path: Path, kind: str) -> None:
    before = departments(app)
    forestry = before["市林业局"]
    result = run(app, tmp_path, kind, [HEADER, WATER, ZONE, ["市林业局", "", "", ""]])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["第 2 行“市水利局”：已更新地址、电话、办公时间",
                                          "第 3 行“重庆经开区管委会”：已更新地址、电话、办公时间",
                                          "第 4 行“市林业局”：无变化"]
    after = departments(app)
    for row in (WATER, ZONE):
        office = after[row[0]]
        assert [office["address"], office["phone"], office["hours"]] == row[1:]
        assert office["version"] == before[row[0]]["version"] + 1
    assert after["市林业局"] == forestry  # an empty cell keeps what is published
    entries = trail(app, tokens)
    assert sorted(e["entity_id"] for e in entries) == sorted([before["市水利局"]["id"],
                                                              before["重庆经开区管委会"]["id"]])
    assert {e["reason"] for e in entries} == {REASON}
    # Importing the same sheet again changes nothing and says so.
    again = run(app, tmp_path, kind, [HEADER, WATER, ZONE])
    assert again.output.splitlines() == ["第 2 行“市水利局”：无变化", "第 3 行“重庆经开区管委会”：无变化"]
    assert departments(app) == after and len(trail(app, tokens)) == 2


def test_a_dry_run_reports_and_writes_nothing(app: Flask, tokens: dict[str, str], tmp_path: Path) -> None:
    before = departments(app)
    result = run(app, tmp_path, "csv", [HEADER, WATER], "--dry-run")
    assert result.exit_code == 0, result.output
    assert "第 2 行“市水利局”：将更新地址、电话、办公时间" in result.output
    assert departments(app) == before and trail(app, tokens) == []


FORMULA = "=HYPERLINK(\"http://evil.example\",\"点此\")"
WRONG = {
    "bad phone": ([HEADER, WATER, ["市林业局", "", "请致电办公室", ""]], "第 3 行“电话”列", "不是电话号码"),
    "unknown office": ([HEADER, WATER, ["市林业厅", "", "023-1234 5678", ""]], "第 3 行“部门名称”列",
                       "没有名为“市林业厅”的部门或承接机构"),
    "duplicate row": ([HEADER, WATER, WATER], "第 3 行“部门名称”列", "“市水利局”重复出现（首次见于第 2 行）"),
    "unknown column": ([[*HEADER, "传真"], [*WATER, "023-1"]], "第 1 行“传真”列", "不认识的列名“传真”"),
}


@pytest.mark.parametrize("kind", MAKERS)
@pytest.mark.parametrize("case", WRONG, ids=WRONG.keys())
def test_a_wrong_row_is_named_and_nothing_is_written(app: Flask, tokens: dict[str, str], tmp_path: Path,
                                                     kind: str, case: str) -> None:
    rows, where, words = WRONG[case]
    before = departments(app)
    result = run(app, tmp_path, kind, rows)
    assert result.exit_code == 1
    assert "有 1 行有误，未导入任何内容" in result.output
    [line] = [line for line in result.output.splitlines() if line.strip().startswith(where)]
    assert words in line
    assert departments(app) == before and trail(app, tokens) == []


def test_a_formula_cell_is_refused_and_nothing_is_written(app: Flask, tokens: dict[str, str],
                                                           tmp_path: Path) -> None:
    before = departments(app)
    result = run(app, tmp_path, "xlsx", [HEADER, WATER, ["重庆经开区管委会", FORMULA, "=A2", ""]])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.strip().startswith("第 3 行“地址”列：单元格是公式") for line in lines), lines
    assert any(line.strip().startswith("第 3 行“电话”列：单元格是公式（=A2）") for line in lines), lines
    assert departments(app) == before and trail(app, tokens) == []


@pytest.mark.parametrize("name, data, words", [
    ("offices.xlsx", b"PK\x03\x04 not really a workbook", "无法按 xlsx 格式读取此文件"),
    ("offices.csv", b"\xff\xfe\x00\x00", "无法按 csv 格式读取此文件"),
    ("offices.pdf", b"%PDF-1.7", "只能读取 .xlsx 或 .csv 文件，不能读取“offices.pdf”"),
    ("offices.csv", "\ufeff部门名称,电话\r\n".encode(), "文件中没有任何行"),
    ("offices.xlsm", b"PK\x03\x04", "文件“offices.xlsm”可能含有宏，不予接收"),
], ids=["broken-xlsx", "binary-csv", "pdf", "header-only", "macros"])
def test_a_file_that_cannot_be_read_is_refused(app: Flask, tokens: dict[str, str], tmp_path: Path, name: str,
                                              data: bytes, words: str) -> None:
    before = departments(app)
    path = tmp_path / name
    path.write_bytes(data)
    result = invoke(app, "offices", "import", str(path), "--reason", REASON)
    assert result.exit_code == 1 and words in result.output, result.output
    assert departments(app) == before and trail(app, tokens) == []


def _upload(client, kind: str, rows: list[list[object]], check_only: bool = False):
    page = client.get("/console/offices/")
    sheet = form(page, "/console/offices/import")
    sheet.fill(**{"sheet-reason": REASON, "sheet-check_only": "y" if check_only else None})
    data = {k: v[0] for k, v in sheet.values.items() if v}
    data["sheet-sheet"] = (io.BytesIO(MAKERS[kind](rows)), f"联系信息.{kind}")
    return client.post(sheet.action, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("kind", MAKERS)
def test_the_admin_uploads_a_sheet_on_the_offices_page(app: Flask, tokens: dict[str, str], kind: str) -> None:
    client = app.test_client()
    login(client, "admin")
    before = departments(app)
    checked = _upload(client, kind, [HEADER, WATER], check_only=True)
    assert checked.status_code == 200
    assert [li.get_text() for li in soup(checked).select("#sheet-report li")] == [
        "第 2 行“市水利局”：将更新地址、电话、办公时间", "只检查，未保存任何内容。"]
    assert departments(app) == before
    wrong = _upload(client, kind, [HEADER, WATER, ["市林业局", "", "电话待定", ""]])
    assert wrong.status_code == 422
    assert "第 3 行“电话”列：“电话待定”不是电话号码" in text(wrong)
    assert departments(app) == before and trail(app, tokens) == []
    done = _upload(client, kind, [HEADER, WATER])
    assert done.status_code == 303
    assert "第 2 行“市水利局”：已更新地址、电话、办公时间" in text(client.get(done.headers["Location"]))
    assert departments(app)["市水利局"]["phone"] == WATER[2]
    assert [e["reason"] for e in trail(app, tokens)] == [REASON]


def test_only_the_admin_may_upload(app: Flask) -> None:
    client = app.test_client()
    login(client, "zone")
    assert client.get("/console/offices/").status_code == 403
    resp = client.post("/console/offices/import", data={})
    assert resp.status_code in (400, 403)
