"""Service guides from a sheet, on every backend: `registry guides import` and the admin's upload page read .xlsx
(never evaluating a formula) and .csv, match rows by 序号 or 事项名称, name every wrong cell by row and Chinese
column, and write all or nothing, one audit entry per changed guide."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import bearer, invoke
from tests.pages import form, login, soup, text
from tests.test_api_guides import BASIC, CREDIT
from tests.test_imports_grid import workbook

HEADER = ["序号", "事项名称", "基本编码", "实施编码", "申请材料", "法定办结时限（工作日）", "承诺办结时限（工作日）",
          "是否收费", "收费依据", "咨询电话", "在线办理"]
GOOD = [
    [38, "取水许可", BASIC, f"{CREDIT}4{BASIC}", "取水许可申请书\n建设项目水资源论证报告书", 20, 10, "否", None,
     "023-0000-0001", "https://zwfw.cq.gov.cn/38"],
    [None, "生产建设项目水土保持方案审批", None, None, "初步设计报告", 20, 20, "否", None, None, None],
]


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    return workbook([header, *rows])


def csv_bytes(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def run(app: Flask, path: Path, *args: str):
    return invoke(app, "guides", "import", str(path), *args)


def guide(app: Flask, power_id: int) -> FlaskClient:
    return app.test_client().get(f"/api/v1/powers/{power_id}/guide")


def power_named(app: Flask, name: str) -> int:
    items = app.test_client().get("/api/v1/powers", query_string={"q": name, "per_page": 5}).json["items"]
    return next(p["id"] for p in items if p["name"] == name)


def trail(app: Flask, tokens: dict[str, str]) -> list[dict]:
    return app.test_client().get("/api/v1/audit", query_string={"entity_type": "service_guide"},
                                 headers=bearer(tokens["auditor"])).json["items"]


@pytest.mark.parametrize(("suffix", "make"), [(".xlsx", xlsx), (".csv", csv_bytes)])
def test_a_sheet_sets_the_guides_of_its_rows(app: Flask, tokens: dict[str, str], tmp_path: Path, suffix: str,
                                             make) -> None:
    path = tmp_path / f"guides{suffix}"
    path.write_bytes(make(GOOD))
    dry = run(app, path, "--dry-run", "--reason", "核对")
    assert dry.exit_code == 0, dry.output
    assert "would make 2 new, 0 changed" in dry.output
    assert guide(app, 38).status_code == 404 and trail(app, tokens) == []
    done = run(app, path, "--reason", "导入区县办事指南")
    assert done.exit_code == 0, done.output
    assert "made 2 new, 0 changed, 0 unchanged" in done.output
    water = guide(app, 38).json
    assert water["materials"] == ["取水许可申请书", "建设项目水资源论证报告书"]
    assert (water["legal_time_limit_days"], water["promised_time_limit_days"]) == (20, 10)
    assert (water["fee"], water["consult_phone"]) == ({"charged": False, "basis": None}, "023-0000-0001")
    by_name = guide(app, power_named(app, "生产建设项目水土保持方案审批")).json
    assert by_name["materials"] == ["初步设计报告"] and by_name["basic_code"] is None
    entries = trail(app, tokens)
    assert len(entries) == 2 and {e["reason"] for e in entries} == {"导入区县办事指南"}
    again = run(app, path, "--reason", "再导入一次")
    assert "made 0 new, 0 changed, 2 unchanged" in again.output and len(trail(app, tokens)) == 2
    # each guide replays against its entry
    verified = invoke(app, "audit", "verify")
    assert verified.exit_code == 0 and "intact" in verified.output, verified.output


def test_only_the_sheets_columns_change(app: Flask, admin_headers: dict[str, str], tmp_path: Path) -> None:
    resp = app.test_client().patch("/api/v1/powers/38/guide", headers=admin_headers,
                                   json={"result": "取水许可证", "hours": "工作日", "reason": "公布"})
    assert resp.status_code == 200
    path = tmp_path / "g.xlsx"
    path.write_bytes(xlsx([[38, "取水许可证（电子证照）", None]], ["序号", "办理结果", "办理时间"]))
    assert run(app, path, "--reason", "更新").exit_code == 0
    body = guide(app, 38).json
    assert (body["result"], body["hours"], body["basic_code"]) == ("取水许可证（电子证照）", None, None)


OTHER = "生产建设项目水土保持方案审批"  # 序号 41; the good row before each bad one, matched by name
# (columns after 序号 and 事项名称, the good row's cells, the bad row, the cell named)
BAD = [
    (["基本编码"], [BASIC], [38, "取水许可", "12345"], "第3行 基本编码"),
    (["法定办结时限", "承诺办结时限"], [20, 10], [38, "取水许可", 5, 8], "第3行 承诺办结时限"),
    (["法定办结时限（工作日）"], [20], [38, "取水许可", "二十"], "第3行 法定办结时限"),
    (["在线办理"], ["https://zwfw.cq.gov.cn/41"], [38, "取水许可", "ftp://x.org"], "第3行 在线办理"),
    (["是否收费"], ["否"], [38, "取水许可", "也许"], "第3行 是否收费"),
    (["是否收费"], ["否"], [38, "取水许可", "是"], "第3行 收费依据"),
    (["是否收费"], ["否"], [9999, None, "否"], "第3行 序号"),
    (["是否收费"], ["否"], ["三十八", None, "否"], "第3行 序号"),
    (["是否收费"], ["否"], [38, "林木采伐许可", "否"], "第3行 事项名称"),
    (["是否收费"], ["否"], [None, "没有这个事项", "否"], "第3行 事项名称"),
    (["是否收费"], ["否"], [None, None, "否"], "第3行 序号/事项名称"),
    (["是否收费"], ["否"], [None, OTHER, "是"], "第3行 事项名称"),  # the same item as row 2
    (["备注"], ["无"], [38, "取水许可", "无"], "表头"),
]


@pytest.mark.parametrize(("columns", "good", "bad", "named"), BAD, ids=[f"{n}-{b[3]}" for n, b in enumerate(BAD)])
def test_a_wrong_cell_is_named_and_nothing_is_written(app: Flask, tokens: dict[str, str], tmp_path: Path,
                                                     columns: list[str], good: list[Any], bad: list[Any],
                                                     named: str) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx([[None, OTHER, *good], bad], ["序号", "事项名称", *columns]))
    result = run(app, path, "--reason", "导入")
    assert result.exit_code == 1
    assert f"\n  {named}: " in result.output
    assert trail(app, tokens) == []
    assert guide(app, 41).status_code == 404 and guide(app, 38).status_code == 404


def test_a_formula_cell_is_refused_not_evaluated(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "formula.xlsx"
    path.write_bytes(xlsx([[38, "=10+10"]], ["序号", "法定办结时限"]))
    result = run(app, path, "--reason", "导入")
    assert result.exit_code == 1 and "第2行 法定办结时限: a formula (=10+10) is not read" in result.output
    csv_path = tmp_path / "formula.csv"
    csv_path.write_bytes(csv_bytes([[38, '=HYPERLINK("http://x","y")']], ["序号", "办理结果"]))
    assert "第2行 办理结果: a formula" in run(app, csv_path, "--reason", "导入").output
    assert guide(app, 38).status_code == 404


@pytest.mark.parametrize(("name", "content", "says"), [
    ("big.csv", b"a" * (2 * 1024 * 1024 + 1), "larger than 2048 KiB"),
    ("g.xlsx", b"not a zip", "cannot read the file as .xlsx"),
    ("g.ods", b"x", "cannot read a .ods file"),
    ("g.xlsm", b"x", "cannot read a .xlsm workbook, which may hold macros"),
    ("empty.csv", "序号,办理结果\n".encode(), "no rows"),
])
def test_a_file_that_cannot_be_read_is_refused(app: Flask, tmp_path: Path, name: str, content: bytes,
                                               says: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run(app, path, "--reason", "导入")
    assert result.exit_code == 1 and says in result.output


def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, "admin")
    return client


def upload(client: FlaskClient, data: bytes, action: str, filename: str = "guides.xlsx", reason: str = "导入"):
    page = client.get("/console/guides/import")
    token = form(page, "/console/guides/import").values["csrf_token"][0]
    return client.post("/console/guides/import", content_type="multipart/form-data", data={
        "csrf_token": token, "reason": reason, "action": action, "sheet": (io.BytesIO(data), filename)})


def test_the_admin_previews_then_imports_a_sheet(app: Flask, tokens: dict[str, str]) -> None:
    client = admin(app)
    data = xlsx(GOOD)
    preview = upload(client, data, "preview")
    assert preview.status_code == 200
    rows = [[td.get_text(strip=True) for td in tr.find_all("td")]
            for tr in soup(preview).find(id="preview").find_parent().select("tbody tr")]
    assert rows[0][:4] == ["2", "38", "取水许可", "新建"] and "申请材料" in rows[0][4]
    assert guide(app, 38).status_code == 404
    done = upload(client, data, "import")
    assert done.status_code == 303
    assert "新建 2 份" in text(client.get(done.headers["Location"]))
    assert guide(app, 38).json["basic_code"] == BASIC and len(trail(app, tokens)) == 2


def test_the_upload_page_lists_each_wrong_cell_in_chinese(app: Flask, tokens: dict[str, str]) -> None:
    client = admin(app)
    resp = upload(client, xlsx([GOOD[0], [9999, None, "123"]]), "import")
    assert resp.status_code == 422
    cells = {tr.th.get_text(strip=True): tr.td.get_text(strip=True)
             for tr in soup(resp).find(id="wrong-cells").find_parent().select("tbody tr")}
    assert cells == {"第3行 序号": "没有序号为 9999 的事项", "第3行 基本编码": "基本编码应为 12 位数字，“123”不是"}
    assert "有 1 行有误，未导入任何办事指南" in text(resp)
    assert guide(app, 38).status_code == 404 and trail(app, tokens) == []


@pytest.mark.parametrize("key", ["water", "zone", "auditor"])
def test_only_the_admin_imports(app: Flask, key: str) -> None:
    client = app.test_client()
    login(client, key)
    assert client.get("/console/guides/import").status_code == 403


def test_a_sheet_larger_than_a_form_is_taken_up_to_its_own_limit(app: Flask) -> None:
    """The app refuses bodies over 64 KiB; the sheet upload takes up to the sheet's limit, and no more."""
    client = admin(app)
    rows = [[seq, None, "依" * 3000] for seq in range(1, 41)]
    data = csv_bytes(rows, ["序号", "事项名称", "设定依据"])
    assert len(data) > 300 * 1024
    preview = upload(client, data, "preview", "guides.csv")
    assert preview.status_code == 200 and "将新建 40 份" in text(preview)
    assert upload(client, b"x" * (3 * 1024 * 1024), "preview", "guides.csv").status_code == 413
