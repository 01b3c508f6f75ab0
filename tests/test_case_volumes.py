"""Case volumes (办件量) on every backend: a sheet through `registry volumes import` and rows through
POST /api/v1/case-volumes, all or nothing, each wrong cell named; a month imported again replaces the figures and
the trail shows them before and after; only the zone and the admin record; the public figures add up."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from registry import db
from registry.domain.choices import ExerciseLevel, PowerType
from registry.models import AuditEntry, CaseVolume, Decision, Power
from registry.services.case_volumes import current_month
from tests.conftest import bearer, cli, invoke
from tests.handover_steps import drive, fix_terms
from tests.test_office_contacts import csv_bytes, xlsx  # the same sheets: a header row and rows

HEADER = ["序号", "事项名称", "月份", "受理量", "办结量", "按时办结量", "承接部门"]
ZONE = "重庆经开区管委会"  # the seed's zone office, department 7
ZONE_ID = 7
WATER, FORESTRY = 38, 100  # 取水许可 of 市水利局; a partial item of 市林业局
REASON = "2026年上半年政务服务系统导出"
GOOD = [38, "取水许可", "2026-01", 12, 10, 9, ZONE]
FIRST_LINE = "第 2 行 取水许可（重庆经开区管委会，2026-01）：新增（受理 12，办结 10，按时办结 9）"


MAKERS = {"xlsx": xlsx, "csv": csv_bytes}


def run(app: Flask, tmp_path: Path, rows: list[list[object]], *extra: str, kind: str = "xlsx"):
    path = tmp_path / f"volumes.{kind}"
    path.write_bytes(MAKERS[kind]([HEADER, *rows]))
    return invoke(app, "volumes", "import", str(path), "--reason", REASON, *extra)


def stored(app: Flask) -> list[tuple]:
    with app.app_context():
        return [(v.power_id, v.office_id, v.month, v.accepted, v.completed, v.on_time, v.version)
                for v in db.session(write=False).scalars(select(CaseVolume).order_by(CaseVolume.id))]


def audit_size(app: Flask) -> int:
    with app.app_context():
        return db.session(write=False).scalar(select(func.count(AuditEntry.seq)))


def volume_trail(app: Flask, tokens: dict[str, str]) -> list[dict]:
    query = {"entity_type": "case_volume", "per_page": 200}
    resp = app.test_client().get("/api/v1/audit", query_string=query, headers=bearer(tokens["auditor"]))
    assert resp.status_code == 200, resp.json
    return sorted(resp.json["items"], key=lambda e: e["seq"])


def verified(app: Flask) -> None:
    assert cli(app, "audit", "verify").startswith("intact: ")


@pytest.mark.parametrize("kind", MAKERS)
def test_a_sheet_records_each_month_audited(app: Flask, tokens: dict[str, str], tmp_path: Path, kind: str) -> None:
    # A month typed into a spreadsheet becomes the first day of it: read as that month.
    rows = [GOOD, ["", "取水许可", datetime(2026, 2, 1), 5, 5, "", ZONE], [100, "", "2026-02", 0, 0, 0, ZONE]]
    result = run(app, tmp_path, rows, kind=kind)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == FIRST_LINE
    assert stored(app) == [(38, 7, "2026-01", 12, 10, 9, 1), (38, 7, "2026-02", 5, 5, None, 1),
                           (100, 7, "2026-02", 0, 0, 0, 1)]
    trail = volume_trail(app, tokens)
    assert [(e["action"], e["reason"], e["power_id"]) for e in trail] == [
        ("create", REASON, 38), ("create", REASON, 38), ("create", REASON, 100)]
    verified(app)


def test_a_dry_run_checks_and_writes_nothing(app: Flask, tmp_path: Path) -> None:
    size = audit_size(app)
    result = run(app, tmp_path, [GOOD], "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [FIRST_LINE, "（试运行：未写入任何内容）"]
    assert (stored(app), audit_size(app)) == ([], size)


# Each wrong row, after a good one, and the cell it names: 第 3 行 and the column, in the console's words.
@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        pytest.param([999, "", "2026-01", 1, 1, "", ZONE], "序号", "现行决定中没有序号为 999 的事项",
                     id="unknown-seq"),
        pytest.param(["", "没有这个事项", "2026-01", 1, 1, "", ZONE], "事项名称", "没有名为“没有这个事项”的事项",
                     id="unknown-name"),
        pytest.param([38, "林木采伐许可", "2026-01", 1, 1, "", ZONE], "事项名称",
                     "序号 38 的事项是“取水许可”，与所填名称不符", id="name-not-the-seqs"),
        pytest.param(["", "", "2026-01", 1, 1, "", ZONE], "序号/事项名称", "未填写序号或事项名称", id="no-item"),
        pytest.param([38, "", "2026-13", 1, 1, "", ZONE], "月份", "月份应写作“年-月”（如 2027-01），不能是“2026-13”",
                     id="month-13"),
        pytest.param([38, "", "2026年1月", 1, 1, "", ZONE], "月份",
                     "月份应写作“年-月”（如 2027-01），不能是“2026年1月”", id="month-in-words"),
        pytest.param([38, "", "2999-01", 1, 1, "", ZONE], "月份", "2999-01 尚未到来（北京时间本月为 {this_month}）",
                     id="month-to-come"),
        pytest.param([38, "", "2026-03", 3, 4, "", ZONE], "办结量", "办结量 4 大于受理量 3",
                     id="completed-over-accepted"),
        pytest.param([38, "", "2026-03", 5, 4, 5, ZONE], "按时办结量", "按时办结量 5 大于办结量 4",
                     id="on-time-over-completed"),
        pytest.param([38, "", "2026-03", -1, 0, "", ZONE], "受理量", "不能为负数（-1）", id="negative"),
        pytest.param([38, "", "2026-03", "3.5", 1, "", ZONE], "受理量", "应为整数，“3.5”不是", id="not-whole"),
        pytest.param([38, "", "2026-03", "", 1, "", ZONE], "受理量", "必填", id="accepted-missing"),
        pytest.param([38, "", "2026-03", "=1+2", 1, "", ZONE], "受理量", "单元格是公式（=1+2），请填写数值本身",
                     id="formula"),
        pytest.param([38, "", "2026-03", 1, 1, "", "某某局"], "承接部门", "没有名为“某某局”的承接部门",
                     id="unknown-office"),
        pytest.param([38, "", "2026-03", 1, 1, "", "市水利局"], "承接部门", "“市水利局”不是经开区承接机构",
                     id="city-office"),
        pytest.param([38, "", "2026-03", 1, 1, "", ""], "承接部门", "事项尚未确定承接部门，请填写承接部门",
                     id="no-office-yet"),
        pytest.param(GOOD, "月份", "与第 2 行是同一事项、承接部门和月份", id="twice"),
    ],
)
def test_a_wrong_cell_is_named_and_nothing_is_written(app: Flask, tmp_path: Path, row: list, column: str,
                                                      words: str) -> None:
    size = audit_size(app)
    result = run(app, tmp_path, [GOOD, row])  # the good row first: all or nothing
    assert result.exit_code != 0
    lines = result.output.splitlines()
    assert lines[0] == "Error: 有 1 行有误，未写入任何办件量"
    assert f"  第 3 行“{column}”：{words.format(this_month=current_month())}" in lines, lines
    assert (stored(app), audit_size(app)) == ([], size)


def test_a_header_without_its_columns_is_refused(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "volumes.csv"
    path.write_bytes(csv_bytes([["月份", "受理量", "经办人"], ["2026-01", "3", "张三"]]))
    result = invoke(app, "volumes", "import", str(path), "--reason", REASON)
    assert result.exit_code != 0
    assert result.output.splitlines()[1:] == [
        "  第 1 行“经办人”：表头有不认识的列“经办人”",
        "  第 1 行：表头须有“序号”或“事项名称”列；表头缺少“办结量”列",
    ]
    assert stored(app) == []


def test_the_item_defaults_to_its_handovers_office(app: Flask, tokens: dict[str, str], tmp_path: Path) -> None:
    fix_terms(app.test_client(), tokens, WATER, ZONE_ID)
    result = run(app, tmp_path, [[38, "", "2026-04", 2, 1, "", ""]])
    assert result.exit_code == 0, result.output
    assert stored(app) == [(38, ZONE_ID, "2026-04", 2, 1, None, 1)]


def test_importing_a_month_again_replaces_it_and_the_trail_shows_the_change(app: Flask, tokens: dict[str, str],
                                                                            tmp_path: Path) -> None:
    assert run(app, tmp_path, [GOOD]).exit_code == 0
    again = run(app, tmp_path, [[38, "", "2026-01", 15, 12, "", ZONE]])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines() == ["第 2 行 取水许可（重庆经开区管委会，2026-01）：更新（受理 15，办结 12）"]
    assert stored(app) == [(38, 7, "2026-01", 15, 12, None, 2)]
    update = volume_trail(app, tokens)[-1]
    assert (update["action"], update["reason"]) == ("update", REASON)
    changes = {c["field"]: (c["label"], c["before"], c["after"]) for c in update["diff"]}
    assert changes == {"accepted": ("受理量", 12, 15), "completed": ("办结量", 10, 12),
                       "on_time": ("按时办结量", 9, None), "version": ("版本", 1, 2)}
    # The same figures again change nothing and add nothing to the trail.
    same = run(app, tmp_path, [[38, "", "2026-01", 15, 12, "", ZONE]])
    assert same.output.splitlines() == ["第 2 行 取水许可（重庆经开区管委会，2026-01）：无变化（受理 15，办结 12）"]
    assert len(volume_trail(app, tokens)) == 2
    verified(app)


def post(app: Flask, token: str | None, rows: list[dict], reason: str = REASON):
    headers = bearer(token) if token else {}
    return app.test_client().post("/api/v1/case-volumes", json={"reason": reason, "rows": rows}, headers=headers)


def row(**values: object) -> dict:
    return {"power": WATER, "office": ZONE_ID, "month": "2026-01", "accepted": 12, "completed": 10, "on_time": 9,
            **values}


@pytest.mark.parametrize(
    ("rows", "places"),
    [
        pytest.param([row(power=99999)], ["rows.0.power"], id="unknown-power"),
        pytest.param([row(), row(month="2026-02", office=99999)], ["rows.1.office"], id="unknown-office"),
        pytest.param([row(office=1)], ["rows.0.office"], id="city-department"),
        pytest.param([row(month="2026-1")], ["rows.0.month"], id="month-format"),
        pytest.param([row(month="2999-12")], ["rows.0.month"], id="month-to-come"),
        pytest.param([row(accepted=-2, completed=0, on_time=None)], ["rows.0.accepted"], id="negative"),
        pytest.param([row(completed=13)], ["rows.0.completed"], id="completed-over-accepted"),
        pytest.param([row(on_time=11)], ["rows.0.on_time"], id="on-time-over-completed"),
        pytest.param([row(), row(accepted=1, completed=1, on_time=None)], ["rows.1.month"], id="twice"),
        pytest.param([row(power=FORESTRY, office=None)], ["rows.0.office"], id="no-office-yet"),
    ],
)
def test_posted_rows_are_refused_field_by_field(app: Flask, tokens: dict[str, str], rows: list[dict],
                                                places: list[str]) -> None:
    size = audit_size(app)
    resp = post(app, tokens["zone"], rows)
    assert (resp.status_code, resp.mimetype) == (422, "application/problem+json"), resp.json
    assert (resp.json["code"], sorted(resp.json["errors"])) == ("volume.rows_invalid", places)
    assert (stored(app), audit_size(app)) == ([], size)


@pytest.mark.parametrize(
    ("caller", "status"),
    [("anonymous", 401), ("auditor", 403), ("water", 403), ("forestry", 403), ("zone", 200), ("admin", 200)],
)
def test_only_the_zone_and_the_admin_record(app: Flask, tokens: dict[str, str], caller: str, status: int) -> None:
    resp = post(app, tokens.get(caller), [row()])
    assert resp.status_code == status, resp.json
    assert stored(app) == ([(38, 7, "2026-01", 12, 10, 9, 1)] if status == 200 else [])
    listed = app.test_client().get("/api/v1/case-volumes", headers=bearer(tokens[caller]) if caller in tokens else {})
    assert listed.status_code == (401 if caller == "anonymous" else 200)


def test_posting_replaces_a_month_checked_against_its_version(app: Flask, tokens: dict[str, str]) -> None:
    first = post(app, tokens["zone"], [row()])
    assert [(o["row"], o["action"], o["volume"]["version"]) for o in first.json] == [(0, "create", 1)]
    stale = post(app, tokens["zone"], [row(accepted=20, version=2)])
    assert (stale.status_code, stale.json["code"]) == (412, "volume.stale")
    replaced = post(app, tokens["admin"], [row(accepted=20, version=1)])
    assert [(o["action"], o["volume"]["accepted"], o["volume"]["version"]) for o in replaced.json] == [
        ("update", 20, 2)]
    listed = app.test_client().get("/api/v1/case-volumes", query_string={"power": WATER, "from": "2026-01",
                                                                         "to": "2026-01"},
                                   headers=bearer(tokens["water"])).json
    assert [(v["month"], v["office"]["name"], v["accepted"]) for v in listed] == [("2026-01", ZONE, 20)]
    verified(app)


# Figures over two items, three months and a month outside the period asked for.
FIGURES = [
    {"power": WATER, "month": "2026-01", "accepted": 12, "completed": 10, "on_time": 9},
    {"power": WATER, "month": "2026-03", "accepted": 7, "completed": 7, "on_time": None},
    {"power": FORESTRY, "month": "2026-01", "accepted": 4, "completed": 3, "on_time": 3},
    {"power": FORESTRY, "month": "2026-02", "accepted": 1, "completed": 0, "on_time": 0},
    {"power": WATER, "month": "2025-12", "accepted": 99, "completed": 99, "on_time": 99},  # before the period
]
PERIOD = {"from": "2026-01", "to": "2026-04"}


def expected_sums(rows: list[dict]) -> dict:
    on_time = [r["on_time"] for r in rows if r["on_time"] is not None]
    return {"accepted": sum(r["accepted"] for r in rows), "completed": sum(r["completed"] for r in rows),
            "on_time": sum(on_time) if on_time else None}


def in_period(rows: list[dict]) -> list[dict]:
    return [r for r in rows if PERIOD["from"] <= r["month"] <= PERIOD["to"]]


def test_the_public_figures_are_the_sums_of_what_was_recorded(app: Flask, tokens: dict[str, str]) -> None:
    assert post(app, tokens["zone"], [{**r, "office": ZONE_ID} for r in FIGURES]).status_code == 200
    resp = app.test_client().get("/api/v1/stats/volumes", query_string=PERIOD)
    assert resp.status_code == 200, resp.json
    stats, rows = resp.json, in_period(FIGURES)
    assert (stats["from"], stats["to"]) == ("2026-01", "2026-04")
    assert stats["total"] == expected_sums(rows)
    assert {i["power"]: {k: i[k] for k in ("accepted", "completed", "on_time")} for i in stats["by_item"]} == {
        p: expected_sums([r for r in rows if r["power"] == p]) for p in (WATER, FORESTRY)}
    by_department = {d["department"]["name"]: d for d in stats["by_department"]}
    assert sorted(by_department) == ["市林业局", "市水利局"]
    assert by_department["市水利局"]["accepted"] == sum(r["accepted"] for r in rows if r["power"] == WATER)
    assert [(m["month"], m["accepted"], m["completed"]) for m in stats["by_month"]] == [
        (month, sum(r["accepted"] for r in rows if r["month"] == month),
         sum(r["completed"] for r in rows if r["month"] == month)) for month in ("2026-01", "2026-02", "2026-03",
                                                                                  "2026-04")]
    assert ZONE not in resp.get_data(as_text=True)  # sums only: not who reported them
    sheet = app.test_client().get("/api/v1/stats/volumes.xlsx", query_string=PERIOD)
    book = load_workbook(io.BytesIO(sheet.data))
    assert book.sheetnames == ["说明", "按事项", "按部门", "按月份", "零办件事项"]
    assert [c.coordinate for ws in book for r in ws.iter_rows() for c in r if c.data_type == "f"] == []
    items = [list(r) for r in book["按事项"].iter_rows(values_only=True)]
    assert items[0] == ["序号", "事项名称", "市级指导(实施)部门(单位)", "受理量", "办结量", "按时办结量"]
    assert [r[3:] for r in items[1:]] == [[i["accepted"], i["completed"], i["on_time"]] for i in stats["by_item"]]
    months = [list(r) for r in book["按月份"].iter_rows(values_only=True)]
    assert months[0] == ["月份", "受理量", "办结量", "按时办结量"]
    assert [r[:3] for r in months[1:]] == [[m["month"], m["accepted"], m["completed"]] for m in stats["by_month"]]
    notes = dict(r for r in book["说明"].iter_rows(values_only=True))
    assert (notes["统计期间"], notes["受理量合计"]) == ("2026-01 至 2026-04", stats["total"]["accepted"])


@pytest.mark.parametrize(
    ("query", "status"),
    [({"from": "2026-05", "to": "2026-01"}, 422), ({"from": "2026-5", "to": "2026-06"}, 422), ({}, 422),
     ({"from": "2016-07", "to": "2026-07"}, 422), ({"from": "2016-08", "to": "2026-07"}, 200),
     ({"from": "2026-01", "to": "2026-01"}, 200)],
)
def test_the_period_is_two_months_in_order_ten_years_at_most(reader, query: dict, status: int) -> None:
    resp = reader.get("/api/v1/stats/volumes", query_string=query)
    assert resp.status_code == status, resp.json
    if status == 200:
        assert resp.json["by_month"][0]["month"] == query["from"]
        assert resp.json["by_month"][-1]["month"] == query["to"]


def test_items_in_use_with_no_case_in_the_period_are_listed(app: Flask, tokens: dict[str, str]) -> None:
    client = app.test_client()
    drive(client, tokens, WATER, "operating", ZONE_ID)
    drive(client, tokens, FORESTRY, "handed_over", ZONE_ID)
    # 取水许可 had cases only before the period, and none in it (a zero row is no case).
    rows = [{**row(), "month": "2025-12"}, {**row(), "month": "2026-02", "accepted": 0, "completed": 0,
                                            "on_time": 0}, {**row(), "power": FORESTRY, "month": "2026-03"}]
    assert post(app, tokens["zone"], rows).status_code == 200
    idle = client.get("/api/v1/stats/volumes", query_string=PERIOD).json["idle"]
    assert [(i["power"], i["name"], i["department"]["name"]) for i in idle] == [(WATER, "取水许可", "市水利局")]
    # A period holding 2025-12 counts it: nothing idle then.
    assert client.get("/api/v1/stats/volumes", query_string={"from": "2025-12", "to": "2026-04"}).json["idle"] == []
    verified(app)


def test_figures_changed_outside_the_registry_fail_verification(app: Flask, tokens: dict[str, str]) -> None:
    assert post(app, tokens["zone"], [row()]).status_code == 200
    verified(app)
    with app.extensions["registry.engine"].begin() as conn:
        conn.execute(text("UPDATE case_volume SET accepted = 99"))
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1 and "case_volume" in result.output, result.output


def second_decision_with_a_38(app: Flask) -> int:
    """A later decision (written straight to the tables: only 序号 matters here) that lists its own item 38."""
    with app.app_context():
        session = db.session()
        decision = Decision(doc_number="渝府发〔2027〕1号", title="测试决定", issuer="重庆市人民政府",
                            issued_on=date(2026, 6, 1), recipient="重庆经开区管委会", zone_body=ZONE,
                            annex_title="附件", body="", source_ref="test")
        power = Power(decision=decision, seq=38, name="另一决定的第38项", type=PowerType.LICENSING,
                      level=ExerciseLevel.CITY, department_id=1, partial=False)
        session.add_all([decision, power])
        session.commit()
        return power.id


@pytest.mark.parametrize(
    ("item", "outcome"),
    [
        pytest.param([38, ""], "  第 2 行“序号”：序号为 38 的事项有 2 个，请同时填写事项名称", id="seq-alone"),
        pytest.param([38, "取水许可"], WATER, id="seq-and-name"),
        pytest.param([38, "另一决定的第38项"], "new", id="seq-and-the-other-name"),
        pytest.param([38, "林木采伐许可"],
                     "  第 2 行“事项名称”：序号 38 的事项是“取水许可、另一决定的第38项”，与所填名称不符",
                     id="seq-and-neither-name"),
    ],
)
def test_a_seq_two_decisions_use_needs_the_name(app: Flask, tmp_path: Path, item: list, outcome: object) -> None:
    other = second_decision_with_a_38(app)
    result = run(app, tmp_path, [[*item, "2026-01", 1, 1, "", ZONE]])
    if isinstance(outcome, str) and outcome != "new":
        assert result.exit_code != 0 and outcome in result.output.splitlines(), result.output
        assert stored(app) == []
    else:
        assert result.exit_code == 0, result.output
        assert [v[0] for v in stored(app)] == [other if outcome == "new" else outcome]
