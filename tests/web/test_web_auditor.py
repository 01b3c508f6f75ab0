"""The auditor's trail reads in Chinese and in Beijing time, and its filters take what people type, on every backend.

Fields and values by label for every kind of entry (accounts too), times as ``2026-12-02 19:35:14`` with the zone
said, a power by its 序号 or name, a field by its Chinese label; a wrong filter shows its error and no entries.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import bearer
from tests.handover_steps import WATER_POWER
from tests.pages import field_errors, login, soup

CJK_ONLY = re.compile(r"^[\u4e00-\u9fff（）()·、 \-A-Z0-9]+$")
SECOND = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)（北京时间）")


@pytest.fixture
def edited(app: Flask, tokens: dict[str, str]) -> FlaskClient:
    """A registry where the admin renamed 取水许可 and created a department account; the auditor's client."""
    api = app.test_client()
    admin = bearer(tokens["admin"])
    etag = api.get(f"/api/v1/powers/{WATER_POWER}").headers["ETag"]
    resp = api.patch(f"/api/v1/powers/{WATER_POWER}", json={"name": "取水许可审批", "reason": "更正名称"},
                     headers={**admin, "If-Match": etag})
    assert resp.status_code == 200, resp.json
    water = next(d["id"] for d in api.get("/api/v1/departments").json if d["name"] == "市水利局")
    resp = api.post("/api/v1/users", json={"name": "水利局丙", "role": "department", "department": water,
                                           "reason": "新同事"}, headers=admin)
    assert resp.status_code == 201, resp.json
    auditor = app.test_client()
    login(auditor, "auditor")
    return auditor


def rows_of(article) -> dict[str, tuple[str, str]]:
    return {tr.th.get_text(strip=True): (tr.select("td")[0].get_text(), tr.select("td")[1].get_text())
            for tr in article.select("tbody tr")}


def test_accounts_read_by_label(edited: FlaskClient) -> None:
    page = soup(edited.get("/console/audit/", query_string={"entity_type": "user"}))
    article = page.select_one("article")
    assert "新建 · 账号：水利局丙" in article.h3.get_text()
    rows = rows_of(article)
    assert {"用户名", "角色", "所属部门", "已停用", "已设密码"} <= set(rows)
    assert rows["角色"][1] == "市级指导部门" and rows["所属部门"][1].startswith("市水利局")
    assert rows["已停用"][1] == "否"
    # No field code or English on the page's rows; the code stays in the markup for whoever needs it.
    assert all(CJK_ONLY.match(label) for label in rows), list(rows)
    assert {th["data-field"] for th in article.select("tbody th")} >= {"name", "role", "department"}


def test_times_are_beijing_time_to_the_second(edited: FlaskClient, tokens: dict[str, str]) -> None:
    newest = edited.get("/api/v1/audit", query_string={"per_page": 1},
                        headers=bearer(tokens["auditor"])).json["items"][0]
    page = soup(edited.get("/console/audit/"))
    shown = SECOND.match(page.select_one("article p.muted").get_text())
    assert shown, page.select_one("article p.muted").get_text()
    utc = datetime.fromisoformat(newest["at"].replace("Z", "+00:00")).replace(tzinfo=None, microsecond=0)
    assert datetime.strptime(shown[1], "%Y-%m-%d %H:%M:%S") == utc + timedelta(hours=8)


def entry_titles(client: FlaskClient, **params: str) -> list[str]:
    resp = client.get("/console/audit/", query_string=params)
    assert resp.status_code == 200, field_errors(resp)
    return [h.get_text() for h in soup(resp).select("article h3")]


@pytest.mark.parametrize("power", ["38", "取水许可审批", " 38 "])
def test_a_power_by_its_seq_or_name(edited: FlaskClient, power: str) -> None:
    titles = entry_titles(edited, power=power)
    assert titles and all("第38项" in t for t in titles)
    assert titles == entry_titles(edited, power_id=str(WATER_POWER))


@pytest.mark.parametrize(("field", "entity_type"), [("事项名称", ""), ("name", "power"), ("备注", "power"),
                                                    ("用户名", "user")])
def test_a_field_by_its_label(edited: FlaskClient, field: str, entity_type: str) -> None:
    by_label = entry_titles(edited, field=field, entity_type=entity_type)
    code = {"事项名称": "name", "备注": "note", "用户名": "name"}.get(field, field)
    assert by_label == entry_titles(edited, field=code, entity_type=entity_type)


@pytest.mark.parametrize(("params", "control", "words"), [
    ({"power": "不存在的事项"}, "power", "没有序号或名称为“不存在的事项”的事项"),
    ({"power": "9999"}, "power", "没有序号或名称为“9999”的事项"),
    ({"field": "不存在的字段"}, "field", "没有名为“不存在的字段”的字段"),
    ({"field": "备注"}, "field", "请先选择对象"),  # 备注 of a power or of a handover
    ({"field": "用户名", "entity_type": "power"}, "field", "没有名为“用户名”的字段"),
    ({"since": "2021-13-01"}, "since", ""),
    ({"since": "1900-01-01"}, "since", "日期须在"),
    ({"power_id": "abc"}, "power_id", "事项编号须为正整数"),
])
def test_a_wrong_filter_shows_its_error_and_nothing_else(edited: FlaskClient, params: dict, control: str,
                                                         words: str) -> None:
    resp = edited.get("/console/audit/", query_string=params)
    assert resp.status_code == 422
    page = soup(resp)
    assert page.select("article") == []
    assert "共 0 条" in page.get_text()
    if control != "power_id":  # a hidden field from a link: its error stands beside the power filter
        assert any(words in m for m in field_errors(resp)[control]), field_errors(resp)
    else:
        assert words in page.get_text()
    export = edited.get("/console/audit/export.csv", query_string=params)
    assert export.status_code == 422 and export.mimetype == "text/html"


def test_the_pages_offer_each_export_beside_its_csv(edited: FlaskClient, app: Flask) -> None:
    trail = soup(edited.get("/console/audit/", query_string={"power": "38"}))
    links = {a["href"] for a in trail.select("a[href*='/console/audit/export.']")}
    assert links == {"/console/audit/export.csv?power=38", "/console/audit/export.xlsx?power=38",
                     "/console/audit/export.csv?power=38&labels=codes",
                     "/console/audit/export.xlsx?power=38&labels=codes"}
    for href in links:
        resp = edited.get(href)
        assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    progress = {a["href"] for a in soup(app.test_client().get("/progress")).select("a[href*='/stats/handover.']")}
    assert progress == {"/api/v1/stats/handover.csv", "/api/v1/stats/handover.xlsx"}
    console = {a["href"] for a in soup(edited.get("/console/")).select("a[href*='export.']")}
    assert {"/api/v1/powers/export.csv", "/api/v1/powers/export.xlsx"} <= console
