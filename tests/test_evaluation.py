"""Evaluation (评估) over HTTP, on every backend: the period's figures are the sums of the case volumes recorded
(and the rectifications open at its end); the flags are computed (no case for 12 months while in operation, never
evaluated, on-time share down more than 10 points); the zone or the admin records a conclusion, a second one for
the same period updates it with If-Match; everything is audited and the trail stays intact."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from registry.services import evaluation as evaluation_service
from registry.services.decision_files import XLSX_TYPE
from seed import parse_annex
from tests.conftest import bearer, cli
from tests.handover_steps import drive, ok
from tests.test_decisions import audit_size

WATER, FORESTRY, ZONE_ID = 38, 100, 7  # 取水许可 of 市水利局; an item of 市林业局; the zone office
TODAY = date(2026, 12, 3)
# 2025 and 2026 for both items: WATER has had no case since 2025-11 (a month of zeros in 2026); FORESTRY finished
# on time less in 2026 (4 of the 5 completed that reported it, 80%) than in 2025 (100%).
VOLUMES = [
    {"power": WATER, "month": "2025-03", "accepted": 10, "completed": 10, "on_time": 9},
    {"power": WATER, "month": "2025-11", "accepted": 5, "completed": 0, "on_time": None},
    {"power": WATER, "month": "2026-05", "accepted": 0, "completed": 0, "on_time": 0},
    {"power": FORESTRY, "month": "2025-06", "accepted": 4, "completed": 4, "on_time": 4},
    {"power": FORESTRY, "month": "2026-01", "accepted": 4, "completed": 3, "on_time": 3},
    {"power": FORESTRY, "month": "2026-02", "accepted": 6, "completed": 6, "on_time": None},
    {"power": FORESTRY, "month": "2026-07", "accepted": 2, "completed": 2, "on_time": 1},
]


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluation_service, "today_in_china", lambda: TODAY)


def record_volumes(client: FlaskClient, tokens: dict[str, str]) -> None:
    resp = client.post("/api/v1/case-volumes", headers=bearer(tokens["zone"]),
                       json={"reason": "评估测试", "rows": [{**v, "office": ZONE_ID} for v in VOLUMES]})
    assert resp.status_code == 200, resp.json


# Each period's months, written out here (the periods of the test: none runs past TODAY's month).
MONTHS = {"2025": [f"2025-{m:02d}" for m in range(1, 13)], "2026": [f"2026-{m:02d}" for m in range(1, 13)],
          "2026-H1": [f"2026-{m:02d}" for m in range(1, 7)], "2026-H2": [f"2026-{m:02d}" for m in range(7, 13)],
          "2026-Q3": ["2026-07", "2026-08", "2026-09"]}


def expected_figures(power: int, period: str) -> dict:
    """The figures computed here from VOLUMES, not by the registry's code."""
    rows = [v for v in VOLUMES if v["power"] == power and v["month"] in MONTHS[period]]
    reported = [v for v in rows if v["on_time"] is not None]
    completed = sum(v["completed"] for v in reported)
    share = round(1000 * sum(v["on_time"] for v in reported) / completed) if completed else None
    busy = {v["month"] for v in rows if v["accepted"] > 0}
    return {"accepted": sum(v["accepted"] for v in rows), "completed": sum(v["completed"] for v in rows),
            "on_time_permille": share, "idle_months": len(MONTHS[period]) - len(busy)}


def stats(client: FlaskClient, tokens: dict[str, str], period: str = "2026") -> dict:
    resp = client.get("/api/v1/stats/evaluation", query_string={"period": period}, headers=bearer(tokens["auditor"]))
    assert resp.status_code == 200, resp.json
    return resp.json


def evaluate(client: FlaskClient, who: str | None, tokens: dict[str, str], power: int = WATER,
             if_match: str | None = None, **body):
    headers = {**(bearer(tokens[who]) if who else {}), **({"If-Match": if_match} if if_match else {})}
    return client.post(f"/api/v1/powers/{power}/evaluations", headers=headers,
                       json={"period": "2026", "conclusion": "keep", "reason": "办件正常", **body})


