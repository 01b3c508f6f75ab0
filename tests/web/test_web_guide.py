"""Service guides on the pages: the citizen item page shows the fields a guide has and nothing else (no staff
field), and staff edit a guide in the console with Chinese errors beside the fields, a reason and a version."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import bearer
from tests.pages import field_errors, form, login, soup, text
from tests.test_api_guides import FULL, URL, WATER_POWER

PAGE = f"/powers/{WATER_POWER}"
CONSOLE = f"/console/powers/{WATER_POWER}/guide"
# Each field's heading on the citizen page, and what the page says for FULL's value.
SHOWN = {
    "basic_code": ("基本编码", FULL["basic_code"]),
    "implementation_code": ("实施编码", FULL["implementation_code"]),
    "legal_basis": ("设定依据", FULL["legal_basis"]),
    "service_object": ("服务对象", FULL["service_object"]),
    "conditions": ("受理条件", FULL["conditions"]),
    "materials": ("申请材料", FULL["materials"][1]),
    "procedure": ("办理流程", FULL["procedure"]),
    "legal_time_limit_days": ("法定办结时限", "20 个工作日"),
    "promised_time_limit_days": ("承诺办结时限", "10 个工作日"),
    "fee": ("是否收费", "不收费"),
    "location": ("办理地点", FULL["location"]),
    "hours": ("办理时间", FULL["hours"]),
    "consult_phone": ("咨询电话", FULL["consult_phone"]),
    "complaint_phone": ("监督投诉电话", FULL["complaint_phone"]),
    "online_url": ("在线办理", FULL["online_url"]),
    "result": ("办理结果", FULL["result"]),
}


def guide_facts(client: FlaskClient) -> dict[str, str]:
    """The citizen page's guide section as heading → text; empty when the page has none."""
    section = soup(client.get(PAGE)).find("section", class_="guide")
    if section is None:
        return {}
    return {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
            for dt in section.find_all("dt")}


def give(client: FlaskClient, headers: dict[str, str], body: dict[str, Any]) -> None:
    resp = client.patch(URL, json={**body, "reason": "公布办事指南（内部说明）"}, headers=headers)
    assert resp.status_code == 200, resp.json


def test_a_power_without_a_guide_shows_no_guide(reader: FlaskClient) -> None:
    assert "办事指南" not in text(reader.get(PAGE))


def test_the_citizen_page_shows_every_field_of_a_full_guide(client: FlaskClient,
                                                            admin_headers: dict[str, str]) -> None:
    give(client, admin_headers, FULL)
    facts = guide_facts(client)
    for heading, says in SHOWN.values():
        assert says in facts[heading], heading
    page = client.get(PAGE).get_data(as_text=True)
    assert "内部说明" not in page and "管理员甲" not in page  # the reason and the author stay in the trail
    links = {a["href"] for a in soup(client.get(PAGE)).select("section.guide a")}
    assert {FULL["online_url"], "tel:023-0000-0001", "tel:12345"} <= links


@pytest.mark.parametrize("given", ["materials", "online_url", "fee", "promised_time_limit_days", "basic_code"])
def test_the_page_shows_only_the_fields_a_guide_has(client: FlaskClient, admin_headers: dict[str, str],
                                                    given: str) -> None:
    give(client, admin_headers, {given: FULL[given], "location": FULL["location"]})
    facts = guide_facts(client)
    assert set(facts) == {SHOWN[given][0], "办理地点"}
    assert SHOWN[given][1] in facts[SHOWN[given][0]]


