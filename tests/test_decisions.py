"""Decisions over time: a decision file (its page as text or HTML, its annex as .xlsx or .csv) previewed and applied
through `registry decision import` and POST /api/v1/decisions/imports; each item's lineage on its API answer.

The second decision (tests/fixtures/decision_2027_1.txt, 渝府发〔2027〕1号) is test data made for these tests, not
a published decision: annex 1 devolves three new items, annex 2 recalls two items of 13号 (取水许可, and item 75
with its two sub-items), in force from 2027-01-01.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from registry import db
from registry.db import migrate
from registry.models import AuditEntry, DecisionAction, Power
from registry.services.decision_files import XLSX_TYPE
from seed import parse_annex
from tests.conftest import cli, dispose, invoke, make_app

PAGE = (Path(__file__).parent / "fixtures" / "decision_2027_1.txt").read_text(encoding="utf-8")
NUMBER = "渝府发〔2027〕1号"
SHEET_META = {"number": NUMBER, "title": "重庆市人民政府关于调整重庆经济技术开发区市级行政权力事项的决定",
              "date": "2026-11-20", "effective": "2027-01-01", "body": "重庆经开区管委会"}
TITLE_ROW = ["渝府发〔2027〕1号附件"]
HEADER = ["调整类型", "序号", "事项名称", "子项名称", "事项类型", "行使层级", "市级指导(实施)部门(单位)", "备  注"]
# The annex layout as staff type it: continuation rows leave 调整类型, 序号 and 事项名称 (merged cells) empty.
ROWS = [
    ["下放", 1, "房屋建筑工程施工图设计文件审查备案", "", "行政许可", "市级", "市住房城乡建委", ""],
    ["下放", 2, "对违反统计法律法规行为的处罚", "对统计调查对象违法行为的处罚", "行政处罚", "市级、区县级", "市统计局",
     ""],
    [None, None, None, "对统计机构和统计人员违法行为的处罚", None, None, None, ""],
    ["下放", 3, "林木采伐许可证核发", "", "行政许可", "市级、区县级", "市林业局",
     "部分下放。仅下放商品林采伐许可证核发。"],
    ["收回", 1, "取水许可", "", "行政许可", "市级、区县级", "市水利局", ""],
    ["收回", 2, "矿山、金属冶炼建设项目和用于生产、储存危险物品的建设项目的安全设施设计审查",
     "其他金属冶炼建设项目安全设施设计审查", "行政许可", "市级", "市应急局", ""],
    [None, None, None, "其他危险化学品生产、储存建设项目安全设施设计审查", None, None, None, ""],
]
SUMMARY = {"devolve": 3, "entrust": 0, "recall": 2, "cancel": 0, "suspend": 0, "resume": 0, "adjust": 0,
           "unchanged": 0, "unmatched": 0}
RECALLED = {38: "取水许可", 75: "矿山、金属冶炼建设项目和用于生产、储存危险物品的建设项目的安全设施设计审查"}


def xlsx(rows: list[list[Any]], *, merged: bool = True, title: list[str] | None = TITLE_ROW) -> bytes:
    """The annex as a workbook: a title row over the header, 调整类型/序号/事项名称 merged down over sub-item rows."""
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append(title)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    if merged:
        top = len(title or []) + 2  # the first data row
        for i, row in enumerate(rows):
            if row[1] is None:
                for column in (1, 2, 3, 5, 6, 7):
                    sheet.merge_cells(start_row=top + i - 1, start_column=column, end_row=top + i, end_column=column)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join("" if c is None else str(c) for c in row) for row in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def html(text: str) -> bytes:
    """The page as a web page lays it out: paragraphs, and each annex as a table."""
    lines = text.split("\n")
    out, i = ["<html><head><title>决定</title><style>p{}</style></head><body>"], 0
    while i < len(lines):
        if lines[i] == "序号":  # a table: header cells, then rows in the cell layout
            cells, j = [], i
            while j < len(lines) and not lines[j].startswith(("附件", "来源")):
                if lines[j]:
                    cells.append(lines[j])
                    j += 2
                else:
                    cells.append("")
                    j += 1
            out.append("<table>")
            out.append("<tr>" + "".join(f"<th>{c}</th>" for c in cells[:7]) + "</tr>")
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells[8:]) + "</tr>")  # [7]: the blank line
            out.append("</table>")
            i = j
            continue
        if lines[i]:
            out.append(f"<p>{lines[i]}</p>")
        i += 1
    return "\n".join(out + ["</body></html>"]).encode("utf-8")


FILES = {
    "text": (PAGE.encode("utf-8"), "text/plain; charset=utf-8", {}),
    "xlsx": (xlsx(ROWS), XLSX_TYPE, SHEET_META),
    "csv": (csv_bytes(ROWS), "text/csv", SHEET_META),
}


def post(client: FlaskClient, headers: dict[str, str], payload: bytes, content_type: str, /, **query: Any):
    return client.post("/api/v1/decisions/imports", data=payload, query_string=query,
                       headers={**headers, "Content-Type": content_type})


def audit_size(app: Flask) -> int:
    with app.app_context():
        return db.session(write=False).scalar(select(func.count(AuditEntry.seq)))


def lineage_count(app: Flask) -> int:
    with app.app_context():
        return db.session(write=False).scalar(select(func.count(DecisionAction.id)))


def power_id(app: Flask, seq: int, doc_number: str = parse_annex.DOC_NUMBER) -> int:
    with app.app_context():
        return next(p.id for p in db.session(write=False).scalars(select(Power).where(Power.seq == seq))
                    if p.decision.doc_number == doc_number)


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_preview_counts_and_matches_without_writing(app: Flask, client: FlaskClient, admin_headers, fmt: str) -> None:
    body, content_type, meta = FILES[fmt]
    before = audit_size(app), lineage_count(app)
    resp = post(client, admin_headers, body, content_type, dry_run="true", **meta)
    assert resp.status_code == 200, resp.json
    assert resp.json["summary"] == SUMMARY
    assert resp.json["decision"]["doc_number"] == NUMBER and resp.json["decision"]["effective_on"] == "2027-01-01"
    assert resp.json["applied"] is False
    rows = resp.json["rows"]
    assert [r["outcome"] for r in rows] == ["create"] * 3 + ["retire"] * 2
    assert {r["power"]["seq"]: r["power"]["name"] for r in rows if r["power"]} == RECALLED
    assert rows[1]["sub_items"] == ["对统计调查对象违法行为的处罚", "对统计机构和统计人员违法行为的处罚"]
    assert (audit_size(app), lineage_count(app)) == before


def test_the_html_page_previews_as_the_text(client: FlaskClient, admin_headers) -> None:
    from_text = post(client, admin_headers, PAGE.encode(), "text/plain", dry_run="true").json
    from_html = post(client, admin_headers, html(PAGE), "text/html", dry_run="true").json
    assert from_html["summary"] == SUMMARY
    assert [(r["name"], r["sub_items"], r["power"]) for r in from_html["rows"]] == [
        (r["name"], r["sub_items"], r["power"]) for r in from_text["rows"]]


def test_apply_writes_lineage_and_a_second_import_changes_nothing(app: Flask, client: FlaskClient,
                                                                   admin_headers) -> None:
    water = power_id(app, 38)
    resp = post(client, admin_headers, PAGE.encode(), "text/plain", reason="市政府决定调整")
    assert resp.status_code == 200, resp.json
    assert resp.json["applied"] is True and resp.json["summary"] == SUMMARY
    answer = client.get(f"/api/v1/powers/{water}").json
    assert answer["retired"] is False  # the row stays; its lineage says the zone holds it until 2027-01-01
    assert [(step["decision"]["doc_number"], step["action"]["code"], step["effective_on"], step["body"]["name"])
            for step in answer["lineage"]] == [
        (parse_annex.DOC_NUMBER, "devolve", "2021-04-30", "重庆经开区管委会"),
        (NUMBER, "recall", "2027-01-01", "重庆经开区管委会")]
    new = client.get("/api/v1/powers", query_string={"decision": NUMBER, "on": "2027-01-01"}).json
    assert [(p["seq"], p["name"], p["partial"], p["devolved_part"]) for p in new["items"]] == [
        (1, "房屋建筑工程施工图设计文件审查备案", False, None), (2, "对违反统计法律法规行为的处罚", False, None),
        (3, "林木采伐许可证核发", True, "商品林采伐许可证核发")]
    lineage = client.get(f"/api/v1/powers/{new['items'][0]['id']}").json["lineage"]
    assert [(s["action"]["label"], s["annex"], s["seq"]) for s in lineage] == [("下放", 1, 1)]
    with app.app_context():
        entries = list(db.session(write=False).scalars(select(AuditEntry).where(AuditEntry.power_id == water)
                                                       .order_by(AuditEntry.seq.desc())))
    assert [(e.entity_type, e.action, e.reason) for e in entries[:2]] == [
        ("power", "decision", f"{NUMBER} 附件2 第1项 收回：市政府决定调整"),
        ("handover", "decision", f"{NUMBER} 附件2 第1项 收回：市政府决定调整")]
    size = audit_size(app), lineage_count(app)
    for fmt in sorted(FILES):
        body, content_type, meta = FILES[fmt]
        again = post(client, admin_headers, body, content_type, reason="再次导入", **meta)
        assert again.status_code == 200, again.json
        assert again.json["summary"] == dict(SUMMARY, devolve=0, recall=0, unchanged=5)
        assert (audit_size(app), lineage_count(app)) == size
    assert "intact" in cli(app, "audit", "verify")


def test_the_cli_previews_as_json_and_applies(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "annex.xlsx"
    path.write_bytes(FILES["xlsx"][0])
    meta = [a for k, v in SHEET_META.items() for a in (f"--{k}", v)]
    preview = json.loads(cli(app, "decision", "import", str(path), "--dry-run", "--json", *meta))
    assert set(preview) >= {"decision", "summary", "rows"} and preview["summary"] == SUMMARY
    assert lineage_count(app) == 103
    out = cli(app, "decision", "import", str(path), "--reason", "市政府决定调整", *meta)
    assert "applied" in out and lineage_count(app) == 108


def test_our_source_imports_as_the_seed_loads_it(databases, tmp_path: Path) -> None:
    """Into an empty registry the source page gives today's registry; onto the seeded one it changes nothing."""
    empty = make_app(databases.empty())
    seeded = make_app(databases.seeded())
    try:
        cli(empty, "init-db")
        source = str(parse_annex.SOURCE)
        out = cli(empty, "decision", "import", source, "--reason", "载入", "--add-departments", "--json")
        assert json.loads(out)["summary"]["devolve"] == 103
        again = json.loads(cli(seeded, "decision", "import", source, "--reason", "再次", "--json"))
        assert again["summary"]["unchanged"] == 103 and not again["applied"]

        def registry(app: Flask) -> list[tuple]:
            with app.app_context():
                return [(p.decision.doc_number, p.seq, p.name, p.sub_items, p.type, p.level, p.department.name,
                         p.note, p.partial, p.devolved_part, p.retained_part, p.retired,
                         [(a.action, a.effective_on, a.body.name) for a in p.lineage])
                        for p in db.session(write=False).scalars(select(Power).order_by(Power.seq))]

        assert registry(empty) == registry(seeded)
        assert "intact" in cli(empty, "audit", "verify")
    finally:
        dispose(empty)
        dispose(seeded)