@pytest.mark.parametrize(("power", "period"), [(WATER, "2026"), (FORESTRY, "2026"), (WATER, "2025"),
                                               (FORESTRY, "2025"), (FORESTRY, "2026-H1"), (FORESTRY, "2026-H2"),
                                               (WATER, "2026-H1"), (FORESTRY, "2026-Q3")])
def test_the_figures_are_the_sums_of_the_volumes(client: FlaskClient, tokens: dict[str, str], power: int,
                                                 period: str) -> None:
    record_volumes(client, tokens)
    lines = {line["power"]["id"]: line for line in stats(client, tokens, period)["items"]}
    assert lines[power]["figures"] == {**expected_figures(power, period), "open_rectifications": 0}


def test_an_evaluation_copies_the_figures_and_the_open_rectifications(client: FlaskClient,
                                                                      tokens: dict[str, str]) -> None:
    record_volumes(client, tokens)
    resp = client.post(f"/api/v1/powers/{WATER}/supervision", headers=bearer(tokens["water"]),
                       json={"held_on": "2026-09-30", "kind": "inspection", "findings": "告知不全",
                             "rectification": {"requirement": "一次性告知", "days": 5}})
    assert resp.status_code == 201, resp.json
    created = evaluate(client, "zone", tokens, conclusion="adjust", reason="按时办结率下降")
    assert created.status_code == 201, created.json
    assert created.json["figures"] == {**expected_figures(WATER, "2026"), "open_rectifications": 1}
    assert (created.json["period_start"], created.json["period_end"]) == ("2026-01-01", "2026-12-31")
    assert created.json["conclusion"] == {"code": "adjust", "label": "调整"}
    assert created.json["evaluated_by"] == "经开区甲"
    # The 2025 period saw no rectification yet: it was recorded in 2026.
    assert evaluate(client, "zone", tokens, period="2025").json["figures"]["open_rectifications"] == 0


@pytest.mark.parametrize(("power", "flags"), [
    (WATER, ["no_cases", "never_evaluated"]),  # operating, no case accepted since 2025-11
    (FORESTRY, ["never_evaluated", "on_time_dropped"]),  # handed over, cases in 2026, on time 100% -> 80%
])
def test_the_flags_are_computed(client: FlaskClient, tokens: dict[str, str], power: int, flags: list[str]) -> None:
    drive(client, tokens, WATER, "operating", ZONE_ID)
    drive(client, tokens, FORESTRY, "handed_over", ZONE_ID)
    record_volumes(client, tokens)
    lines = {line["power"]["id"]: line for line in stats(client, tokens)["items"]}
    assert [f["code"] for f in lines[power]["flags"]] == flags
    assert evaluate(client, "zone", tokens, power=power).status_code == 201
    lines = {line["power"]["id"]: line for line in stats(client, tokens)["items"]}
    assert [f["code"] for f in lines[power]["flags"]] == [f for f in flags if f != "never_evaluated"]
    assert lines[power]["conclusion"] == {"code": "keep", "label": "保留"}