def test_a_charged_fee_shows_its_basis(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    give(client, admin_headers, {"fee": {"charged": True, "basis": "渝价〔2021〕1号"}})
    assert guide_facts(client) == {"是否收费": "收费", "收费依据": "渝价〔2021〕1号"}


def staff(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    login(client, key)
    return client


def test_the_guiding_department_writes_the_guide_in_the_console(app: Flask) -> None:
    client = staff(app, "water")
    handover_page = client.get(f"/console/powers/{WATER_POWER}")
    assert CONSOLE in {a["href"] for a in soup(handover_page).find_all("a")}
    resp = form(client.get(CONSOLE), CONSOLE).submit(
        client, basic_code=FULL["basic_code"], materials="取水许可申请书\n\n 建设项目水资源论证报告书 ",
        legal_time_limit_days="20", promised_time_limit_days="10", fee_charged="no", consult_phone="023-0000-0001",
        reason="公布办事指南")
    assert resp.status_code == 303
    guide = app.test_client().get(URL).json
    assert guide["materials"] == FULL["materials"] and guide["fee"] == {"charged": False, "basis": None}
    assert guide["online_url"] is None
    again = client.get(CONSOLE)
    assert soup(again).find("input", {"name": "version"})["value"] == "1"


@pytest.mark.parametrize(("typed", "errors"), [
    ({"basic_code": "12345"}, {"basic_code": ["基本编码应为 12 位数字，“12345”不是"]}),
    ({"legal_time_limit_days": "5", "promised_time_limit_days": "8"},
     {"promised_time_limit_days": ["承诺办结时限（8 个工作日）不能超过法定办结时限（5 个工作日）"]}),
    ({"online_url": "ftp://example.org"}, {"online_url": ["应为 http 或 https 开头的网址，“ftp://example.org”不是"]}),
    ({"fee_charged": "yes"}, {"fee_basis": ["收费的事项须注明收费依据"]}),
    ({"fee_basis": "渝价〔2021〕1号"}, {"fee_charged": ["填写收费依据前，请先说明是否收费"]}),
    ({"result": "证书", "reason": ""}, {"reason": ["请说明修改原因"]}),
])
def test_wrong_fields_are_named_in_chinese_beside_them(app: Flask, typed: dict[str, str],
                                                       errors: dict[str, list[str]]) -> None:
    client = staff(app, "admin")
    resp = form(client.get(CONSOLE), CONSOLE).submit(client, **{"reason": "公布办事指南", **typed})
    assert resp.status_code == 422
    assert field_errors(resp) == errors
    assert app.test_client().get(URL).status_code == 404


def test_a_stale_form_shows_the_other_change(app: Flask, admin_headers: dict[str, str]) -> None:
    client = staff(app, "admin")
    page = client.get(CONSOLE)  # made while the power has no guide
    give(app.test_client(), admin_headers, {"result": "取水许可证"})
    resp = form(page, CONSOLE).submit(client, result="取水许可决定书", reason="更正")
    assert resp.status_code == 412
    assert "此记录已被他人修改" in text(resp)
    differing = soup(resp).find(id="their-change").find_parent().get_text(" ", strip=True)
    assert "取水许可证" in differing and "取水许可决定书" in differing
    assert form(resp, CONSOLE).values["version"] == ["1"]
    assert form(resp, CONSOLE).submit(client).status_code == 303  # saving again overrides knowingly
    assert app.test_client().get(URL).json["result"] == "取水许可决定书"


@pytest.mark.parametrize(("key", "status"), [("forestry", 403), ("zone", 403), ("auditor", 403)])
def test_others_cannot_open_the_form(app: Flask, key: str, status: int) -> None:
    assert staff(app, key).get(CONSOLE).status_code == status


def test_the_audit_trail_keeps_the_reason(app: Flask, tokens: dict[str, str]) -> None:
    client = staff(app, "water")
    form(client.get(CONSOLE), CONSOLE).submit(client, result="取水许可证", reason="首次公布")
    entry = app.test_client().get("/api/v1/audit", query_string={"entity_type": "service_guide"},
                                  headers=bearer(tokens["auditor"])).json["items"][0]
    assert (entry["reason"], entry["actor"]["name"], entry["action"]) == ("首次公布", "水利局甲", "create")
