"""The evaluation pages (registry.web.evaluation), on every backend: /evaluation for anyone (counts only),
/console/evaluation for staff (the conclusions chart, each item's figures, flags and conclusion, the sheets), and the
form by which the zone or the admin records an item's conclusion. The pages show what the API answers; a refused
form comes back with its messages beside its fields; the public page leaks nothing staff-only."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.services import evaluation as evaluation_service
from registry.web import evaluation as evaluation_pages
from tests.conftest import STAFF, bearer
from tests.handover_steps import drive, ok
from tests.pages import external_urls, field_errors, form, login, soup, text

ZONE_ID = 7
WATER, FORESTRY, KEPT = 38, 100, 3  # 取水许可 (市水利局); an item of 市林业局; another item
TODAY = date(2026, 12, 3)
PERIOD = {"period": "2026"}
SECRET_REASON = "SECRET-MARKER-5d1e 现场发现告知不全"
STAFF_NAMES = [name for name, _, _ in STAFF.values()]
FORM = f"/console/evaluation/{WATER}"


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluation_service, "today_in_china", lambda: TODAY)
    monkeypatch.setattr(evaluation_pages, "today_in_china", lambda: TODAY)


def signed_in(app: Flask, key: str | None) -> FlaskClient:
    client = app.test_client()
    if key:
        login(client, key)
    return client


def conclude(client: FlaskClient, tokens: dict[str, str], power: int, conclusion: str,
             reason: str = "办件正常") -> None:
    ok(client.post(f"/api/v1/powers/{power}/evaluations", headers=bearer(tokens["zone"]),
                   json={"period": "2026", "conclusion": conclusion, "reason": reason}), 201)


@pytest.fixture
def evaluated(app: Flask, tokens: dict[str, str]) -> dict:
    """Two items in use with cases in 2026, one concluded 保留 and another 建议收回 (with a secret reason); the
    API's overview of 2026."""
    client = app.test_client()
    drive(client, tokens, WATER, "operating", ZONE_ID)
    drive(client, tokens, FORESTRY, "handed_over", ZONE_ID)
    rows = [{"power": WATER, "office": ZONE_ID, "month": "2026-03", "accepted": 9, "completed": 8, "on_time": 7},
            {"power": FORESTRY, "office": ZONE_ID, "month": "2025-06", "accepted": 4, "completed": 4, "on_time": 4},
            {"power": FORESTRY, "office": ZONE_ID, "month": "2026-07", "accepted": 5, "completed": 5, "on_time": 3}]
    ok(client.post("/api/v1/case-volumes", headers=bearer(tokens["zone"]), json={"reason": "导入", "rows": rows}))
    conclude(client, tokens, WATER, "keep")
    conclude(client, tokens, KEPT, "propose_recall", SECRET_REASON)
    return ok(client.get("/api/v1/stats/evaluation", query_string=PERIOD, headers=bearer(tokens["auditor"])))


def table(page, table_id: str) -> list[list[str]]:
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            for tr in page.find(id=table_id).tbody.find_all("tr")]


def counts(api: dict) -> dict[str, int]:
    """The conclusions as the API counts them, with the items not evaluated."""
    out = {c["label"]: c["count"] for c in api["conclusions"]}
    return {**out, "未评估": sum(1 for line in api["items"] if line["conclusion"] is None)}


@pytest.mark.parametrize(("path", "who"), [("/evaluation", None), ("/console/evaluation", "auditor")])
def test_the_conclusions_are_the_apis_drawn_and_tabled(app: Flask, evaluated: dict, path: str,
                                                        who: str | None) -> None:
    resp = signed_in(app, who).get(path, query_string=PERIOD)
    assert resp.status_code == 200
    page = soup(resp)
    shown = {label: int(n) for label, n in table(page, "evaluation-conclusions")}
    assert shown == counts(evaluated)
    assert list(shown) == ["保留", "调整", "建议收回", "未评估"]
    svg = page.find(id="chart-conclusion-title").find_parent("svg")
    assert [t.get_text(strip=True) for t in svg.find_all("text")] == [
        x for label, n in shown.items() for x in (label, f"{n} 项")]
    # Each conclusion is drawn with a pattern of its own: the chart reads without colour.
    fills = [r["fill"] for r in svg.find_all("rect") if r.get("fill", "").startswith("url(")]
    assert len(set(fills)) == len([n for n in shown.values() if n])
    flags = {label: int(n) for label, n in table(page, "evaluation-flags")}
    assert flags == {f: sum(1 for line in evaluated["items"] if f in [x["label"] for x in line["flags"]])
                     for f in ("连续12个月无办件", "从未评估", "按时办结率下降")}
    total = " ".join(page.find(id="evaluation-total").get_text(" ").split())
    assert total == f"2026年度（2026-01-01 至 2026-12-31）：纳入评估 {len(evaluated['items'])} 项，已评估 2 项。", total