def test_a_second_evaluation_of_the_period_updates_it_with_if_match(app: Flask, client: FlaskClient,
                                                                      tokens: dict[str, str]) -> None:
    first = evaluate(client, "zone", tokens)
    assert first.status_code == 201, first.json
    etag = first.headers["ETag"]
    steps = [  # (who, If-Match, body, status, code)
        ("zone", None, {"conclusion": "propose_recall"}, 428, "if_match.missing"),
        ("zone", '"7"', {"conclusion": "propose_recall"}, 412, "evaluation.stale"),
        ("admin", etag, {"conclusion": "建议收回", "reason": "全年无办件"}, 200, None),
        ("admin", etag, {"conclusion": "keep"}, 412, "evaluation.stale"),  # the ETag moved on
    ]
    for who, if_match, body, status, code in steps:
        resp = evaluate(client, who, tokens, if_match=if_match, **body)
        assert resp.status_code == status, (body, resp.json)
        assert code is None or resp.json["code"] == code
    listed = client.get(f"/api/v1/powers/{WATER}/evaluations", headers=bearer(tokens["water"])).json
    assert [(e["conclusion"]["code"], e["reason"], e["evaluated_by"], e["version"]) for e in listed] == [
        ("propose_recall", "全年无办件", "管理员甲", 2)]
    counts = {c["code"]: c["count"] for c in stats(client, tokens)["conclusions"]}
    assert counts == {"keep": 0, "adjust": 0, "propose_recall": 1}
    trail = client.get("/api/v1/audit", headers=bearer(tokens["auditor"]),
                       query_string={"entity_type": "evaluation", "per_page": 50}).json["items"]
    update = next(e for e in trail if e["action"] == "update")
    changes = {d["field"]: (d["label"], d["before"], d["after"]) for d in update["diff"]}
    assert changes["conclusion"][0] == "评估结论"
    assert changes["reason"] == ("理由", "办件正常", "全年无办件")
    assert {e["action"] for e in trail} == {"create", "update"}
    assert cli(app, "audit", "verify").startswith("intact:")


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"period": "2026年"}, "period", "evaluation.period_invalid"),
    ({"period": "2027"}, "period", "evaluation.period_not_ended"),
    ({"reason": "  "}, "reason", None),  # refused by the schema: blank text
])
def test_a_wrong_evaluation_is_refused(client: FlaskClient, tokens: dict[str, str], body: dict, field: str,
                                       code: str | None) -> None:
    resp = evaluate(client, "admin", tokens, **body)
    assert resp.status_code == 422, resp.json
    assert (resp.json.get("code"), list(resp.json["errors"])) == (code, [field]), resp.json


@pytest.mark.parametrize(("who", "method", "path", "status"), [
    (None, "post", f"/api/v1/powers/{WATER}/evaluations", 401),
    (None, "get", f"/api/v1/powers/{WATER}/evaluations", 401),
    (None, "get", "/api/v1/stats/evaluation?period=2026", 401),
    ("water", "post", f"/api/v1/powers/{WATER}/evaluations", 403),  # a department, even on its own item
    ("auditor", "post", f"/api/v1/powers/{WATER}/evaluations", 403),
    ("water", "get", f"/api/v1/powers/{WATER}/evaluations", 200),
    ("auditor", "get", "/api/v1/stats/evaluation?period=2026", 200),
    ("admin", "post", f"/api/v1/powers/{WATER}/evaluations", 201),
    ("zone", "post", f"/api/v1/powers/{WATER}/evaluations", 201),
])
def test_who_may_evaluate_and_read(client: FlaskClient, tokens: dict[str, str], who: str | None, method: str,
                                   path: str, status: int) -> None:
    headers = bearer(tokens[who]) if who else {}
    body = {"period": "2026", "conclusion": "keep", "reason": "办件正常"} if method == "post" else None
    resp = getattr(client, method)(path, headers=headers, json=body)
    assert resp.status_code == status, resp.json


DRAFT = {"number": "渝府发〔2027〕9号", "title": "重庆市人民政府关于调整重庆经济技术开发区部分市级行政权力事项的决定",
         "date": "2027-03-01", "effective": "2027-04-01", "body": "重庆经开区管委会"}
KEPT = 3  # another item, concluded 保留: not a proposal


