"""The annex's round trip (issue 18 item 4): export the annex of 渝府发〔2021〕13号 (its .xlsx as printed, or its CSV),
change one cell of one item as a spreadsheet program would (openpyxl, the csv module), and import the file as a new
decision whose rows count as 调整 (``--action``, ``action=``): the preview shows that one item updated with the
field before and after and every other item unchanged, the apply changes it (audited with the decision and the
reason), and importing the file again changes nothing. The sheet's title row names 13号, and is not the new
decision's.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from registry import db
from registry.models import AuditEntry
from registry.services.decision_files import XLSX_TYPE
from seed import parse_annex
from tests.conftest import cli, invoke
from tests.test_decisions import ROWS, audit_size, lineage_count, post, power_id, xlsx

OLD = parse_annex.DOC_NUMBER
NUMBER = "渝府发〔2027〕5号"
META = {"number": NUMBER, "title": "重庆市人民政府关于调整重庆经济技术开发区部分市级行政权力事项的决定",
        "date": "2027-03-01", "effective": "2027-04-01", "body": "重庆经开区管委会"}
ZERO = dict.fromkeys(("devolve", "entrust", "recall", "cancel", "suspend", "resume", "adjust", "unchanged",
                      "unmatched"), 0)
TYPE, LEVEL, NOTE = 3, 4, 6  # the annex's columns (序号 0 … 备注 6), in both exports
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": "text/csv"}
# Notes a spreadsheet would run as formulas: the exports neutralise them with a quote, the import reads them back.
HOSTILE = {5: '=HYPERLINK("http://example.com","点此")', 6: "'=引号在前", 7: "-2+3", 8: "@SUM(A1)"}
# (format, 序号, column, new value, the preview's changes)
EDITS = [
    ("xlsx", 38, TYPE, "行政确认", {"type": ["licensing", "confirmation"]}),
    ("xlsx", 75, LEVEL, "市级、区县级", {"level": ["city", "city_county"]}),  # merged over its two sub-items
    ("xlsx", 3, NOTE, "自2027年4月1日起由经开区实施。", {"note": [None, "自2027年4月1日起由经开区实施。"]}),
    ("xlsx", 73, NOTE, "部分下放。仅下放小(1)型和小(2)型水库的初步设计审批。",
     {"note": ["部分下放。仅下放小(1)型水库的初步设计审批。", "部分下放。仅下放小(1)型和小(2)型水库的初步设计审批。"],
      "devolved_part": ["小(1)型水库的初步设计审批", "小(1)型和小(2)型水库的初步设计审批"]}),
    ("csv", 75, LEVEL, "市级、区县级", {"level": ["city", "city_county"]}),  # both its rows, as the CSV repeats it
    ("csv", 101, NOTE, "", {"note": ["部分下放。仅下放建设项目临时使用林地审批(核)。", None], "partial": [True, False],
                            "devolved_part": ["建设项目临时使用林地审批(核)", None],
                            "retained_part": ["在森林和野生动物类型自然保护区建设审批(核)", None]}),
]


def edit_xlsx(data: bytes, seq: int, column: int, value: str) -> bytes:
    """The printed annex with one cell of item ``seq`` changed (a merged cell at the top of its range)."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == seq)
    row[column].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def edit_csv(data: bytes, seq: int, column: int, value: str, rows: slice = slice(None)) -> bytes:
    """The annex CSV with ``column`` of item ``seq`` changed on its rows (all of them by default)."""
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    for line in [line for line in lines if line[0] == str(seq)][rows]:
        line[column] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    return ("\ufeff" + out.getvalue()).encode()


EDIT = {"xlsx": edit_xlsx, "csv": edit_csv}


def export(client: FlaskClient, fmt: str) -> bytes:
    query = {"decision": OLD, **({"layout": "annex"} if fmt == "xlsx" else {})}
    resp = client.get(f"/api/v1/powers/export.{fmt}", query_string=query)
    assert resp.status_code == 200
    return resp.data


def make_hostile(client: FlaskClient, headers: dict[str, str]) -> None:
    for power, note in HOSTILE.items():
        etag = client.get(f"/api/v1/powers/{power}").headers["ETag"]
        resp = client.patch(f"/api/v1/powers/{power}", json={"note": note, "reason": "公式样的备注"},
                            headers={**headers, "If-Match": etag})
        assert resp.status_code == 200, resp.json