def test_the_console_lists_each_item_as_the_api_does(app: Flask, evaluated: dict) -> None:
    page = soup(signed_in(app, "zone").get("/console/evaluation", query_string=PERIOD))
    rows = {tr["id"]: [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            for tr in page.find(id="evaluation-items").tbody.find_all("tr")}
    assert list(rows) == [f"item-{line['power']['id']}" for line in evaluated["items"]]
    for line in evaluated["items"]:
        row = rows[f"item-{line['power']['id']}"]
        seq, name, _, accepted, completed, share, open_fixes, idle, flags, conclusion = row
        f = line["figures"]
        assert (int(seq), name, int(accepted), int(completed), int(open_fixes), int(idle)) == (
            line["power"]["seq"], line["power"]["name"], f["accepted"], f["completed"], f["open_rectifications"],
            f["idle_months"])
        assert share == ("—" if f["on_time_permille"] is None else f"{f['on_time_permille'] / 10:g}%")
        assert flags == ("、".join(x["label"] for x in line["flags"]) or "—")
        assert conclusion.startswith(line["conclusion"]["label"] if line["conclusion"] else "未评估")
    assert rows[f"item-{WATER}"][5] == "87.5%"  # 7 of 8 on time


def test_the_public_page_and_its_api_leak_nothing_staff_only(app: Flask, evaluated: dict) -> None:
    client = app.test_client()
    page = client.get("/evaluation", query_string=PERIOD)
    summary = ok(client.get("/api/v1/stats/evaluation/summary", query_string=PERIOD))
    assert {c["label"]: c["count"] for c in summary["conclusions"]} == counts(evaluated)
    assert (summary["counted"], summary["evaluated"]) == (len(evaluated["items"]), 2)
    names = [line["power"]["name"] for line in evaluated["items"]]
    for shown in (page.get_data(as_text=True), str(summary)):
        leaked = [s for s in ["SECRET-MARKER", "现场发现", *STAFF_NAMES, *names] if s in shown]
        assert leaked == []
    assert soup(page).find(id="evaluation-items") is None


def test_the_zone_records_and_updates_a_conclusion_through_the_form(app: Flask, tokens: dict[str, str]) -> None:
    client = signed_in(app, "zone")
    overview = client.get("/console/evaluation", query_string=PERIOD)
    link = soup(overview).find("tr", id=f"item-{WATER}")
    assert link is None  # not in use, no figures: not listed, yet it may be evaluated from its own address
    page = client.get(FORM, query_string=PERIOD)
    assert page.status_code == 200 and "2026年度评估：第" in text(page)
    first = form(page, FORM)
    resp = first.submit(client, conclusion="adjust", reason="受理量低，建议调整承接方式")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/console/evaluation?period=2026#item-{WATER}")
    back = client.get(resp.headers["Location"])
    assert "取水许可：2026年度评估结论“调整”已记录。" in text(back)
    row = soup(back).find("tr", id=f"item-{WATER}")
    assert "调整" in row.get_text() and "经开区甲" in row.get_text()
    again = form(client.get(FORM, query_string=PERIOD), FORM)
    assert (again.values["conclusion"], again.values["version"]) == (["adjust"], ["1"])
    assert again.submit(client, conclusion="propose_recall", reason="全年几无办件").status_code == 303
    stale = first.submit(client, conclusion="keep", reason="办件正常", version="1")
    assert stale.status_code == 412
    assert "此记录已被他人修改" in text(stale)
    listed = ok(client.get(f"/api/v1/powers/{WATER}/evaluations", headers=bearer(tokens["auditor"])))
    assert [(e["conclusion"]["code"], e["reason"], e["evaluated_by"], e["version"]) for e in listed] == [
        ("propose_recall", "全年几无办件", "经开区甲", 2)]


@pytest.mark.parametrize(("values", "errors"), [
    ({"conclusion": None, "reason": "理由"}, {"conclusion": ["请选择评估结论"]}),
    ({"conclusion": "keep", "reason": "  "}, {"reason": ["请写明评估结论的理由"]}),
    ({"conclusion": "maybe", "reason": "理由"}, {"conclusion": ["不是有效的选择。"]}),  # WTForms' Chinese
])
def test_a_wrong_form_is_explained_beside_its_fields(app: Flask, values: dict, errors: dict) -> None:
    client = signed_in(app, "admin")
    resp = form(client.get(FORM, query_string=PERIOD), FORM).submit(client, **values)
    assert resp.status_code == 422
    assert field_errors(resp) == errors
    assert "评估未保存" in text(resp)


@pytest.mark.parametrize(("period", "message"), [
    ("2026年", "“2026年”不是评估期间（年度填年份如 2026，半年如 2026-H1，季度如 2026-Q3）"),
    ("2099", "评估期间 2099 尚未开始"),
    ("2027-Q1", "评估期间 2027-Q1 尚未开始"),
])
@pytest.mark.parametrize(("path", "who"), [("/evaluation", None), ("/console/evaluation", "auditor")])
def test_a_wrong_period_is_explained_beside_its_field(shared_app: Flask, path: str, who: str | None, period: str,
                                                      message: str) -> None:
    resp = signed_in(shared_app, who).get(path, query_string={"period": period})
    assert resp.status_code == 422
    assert field_errors(resp) == {"period": [message]}
    assert soup(resp).find(id="evaluation-conclusions") is None


@pytest.mark.parametrize(("who", "method", "path", "status"), [
    (None, "get", "/evaluation", 200),
    (None, "get", "/console/evaluation", 302),
    (None, "get", FORM, 302),
    ("auditor", "get", "/console/evaluation", 200),
    ("water", "get", "/console/evaluation", 200),
    ("auditor", "get", FORM, 403),
    ("water", "get", FORM, 403),  # a department does not evaluate, even its own item
    ("water", "post", FORM, 403),
    ("zone", "get", FORM, 200),
    ("admin", "get", FORM, 200),
])
def test_who_may_open_the_pages(shared_app: Flask, who: str | None, method: str, path: str, status: int) -> None:
    resp = getattr(signed_in(shared_app, who), method)(path, query_string=PERIOD)
    assert resp.status_code == status
    if status == 302:
        assert "/auth/login" in resp.headers["Location"]


@pytest.mark.parametrize(("who", "links"), [("auditor", False), ("zone", True)])
def test_only_evaluators_are_offered_the_form(app: Flask, evaluated: dict, who: str, links: bool) -> None:
    page = soup(signed_in(app, who).get("/console/evaluation", query_string=PERIOD))
    offered = [a["href"] for a in page.find_all("a", href=re.compile(r"^/console/evaluation/\d+"))]
    assert bool(offered) is links
    assert page.find(id="evaluation-xlsx") and page.find(id="proposals-xlsx")


@pytest.mark.parametrize("path", ["/evaluation", "/console/evaluation", FORM])
def test_the_pages_load_nothing_from_elsewhere_and_need_no_script(shared_app: Flask, path: str) -> None:
    resp = signed_in(shared_app, "zone").get(path, query_string=PERIOD)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and external_urls(resp) == []
    assert "<script" not in html.lower()
    assert not re.search(r"\son[a-z]+\s*=", html, re.I)


def test_the_form_of_a_wrong_period_leads_to_the_overview_saying_why(shared_app: Flask) -> None:
    client = signed_in(shared_app, "zone")
    resp = client.get(FORM, query_string={"period": "2026-Q5"})
    assert resp.status_code == 302
    shown = client.get(resp.headers["Location"])
    assert (shown.status_code, list(field_errors(shown))) == (422, ["period"])