def test_the_proposals_sheet_previews_in_the_decision_import(app: Flask, client: FlaskClient,
                                                             tokens: dict[str, str]) -> None:
    for power, conclusion in ((WATER, "建议收回"), (FORESTRY, "adjust"), (KEPT, "keep")):
        assert evaluate(client, "zone", tokens, power=power, conclusion=conclusion).status_code == 201
    resp = client.get("/api/v1/stats/evaluation/proposals.xlsx", query_string={"period": "2026"},
                      headers=bearer(tokens["auditor"]))
    assert resp.status_code == 200, resp.json
    sheet = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert (rows[0][0], [str(r) for r in sheet.merged_cells.ranges]) == ("2026年度评估 调整建议", ["A1:H1"])
    assert rows[1] == ["调整类型", "序号", "事项名称", "子项名称", "事项类型", "行使层级", "市级指导(实施)部门(单位)",
                       "备 \u2002注"]
    names = {p: client.get(f"/api/v1/powers/{p}").json for p in (WATER, FORESTRY)}
    assert [(r[0], r[1], r[2]) for r in rows[2:]] == [
        ("收回", names[WATER]["seq"], names[WATER]["name"]),
        *[("调整", names[FORESTRY]["seq"], names[FORESTRY]["name"])] * max(1, len(names[FORESTRY]["sub_items"]))]
    before = audit_size(app)
    preview = client.post("/api/v1/decisions/imports", data=resp.data, query_string={"dry_run": "true", **DRAFT},
                          headers={**bearer(tokens["admin"]), "Content-Type": XLSX_TYPE})
    assert preview.status_code == 200, preview.json
    summary = {k: n for k, n in preview.json["summary"].items() if n}
    assert summary == {"recall": 1, "unchanged": 1}, preview.json["summary"]
    assert audit_size(app) == before  # a preview writes nothing


def test_the_leadership_sheet_holds_the_overview(client: FlaskClient, tokens: dict[str, str]) -> None:
    drive(client, tokens, WATER, "operating", ZONE_ID)
    record_volumes(client, tokens)
    assert evaluate(client, "zone", tokens, conclusion="adjust", reason="=HYPERLINK(\"x\") 受理量低").status_code == 201
    assert client.get("/api/v1/stats/evaluation.xlsx", query_string={"period": "2026"}).status_code == 401
    resp = client.get("/api/v1/stats/evaluation.xlsx", query_string={"period": "2026"},
                      headers=bearer(tokens["auditor"]))
    assert resp.status_code == 200, resp.json
    assert resp.headers["Content-Disposition"].endswith("evaluation-2026.xlsx")
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["说明", "评估结论", "提示", "按事项"]
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    api = stats(client, tokens)
    assert sheets["评估结论"][1:] == [[c["label"], c["count"]] for c in api["conclusions"]] + [
        ["未评估", sum(1 for line in api["items"] if line["conclusion"] is None)]]
    header, *rows = sheets["按事项"]
    assert header[:10] == ["序号", "事项名称", "市级指导(实施)部门(单位)", "受理量", "办结量", "按时办结率",
                           "期末未整改问题数", "无办件月数", "提示", "评估结论"]
    assert [(r[0], r[3], r[4], r[7], r[9]) for r in rows] == [
        (line["power"]["seq"], line["figures"]["accepted"], line["figures"]["completed"],
         line["figures"]["idle_months"], line["conclusion"]["label"] if line["conclusion"] else "未评估")
        for line in api["items"]]
    water = next(r for r in rows if r[1] == "取水许可")
    assert (water[10], water[11]) == ("'=HYPERLINK(\"x\") 受理量低", "经开区甲")  # never a formula
    assert sheets["说明"][2][0] == "生成时间（北京时间）"


def test_the_public_summary_counts_only(client: FlaskClient, tokens: dict[str, str]) -> None:
    drive(client, tokens, WATER, "operating", ZONE_ID)
    assert evaluate(client, "zone", tokens, conclusion="propose_recall", reason="SECRET-MARKER 理由").status_code == 201
    resp = client.get("/api/v1/stats/evaluation/summary", query_string={"period": "2026"})
    assert resp.status_code == 200, resp.json
    assert set(resp.json) == {"period", "period_start", "period_end", "counted", "evaluated", "conclusions", "flags"}
    assert {c["code"]: c["count"] for c in resp.json["conclusions"]} == {
        "keep": 0, "adjust": 0, "propose_recall": 1, "not_evaluated": 0}
    assert "SECRET-MARKER" not in resp.get_data(as_text=True)
    refused = client.get("/api/v1/stats/evaluation/summary", query_string={"period": "二〇二六"})
    assert (refused.status_code, list(refused.json["errors"])) == (422, ["period"])