def test_an_upgraded_registry_gets_its_lineage(databases) -> None:
    """Migration 0014 gives every item of a registry seeded before it its 下放 by 13号; verify stays intact."""
    url = databases.seeded()
    migrate.downgrade(url, "0012")
    migrate.upgrade(url)
    app = make_app(url)
    try:
        assert lineage_count(app) == 103
        with app.app_context():
            first = db.session(write=False).scalars(select(DecisionAction).order_by(DecisionAction.id)).first()
            assert (first.action, first.annex, first.seq, first.effective_on.isoformat(), first.backfilled) == (
                "devolve", 1, 1, "2021-04-30", True)
        assert "intact" in cli(app, "audit", "verify")
        assert "0 power(s)" in cli(app, "seed") and lineage_count(app) == 103
    finally:
        dispose(app)


def _break(old: str, new: str) -> bytes:
    assert old in PAGE
    return PAGE.replace(old, new, 1).encode("utf-8")


def _formula_xlsx() -> bytes:
    rows = [list(r) for r in ROWS]
    rows[0][2] = "=A1&B1"
    return xlsx(rows)


def _title_formula_xlsx() -> bytes:
    return xlsx(ROWS, merged=False, title=["=NOW()"])


def _macro_xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx(ROWS)), "r") as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"macro")
    return out.getvalue()


