"""The pages over time, on every backend: the citizens' and the console's list on a date (?on=), a recalled item's
page saying who handles it now and since when, and the changes between two dates (/changes).

One registry per backend (module fixture ``timeline``): 河道管理范围内建设项目工程建设方案审批 (seq 39, from the source)
handed over to a zone office from 2021-06-01, then recalled from 2026-07-01 by a sheet (渝府发〔2026〕20号, test
data); then 渝府发〔2027〕1号 (tests/fixtures/decision_2027_1.txt, test data) devolving three items and recalling 38
and 75 from 2027-01-01.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from seed import parse_annex
from tests.conftest import Databases, bearer, dispose, make_app
from tests.handover_steps import drive, ok, zone_office
from tests.pages import login, soup, text

ITEMS = {p["seq"]: p for p in parse_annex.parse_file()["powers"]}
RIVER = 39  # the seeded ids are the 序号
PAST, FUTURE = "渝府发〔2026〕20号", "渝府发〔2027〕1号"
HEADER = "调整类型,序号,事项名称,子项名称,事项类型,行使层级,市级指导(实施)部门(单位),备  注"
NEW = ["房屋建筑工程施工图设计文件审查备案", "对违反统计法律法规行为的处罚", "林木采伐许可证核发"]


def _recall_sheet(seq: int) -> bytes:
    item = ITEMS[seq]
    row = ["收回", "1", item["name"], "", item["type"], item["level"], item["department"], ""]
    return f"\ufeff{HEADER}\n{','.join(row)}\n".encode()


@pytest.fixture(scope="module")
def timeline(databases: Databases) -> Iterator[dict[str, Any]]:
    app = make_app(databases.seeded())
    client, tokens = app.test_client(), databases.staff_tokens()
    admin = {**bearer(tokens["admin"])}

    def post(payload: bytes, content_type: str, **query: str) -> dict:
        return ok(client.post("/api/v1/decisions/imports", data=payload, query_string={"reason": "测试", **query},
                              headers={**admin, "Content-Type": content_type}))

    try:
        office = zone_office(client, tokens)
        drive(client, tokens, RIVER, "handed_over", office["id"], "2021-06-01")
        post(_recall_sheet(RIVER), "text/csv", number=PAST, title="测试：收回决定", date="2026-06-01",
             effective="2026-07-01", body="重庆经开区管委会")
        post((Path(__file__).parents[1] / "fixtures" / "decision_2027_1.txt").read_bytes(), "text/plain")
        yield {"app": app, "office": office}
    finally:
        dispose(app)


@pytest.fixture
def browser(timeline: dict[str, Any]) -> FlaskClient:
    return timeline["app"].test_client()


def test_a_recalled_items_page_says_who_handles_it_now_and_since_when(browser: FlaskClient) -> None:
    page = soup(browser.get(f"/powers/{RIVER}"))
    notice = page.select_one("#standing").get_text(strip=True)
    assert notice == f"此事项已由{PAST}收回，自 2026-07-01 起由市水利局办理。"
    assert page.select_one(".handling-office").get_text() == "市水利局"
    assert "自 2026-07-01 起" in page.select_one("section[aria-labelledby=who]").get_text()
    history = page.get_text(" ")
    assert "根据新的决定，交接状态由“已交接”变为“已收回”，自 2026-07-01 起由市级部门办理" in history


def test_an_item_still_held_shows_no_standing_notice(browser: FlaskClient) -> None:
    assert soup(browser.get("/powers/38")).select_one("#standing") is None  # its recall is still ahead


def _titles(browser: FlaskClient, **args: str | None) -> set[str]:
    page = soup(browser.get("/", query_string={k: v for k, v in args.items() if v}))
    return {a.get_text() for a in page.select("ol.results a.title")}


@pytest.mark.parametrize(("on", "has", "lacks"), [
    (None, ["取水许可"], [ITEMS[RIVER]["name"], *NEW]),
    ("2026-06-30", [ITEMS[RIVER]["name"], "取水许可"], NEW),
    ("2027-01-01", NEW, ["取水许可", ITEMS[RIVER]["name"]]),
])
def test_the_citizens_list_on_a_date(browser: FlaskClient, on: str | None, has: list[str], lacks: list[str]) -> None:
    for name in has:
        assert name in _titles(browser, on=on, q=name), name
    for name in lacks:
        assert name not in _titles(browser, on=on, q=name), name
    notice = soup(browser.get("/", query_string={"on": on} if on else {})).select_one("#as-of")
    assert (notice is not None) == bool(on)
    if on:
        assert f"以下是 {on} 的清单" in notice.get_text() and "on=" not in notice.select_one("a")["href"]


def test_a_result_on_a_future_date_says_who_handles_it_then(browser: FlaskClient) -> None:
    resp = browser.get("/", query_string={"on": "2027-01-01", "q": NEW[0]})
    assert "当日由 市住房城乡建委 办理" in text(resp)


@pytest.mark.parametrize("on", ["2027-13-01", "1999-01-01", "明天"])
def test_a_bad_date_is_explained_beside_the_field_and_today_is_shown(browser: FlaskClient, on: str) -> None:
    page = soup(browser.get("/", query_string={"on": on}))
    assert re.search(r"[\u4e00-\u9fff]", page.select_one("#on-error").get_text())  # in Chinese
    assert page.select_one("#as-of") is None
    assert "共 102 项" in page.get_text()  # today's list: 103 less the item recalled in 2026


def test_the_console_lists_a_date_too(browser: FlaskClient) -> None:
    login(browser, "zone")
    page = soup(browser.get("/console/", query_string={"on": "2027-01-01", "q": NEW[0]}))
    assert NEW[0] in page.get_text() and page.select_one("#on")["value"] == "2027-01-01"


@pytest.mark.parametrize(("args", "added", "removed"), [
    ({"start": "2026-12-31", "end": "2027-01-01"}, NEW,
     ["取水许可", "矿山、金属冶炼建设项目和用于生产、储存危险物品的建设项目的安全设施设计审查"]),
    ({"start": "2026-06-30", "end": "2026-07-01"}, [], [ITEMS[RIVER]["name"]]),
    ({"start": "2027-01-01", "end": "2027-12-31"}, [], []),
])
def test_the_changes_page(browser: FlaskClient, args: dict[str, str], added: list[str], removed: list[str]) -> None:
    page = soup(browser.get("/changes", query_string=args))
    for section, names in (("added", added), ("removed", removed)):
        shown = [a.get_text() for a in page.select(f"section[aria-labelledby={section}] ul.changes > li > a")]
        assert shown == names
    if removed:
        first = page.select_one("section[aria-labelledby=removed] ul.changes li li").get_text()
        assert "收回，自" in first


def test_the_changes_page_by_default_spans_a_year_either_way(browser: FlaskClient) -> None:
    page = soup(browser.get("/changes"))
    removed = [a.get_text() for a in page.select("section[aria-labelledby=removed] ul.changes > li > a")]
    assert ITEMS[RIVER]["name"] in removed and "取水许可" in removed


@pytest.mark.parametrize(("args", "field", "message"), [
    ({"start": "2027-01-02", "end": "2027-01-01"}, "end", "不能早于开始日期 2027-01-02"),
    ({"start": "2027-02-30"}, "start", None),
])
def test_bad_dates_on_the_changes_page(browser: FlaskClient, args: dict[str, str], field: str,
                                       message: str | None) -> None:
    resp = browser.get("/changes", query_string=args)
    assert resp.status_code == 422
    error = soup(resp).select_one(f"#{field}-error").get_text()
    assert re.search(r"[\u4e00-\u9fff]", error) and (message is None or error == message)