SUSPEND = "调整类型,序号,事项名称,子项名称,事项类型,行使层级,市级指导(实施)部门(单位),备  注"


def test_a_suspended_item_is_neither_idle_nor_flagged(client: FlaskClient, tokens: dict[str, str]) -> None:
    """An item in operation whose devolution a decision suspends is not run: not listed as idle in the case
    volumes, not flagged as idle or never evaluated, whatever its handover says."""
    drive(client, tokens, WATER, "operating", ZONE_ID)

    def held() -> tuple[list[int], list[str] | None]:
        idle = client.get("/api/v1/stats/volumes", query_string={"from": "2026-01", "to": "2026-11"}).json["idle"]
        lines = {line["power"]["id"]: line for line in stats(client, tokens)["items"]}
        return ([p["power"] for p in idle if p["power"] == WATER],
                [f["code"] for f in lines[WATER]["flags"]] if WATER in lines else None)

    assert held() == ([WATER], ["no_cases", "never_evaluated"])
    item = next(p for p in parse_annex.parse_file()["powers"] if p["seq"] == WATER)
    row = ["暂停", "1", item["name"], (item["sub_items"] or [""])[0], item["type"], item["level"], item["department"],
           ""]
    sheet = f"\ufeff{SUSPEND}\n{','.join(row)}\n".encode()
    resp = client.post("/api/v1/decisions/imports", data=sheet, headers={**bearer(tokens["admin"]),
                                                                         "Content-Type": "text/csv"},
                       query_string={"reason": "审计发现问题", "number": "渝府发〔2026〕30号", "title": "测试决定",
                                     "date": "2026-10-20", "effective": "2026-11-01", "body": "重庆经开区管委会"})
    assert resp.status_code == 200, resp.json
    assert resp.json["summary"]["suspend"] == 1
    assert held() == ([], None)
    # With a case recorded it is listed again for its figures, still without the flags of an item in operation.
    ok(client.post("/api/v1/case-volumes", headers=bearer(tokens["zone"]), json={"reason": "补录", "rows": [
        {"power": WATER, "office": ZONE_ID, "month": "2026-03", "accepted": 1, "completed": 1, "on_time": 1}]}))
    assert held() == ([], [])


@pytest.mark.parametrize(("period", "typed", "start", "end", "flags"), [
    ("2026-H2", "2026-h2", "2026-07-01", "2026-12-31", ["on_time_dropped"]),  # 100% in 2026-H1, 50% in 2026-H2
    ("2026-Q3", "2026-Q3", "2026-07-01", "2026-09-30", []),  # nothing reported in 2026-Q2 to compare with
])
def test_a_half_or_a_quarter_is_evaluated_beside_the_year(client: FlaskClient, tokens: dict[str, str], period: str,
                                                          typed: str, start: str, end: str, flags: list[str]) -> None:
    drive(client, tokens, FORESTRY, "handed_over", ZONE_ID)
    record_volumes(client, tokens)
    assert evaluate(client, "zone", tokens, power=FORESTRY).status_code == 201  # the year 2026
    resp = evaluate(client, "zone", tokens, power=FORESTRY, period=typed, conclusion="adjust")
    assert resp.status_code == 201, resp.json
    assert (resp.json["period"], resp.json["period_start"], resp.json["period_end"]) == (period, start, end)
    assert resp.json["figures"] == {**expected_figures(FORESTRY, period), "open_rectifications": 0}
    listed = client.get(f"/api/v1/powers/{FORESTRY}/evaluations", headers=bearer(tokens["auditor"])).json
    assert sorted((e["period"], e["conclusion"]["code"]) for e in listed) == sorted([("2026", "keep"),
                                                                                    (period, "adjust")])
    overview = stats(client, tokens, typed)
    assert (overview["period"], overview["period_start"], overview["period_end"]) == (period, start, end)
    line = next(x for x in overview["items"] if x["power"]["id"] == FORESTRY)
    assert ([f["code"] for f in line["flags"]], line["conclusion"]["code"]) == (flags, "adjust")