def _csv(row: int, column: int, value: Any) -> bytes:
    rows = [list(r) for r in ROWS]
    rows[row][column] = value
    return csv_bytes(rows)


BAD = [
    # (body, content type, query, status, code, where, words in the message)
    (b"hello", "text/plain", {}, 422, "decision_file.layout", "file", "no decision"),
    (b"%PDF-1.4", "application/pdf", {}, 422, "decision_file.format", "file", "unknown format"),
    (xlsx(ROWS), XLSX_TYPE, {"filename": "annex.xlsm", **SHEET_META}, 422, "decision_file.macros", "file", "macros"),
    (_macro_xlsx(), XLSX_TYPE, SHEET_META, 422, "decision_file.macros", "file", "macros"),
    (_formula_xlsx(), XLSX_TYPE, SHEET_META, 422, "decision_file.rows_invalid", "row 3", "事项名称"),
    (_title_formula_xlsx(), XLSX_TYPE, SHEET_META, 422, "decision_file.rows_invalid", "row 1", "第1列"),
    (_csv(0, 2, "=HYPERLINK(1)"), "text/csv", SHEET_META, 422, "decision_file.rows_invalid", "row 2", "事项名称"),
    (_csv(0, 4, "行政审批"), "text/csv", SHEET_META, 422, "decision_file.rows_invalid", "row 2", "事项类型"),
    (_csv(3, 5, "区县级"), "text/csv", SHEET_META, 422, "decision_file.rows_invalid", "row 5", "行使层级"),
    (_csv(4, 0, "撤回"), "text/csv", SHEET_META, 422, "decision_file.rows_invalid", "row 6", "调整类型"),
    (_csv(0, 6, "市消防局"), "text/csv", SHEET_META, 422, "decision_file.rows_invalid", "row 2",
     "市级指导(实施)部门(单位)"),
    (csv_bytes(ROWS + [["下放", 4, "林木采伐许可证核发", "", "行政许可", "市级、区县级", "市林业局", ""]]), "text/csv",
     SHEET_META, 422, "decision_file.rows_invalid", "row 9", "row 5"),
    (_csv(4, 2, "不存在的事项"), "text/csv", SHEET_META, 422, "decision.blocked", "row 6", "不存在的事项"),
    (csv_bytes(ROWS), "text/csv", {k: v for k, v in SHEET_META.items() if k != "date"}, 422,
     "decision.meta_required", "date", "发文日期"),
    (PAGE.encode(), "text/plain", {"date": "2026-11-21"}, 422, "decision.date_not_in_text", "date", "2026-11-20"),
    (_break("2026年11月20日", "2026年11月"), "text/plain", {}, 422, "decision_file.layout", "file",
     "issue date is not given"),
    (_break("\n行政处罚\n", "\n行政处分\n"), "text/plain", {}, 422, "decision_file.layout", "file", "事项类型"),
    (_break("重庆经开区收回的市级行政权力事项清单\n\n\n", "重庆经开区的市级行政权力事项清单\n\n\n"), "text/plain", {},
     422, "decision_file.layout", "file", "not found"),
]