def changed(answer: dict[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
    return [(r["outcome"], r["seq"], r["changes"]) for r in answer["rows"] if r["outcome"] != "unchanged"]


def last_entry(app: Flask, power: int) -> AuditEntry:
    with app.app_context():
        return db.session(write=False).scalars(select(AuditEntry).where(AuditEntry.power_id == power)
                                                .order_by(AuditEntry.seq.desc())).first()


@pytest.mark.parametrize(("fmt", "seq", "column", "value", "changes"), EDITS,
                         ids=[f"{e[0]}-{e[1]}-{e[2]}" for e in EDITS])
def test_the_api_round_trip_changes_the_one_edited_item(app: Flask, client: FlaskClient, admin_headers, fmt: str,
                                                        seq: int, column: int, value: str,
                                                        changes: dict[str, Any]) -> None:
    make_hostile(client, admin_headers)
    body = EDIT[fmt](export(client, fmt), seq, column, value)
    before = audit_size(app), lineage_count(app)
    preview = post(client, admin_headers, body, CONTENT_TYPES[fmt], dry_run="true", action="adjust", **META)
    assert preview.status_code == 200, preview.json
    assert preview.json["summary"] == dict(ZERO, adjust=1, unchanged=102)
    assert changed(preview.json) == [("update", seq, changes)]
    assert preview.json["decision"] | {"id": None} == {
        "doc_number": NUMBER, "title": META["title"], "issuer": "", "issued_on": "2027-03-01",
        "effective_on": "2027-04-01", "body": "重庆经开区管委会", "annex_title": "附件(调整)", "format": fmt,
        "exists": False, "id": None}
    assert (audit_size(app), lineage_count(app)) == before
    applied = post(client, admin_headers, body, CONTENT_TYPES[fmt], reason="按决定调整", action="调整", **META)
    assert applied.status_code == 200 and applied.json["applied"], applied.json
    assert applied.json["summary"] == dict(ZERO, adjust=1, unchanged=102)
    power = power_id(app, seq, OLD)
    steps = client.get(f"/api/v1/powers/{power}").json["lineage"]
    assert [(s["decision"]["doc_number"], s["action"]["code"], s["effective_on"], s["changes"]) for s in steps][-1] == (
        NUMBER, "adjust", "2027-04-01", changes)
    entry = last_entry(app, power)
    assert (entry.action, entry.reason) == ("update", f"{NUMBER} 附件1 第{seq}项 调整：按决定调整")
    assert (audit_size(app), lineage_count(app)) == (before[0] + 2, before[1] + 1)  # the decision, the item
    size = audit_size(app), lineage_count(app)
    again = post(client, admin_headers, body, CONTENT_TYPES[fmt], reason="再次导入", action="adjust", **META)
    assert again.status_code == 200, again.json
    assert again.json["summary"] == dict(ZERO, unchanged=103) and not again.json["applied"]
    assert (audit_size(app), lineage_count(app)) == size
    assert "intact" in cli(app, "audit", "verify")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_export_reads_back_unchanged(module_app: Flask, refusals: FlaskClient, admin_headers, fmt: str) -> None:
    """Unedited, with the 下放 it was exported as: every item recorded as it stands (merged cells, sub-items,
    partial items read back equal), and with 调整: nothing to change."""
    body = export(refusals, fmt)
    devolve = post(refusals, admin_headers, body, CONTENT_TYPES[fmt], dry_run="true", **META).json
    assert devolve["summary"] == dict(ZERO, devolve=103), devolve
    assert {r["outcome"] for r in devolve["rows"]} == {"record"}
    assert next(r["sub_items"] for r in devolve["rows"] if r["seq"] == 75) == [
        "其他金属冶炼建设项目安全设施设计审查", "其他危险化学品生产、储存建设项目安全设施设计审查"]
    adjust = post(refusals, admin_headers, body, CONTENT_TYPES[fmt], dry_run="true", action="调整", **META).json
    assert adjust["summary"] == dict(ZERO, unchanged=103), adjust


def test_the_cli_round_trip(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "annex-print.xlsx"
    cli(app, "export", "--format", "xlsx", "--layout", "annex", "--decision", OLD, "--output", str(path))
    path.write_bytes(edit_xlsx(path.read_bytes(), 38, TYPE, "行政确认"))
    meta = [a for k, v in META.items() for a in (f"--{k}", v)]
    preview = json.loads(cli(app, "decision", "import", str(path), "--action", "调整", "--dry-run", "--json", *meta))
    assert preview["summary"] == dict(ZERO, adjust=1, unchanged=102)
    assert changed(preview) == [("update", 38, {"type": ["licensing", "confirmation"]})]
    out = cli(app, "decision", "import", str(path), "--action", "adjust", "--reason", "按决定调整", *meta)
    assert "第38项 调整 取水许可 [修改 -> 事项" in out and "adjust=1" in out and "applied" in out
    water = power_id(app, 38, OLD)
    entry = last_entry(app, water)
    assert (entry.action, entry.reason) == ("update", f"{NUMBER} 附件1 第38项 调整：按决定调整")
    size = audit_size(app), lineage_count(app)
    again = json.loads(cli(app, "decision", "import", str(path), "--action", "调整", "--reason", "再次", "--json",
                           *meta))
    assert again["summary"] == dict(ZERO, unchanged=103) and not again["applied"]
    assert (audit_size(app), lineage_count(app)) == size


@pytest.mark.parametrize("value", ["撤回", "", "adjustment"])
def test_an_unknown_action_is_refused_by_the_cli(module_app: Flask, tmp_path: Path, value: str) -> None:
    path = tmp_path / "annex.xlsx"
    path.write_bytes(xlsx(ROWS))
    result = invoke(module_app, "decision", "import", str(path), "--dry-run", "--action", value)
    assert result.exit_code == 2
    assert f"{value!r} is no 调整类型: one of 下放 (devolve)、委托 (entrust)" in result.output


@pytest.mark.parametrize("value", ["撤回", "adjustment"])
def test_an_unknown_action_is_refused_by_the_api(module_app: Flask, refusals: FlaskClient, admin_headers,
                                                 value: str) -> None:
    resp = post(refusals, admin_headers, xlsx(ROWS), XLSX_TYPE, dry_run="true", action=value, **META)
    assert resp.status_code == 422, resp.json
    assert "must be one of: devolve, 下放" in json.dumps(resp.json["errors"], ensure_ascii=False)


# (the sheet's title row, the 文号 it is imported as, the annex title it gives)
TITLES = [
    (f"{OLD} 附件:向重庆经开区下放的市级行政权力事项清单", NUMBER, "附件(下放)"),  # another decision's export
    (f"{OLD}附件", NUMBER, "附件(下放)"),
    (f"{NUMBER} 附件:调整的市级行政权力事项清单", NUMBER, "调整的市级行政权力事项清单"),  # its own export
    (f"{NUMBER}附件", NUMBER, f"{NUMBER}附件"),
    ("向重庆经开区下放的市级行政权力事项清单", NUMBER, "向重庆经开区下放的市级行政权力事项清单"),
]


@pytest.mark.parametrize(("title", "number", "annex_title"), TITLES)
def test_the_title_row_names_the_annex_never_the_decision(refusals: FlaskClient, admin_headers, title: str,
                                                          number: str, annex_title: str) -> None:
    devolved = [r for r in ROWS if r[0] == "下放"]
    resp = post(refusals, admin_headers, xlsx(devolved, title=[title]), XLSX_TYPE, dry_run="true",
                **dict(META, number=number))
    assert resp.status_code == 200, resp.json
    assert (resp.json["decision"]["doc_number"], resp.json["decision"]["annex_title"]) == (number, annex_title)
    assert {r["annex_title"] for r in resp.json["rows"]} == {annex_title}


def test_an_item_repeated_over_its_rows_must_agree(refusals: FlaskClient, admin_headers) -> None:
    """The CSV repeats an item's cells on each sub-item's row: one row changed alone is named, not guessed at."""
    body = edit_csv(export(refusals, "csv"), 75, LEVEL, "市级、区县级", rows=slice(0, 1))
    resp = post(refusals, admin_headers, body, "text/csv", dry_run="true", action="adjust", **META)
    assert resp.status_code == 422 and resp.json["code"] == "decision_file.rows_invalid", resp.json
    assert resp.json["errors"] == {"row 77": [
        "行使层级: 市级 is not 市级、区县级 as on row 76, the same item"]}