@pytest.mark.parametrize(("body", "content_type", "query", "status", "code", "where", "words"), BAD,
                         ids=[f"{b[4]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_refused_by_row_and_column_and_writes_nothing(
        module_app: Flask, refusals: FlaskClient, admin_headers, body: bytes, content_type: str,
        query: dict[str, str], status: int, code: str, where: str, words: str) -> None:
    before = audit_size(module_app), lineage_count(module_app)
    resp = post(refusals, admin_headers, body, content_type, reason="试导入", **query)
    assert resp.status_code == status, resp.json
    problem = resp.json
    assert problem["errors"][where], problem
    assert any(words in m or words in problem["detail"] for m in problem["errors"][where]), problem
    assert problem["code"] == code, problem
    assert (audit_size(module_app), lineage_count(module_app)) == before


def test_a_file_over_the_limit_is_refused(databases, admin_headers) -> None:
    app = make_app(databases.seeded(), decision_file_max_bytes=1000)
    try:
        resp = post(app.test_client(), admin_headers, PAGE.encode(), "text/plain", dry_run="true")
        assert resp.status_code == 413 and resp.json["code"] == "decision_file.too_large", resp.json
    finally:
        dispose(app)


@pytest.mark.parametrize("who", ["zone", "water", "auditor"])
def test_only_the_admin_imports(refusals: FlaskClient, as_role, who: str) -> None:
    resp = post(refusals, as_role(who), PAGE.encode(), "text/plain", dry_run="true")
    assert resp.status_code == 403


def test_the_cli_names_the_wrong_row(module_app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "annex.csv"
    path.write_bytes(_csv(0, 4, "行政审批"))
    meta = [a for k, v in SHEET_META.items() for a in (f"--{k}", v)]
    result = invoke(module_app, "decision", "import", str(path), "--reason", "x", *meta)
    assert result.exit_code == 1 and "row 2: 事项类型: unknown value 行政审批" in result.output


MIXED = [
    ["委托", 1, "建设工程竣工验收备案", "", "其他行政权力", "市级", "市住房城乡建委", ""],
    ["取消", 1, "对政府采购供应商违法行为的处罚", "", "行政处罚", "市级、区县级", "市财政局", ""],
    ["暂停实施", 1, "对集中采购机构及其工作人员违法行为的处罚", "", "行政处罚", "市级、区县级", "市财政局", ""],
    ["调整", 1, "统计调查权", "", "其他行政权力", "市级", "市统计局", ""],
    ["调整", 2, "对政府采购评审专家违法行为的处罚", "", "行政处罚", "市级、区县级", "市财政局", ""],
]


def test_every_action_and_another_zone_are_data(app: Flask, client: FlaskClient, admin_headers) -> None:
    """委托 creates, 取消 takes the item out of the list from its date, 暂停 records, 调整 changes the fields
    that differ (or nothing), for a receiving body the registry did not know (重庆高新区管委会, created with
    add_departments), then 恢复 records again."""
    meta = dict(SHEET_META, number="渝府发〔2099〕7号", body="重庆高新区管委会")
    resp = post(client, admin_headers, csv_bytes(MIXED), "text/csv", reason="测试", add_departments="true", **meta)
    assert resp.status_code == 200, resp.json
    assert resp.json["new_departments"] == ["重庆高新区管委会"]
    assert resp.json["summary"] == dict(SUMMARY, devolve=0, recall=0, entrust=1, cancel=1, suspend=1, adjust=1,
                                        unchanged=1)
    assert [(r["outcome"], r["changes"]) for r in resp.json["rows"]] == [
        ("create", {}), ("retire", {}), ("record", {}), ("update", {"level": ["city_county", "city"]}),
        ("unchanged", {})]
    adjusted = client.get(f"/api/v1/powers/{power_id(app, 99)}").json
    assert adjusted["level"]["label"] == "市级"
    assert [(s["action"]["code"], s["body"]["name"], s["changes"]) for s in adjusted["lineage"]][1:] == [
        ("adjust", "重庆高新区管委会", {"level": ["city_county", "city"]})]
    cancelled = client.get(f"/api/v1/powers/{power_id(app, 1)}/handler", query_string={"on": "2027-01-01"}).json
    assert cancelled["standing"]["standing"]["code"] == "cancelled" and cancelled["status"]["code"] == "recalled"
    resume = [["恢复", 1, "对集中采购机构及其工作人员违法行为的处罚", "", "行政处罚", "市级、区县级", "市财政局", ""]]
    again = post(client, admin_headers, csv_bytes(resume), "text/csv", reason="恢复实施",
                 **dict(meta, number="渝府发〔2099〕8号"))
    assert again.status_code == 200 and again.json["summary"]["resume"] == 1, again.json
    steps = client.get(f"/api/v1/powers/{power_id(app, 2)}").json["lineage"]
    assert [s["action"]["label"] for s in steps] == ["下放", "暂停", "恢复"]
    assert "intact" in cli(app, "audit", "verify")


def test_the_same_decision_again_leaves_an_item_edited_since_alone(app: Flask, client: FlaskClient,
                                                                   admin_headers) -> None:
    water = power_id(app, 38)
    current = client.get(f"/api/v1/powers/{water}")
    edited = client.patch(f"/api/v1/powers/{water}", json={"name": "取水许可(改)", "reason": "更正"},
                          headers={**admin_headers, "If-Match": current.headers["ETag"]})
    assert edited.status_code == 200, edited.json
    again = post(client, admin_headers, parse_annex.SOURCE.read_bytes(), "text/plain", reason="再次导入")
    assert again.status_code == 200 and again.json["summary"]["unchanged"] == 103, again.json["summary"]
    assert client.get(f"/api/v1/powers/{water}").json["name"] == "取水许可(改)"


def test_the_reason_may_come_as_a_header_and_is_required(app: Flask, client: FlaskClient, admin_headers) -> None:
    missing = post(client, admin_headers, PAGE.encode(), "text/plain")
    assert missing.status_code == 422 and missing.json["code"] == "decision.reason_required"
    assert lineage_count(app) == 103
    resp = client.post("/api/v1/decisions/imports", data=PAGE.encode(), headers={
        **admin_headers, "Content-Type": "text/plain", "X-Registry-Reason": quote("按决定调整")})
    assert resp.status_code == 200 and resp.json["applied"], resp.json
    with app.app_context():
        reasons = set(db.session(write=False).scalars(select(AuditEntry.reason).where(
            AuditEntry.reason.like(f"{NUMBER}%"))))
    assert reasons == {f"{NUMBER} 附件{a} 第{s}项 {act}：按决定调整" for a, act, n in ((1, "下放", 3), (2, "收回", 2))
                       for s in range(1, n + 1)}
