"""Bulk work in the console list (registry.web.console) through its own forms, on every backend: terms, checklist
ticks with one evidence record, confirmations and steps for a selection or for every power a filter matches
(re-resolved, refused when the matches changed), a department user's default filter, and the way back from an
item to the filtered list."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import bearer
from tests.handover_steps import WATER_POWER, ok, step, zone_office
from tests.pages import Form, field_errors, form, soup, text
from tests.web.test_web_console import audit_size, staff

EVIDENCE = {"doc_number": "渝经开函〔2021〕5号", "evidence_date": "2021-05-20"}
WATER_COUNT = 36  # the annex's items of 市水利局


def bulk(resp, button: str) -> Form:
    """The list's bulk form as the button named ``button`` posts it (its formaction)."""
    found = soup(resp).find("button", string=button)
    assert found is not None, f"no button {button}"
    out = form(resp, "/console/bulk")
    out.action = found.get("formaction") or out.action
    return out


def department_id(client: FlaskClient, name: str) -> int:
    return next(d["id"] for d in ok(client.get("/api/v1/departments")) if d["name"] == name)


def handovers(client: FlaskClient, tokens: dict[str, str]) -> list[dict]:
    return ok(client.get("/api/v1/handovers", query_string={"per_page": 200},
                         headers=bearer(tokens["admin"])))["items"]


@pytest.mark.parametrize(("who", "department"), [("water", "市水利局"), ("forestry", "市林业局"), ("zone", None),
                                                 ("admin", None)])
def test_a_department_user_starts_on_their_own_department(app: Flask, who: str, department: str | None) -> None:
    user = staff(app, who)
    resp = user.get("/console/")
    if department is None:
        assert resp.status_code == 200
        return
    assert resp.status_code == 302
    assert parse_qs(urlsplit(resp.headers["Location"]).query) == {
        "department": [str(department_id(app.test_client(), department))]}
    listing = user.get(resp.headers["Location"])
    assert {td.get_text() for td in soup(listing).select("tbody td.short:nth-of-type(4)")} <= {department}
    # Any query string, even an empty search, is taken as given: the user can still see every item.
    assert user.get("/console/?q=").status_code == 200


def test_the_water_list_holds_its_36_items_on_one_page(app: Flask) -> None:
    water = staff(app, "water")
    listing = water.get(water.get("/console/").headers["Location"])
    assert f"共 {WATER_COUNT} 项" in text(listing)
    assert len(soup(listing).select('input[name="powers"]')) == WATER_COUNT


def test_filters_survive_a_round_trip_to_an_item_and_back(app: Flask, tokens: dict[str, str]) -> None:
    office = zone_office(app.test_client(), tokens)
    zone = staff(app, "zone")
    query = {"q": "取水", "status": ["pending"], "partial": "false"}
    listing = zone.get("/console/", query_string=query)
    link = soup(listing).select_one(f'a[href^="/console/powers/{WATER_POWER}?"]')["href"]
    item = zone.get(link)
    assert item.status_code == 200
    back = soup(item).find("a", string="← 返回列表")["href"]
    assert urlsplit(back).path == "/console/"
    assert parse_qs(urlsplit(back).query) == {"q": ["取水"], "status": ["pending"], "partial": ["false"]}
    # An action on the item keeps the way back.
    resp = form(item, "/terms").submit(zone, terms__receiving_office=str(office["id"]), terms__method="1",
                                       terms__note="商定")
    assert resp.status_code == 303
    again = zone.get(resp.headers["Location"])
    assert soup(again).find("a", string="← 返回列表")["href"] == back
    returned = zone.get(back)
    assert [a["href"] for a in soup(returned).select("tbody a")] == [a["href"] for a in soup(listing).select("tbody a")]
    # Opened without a list, the page leads back to the console itself.
    assert soup(zone.get(f"/console/powers/{WATER_POWER}")).find("a", string="← 返回工作台")["href"] == "/console/"


def test_select_all_takes_every_page_of_the_filter(app: Flask, tokens: dict[str, str]) -> None:
    api = app.test_client()
    zone = staff(app, "zone")
    listing = zone.get("/console/?status=pending")
    assert "共 103 项" in text(listing) and "选择符合当前筛选条件的全部 103 项（含其他页）" in text(listing)
    assert len(soup(listing).select('input[name="powers"]')) == 50  # one page shows 50
    before = audit_size(api, tokens)
    resp = bulk(listing, "批量标记完成").submit(zone, all_matching="y", items=["guidance", "files"],
                                            doc_number=EVIDENCE["doc_number"], evidence_date=EVIDENCE["evidence_date"])
    assert resp.status_code == 303, field_errors(resp) or text(resp)
    assert parse_qs(urlsplit(resp.headers["Location"]).query) == {"status": ["pending"]}
    assert "已为 103 个事项完成所选清单事项" in text(zone.get(resp.headers["Location"]))
    done = handovers(api, tokens)
    assert len(done) == 103
    assert all([c["done"] for c in h["checklist"]] == [True, False, True, False, False] for h in done)
    assert {c["evidence"]["doc_number"] for h in done for c in h["checklist"] if c["done"]} == {EVIDENCE["doc_number"]}
    assert audit_size(api, tokens) == before + 2 * 103  # one entry per power per item


def test_select_all_is_refused_when_the_matches_changed(app: Flask, tokens: dict[str, str]) -> None:
    api = app.test_client()
    zone = staff(app, "zone")
    listing = zone.get("/console/?status=pending")
    step(api, tokens, WATER_POWER, "suspended")  # no longer pending: the filter now matches 102
    before = audit_size(api, tokens)
    resp = bulk(listing, "批量标记完成").submit(zone, all_matching="y", items=["guidance"],
                                            doc_number=EVIDENCE["doc_number"])
    assert resp.status_code == 409
    assert "符合筛选条件的事项已变化（现有 102 项）" in text(resp)
    assert audit_size(api, tokens) == before
    # Shown again, the list counts 102 and the same request goes through.
    resp = bulk(resp, "批量标记完成").submit(zone, all_matching="y", items=["guidance"],
                                         doc_number=EVIDENCE["doc_number"])
    assert resp.status_code == 303
    assert audit_size(api, tokens) == before + 102


def test_select_all_beyond_the_users_department_names_what_is_not_theirs(app: Flask, tokens: dict[str, str]) -> None:
    api = app.test_client()
    water = staff(app, "water")
    listing = water.get("/console/?q=")  # every item, not only 市水利局's
    before = audit_size(api, tokens)
    resp = bulk(listing, "批量办理").submit(water, all_matching="y", to="suspended", note="统一暂缓")
    assert resp.status_code == 403
    body = text(resp)
    assert "没有任何事项被更改：67 个事项不属于您的部门，您无权办理" in body
    assert body.count("此事项属于其他部门") == 67
    assert audit_size(api, tokens) == before
    assert {h["status"]["code"] for h in handovers(api, tokens)} == {"pending"}


def test_bulk_terms_then_each_side_confirms(app: Flask, tokens: dict[str, str]) -> None:
    api = app.test_client()
    office = zone_office(api, tokens)
    zone, water = staff(app, "zone"), staff(app, "water")
    listing = zone.get("/console/", query_string={"department": department_id(api, "市水利局")})
    picked = [i["value"] for i in soup(listing).select('input[name="powers"]')][:4]
    before = audit_size(api, tokens)
    resp = bulk(listing, "批量设置交接条件").submit(
        zone, powers=picked, receiving_office=str(office["id"]), method="1", planned_date="2021-07-01",
        effective_date="2021-06-01", terms_note="统一商定", confirm_past="y")
    assert resp.status_code == 303, field_errors(resp) or text(resp)
    assert audit_size(api, tokens) == before + 4
    resp = bulk(listing, "批量办理").submit(zone, powers=picked, to="in_progress")
    assert resp.status_code == 303
    # The zone is offered only its own side, the department only its own.
    assert soup(listing).find("button", string="批量市级部门确认移交") is None
    own = water.get(water.get("/console/").headers["Location"])
    assert soup(own).find("button", string="批量经开区确认承接") is None
    assert bulk(own, "批量市级部门确认移交").submit(water, powers=picked).status_code == 303
    assert bulk(listing, "批量经开区确认承接").submit(zone, powers=picked).status_code == 303
    for power in map(int, picked):
        h = ok(api.get(f"/api/v1/powers/{power}/handover", headers=bearer(tokens["admin"])))
        assert (h["status"]["code"], h["receiving_office"]["id"], h["planned_date"], h["effective_date"]) == (
            "in_progress", office["id"], "2021-07-01", "2021-06-01")
        confirmed = h["confirmations"]
        assert (confirmed["handover"]["by"], confirmed["acceptance"]["by"]) == ("水利局甲", "经开区甲")
    assert audit_size(api, tokens) == before + 4 * 4  # terms, step, two confirmations: one entry each per power


@pytest.mark.parametrize(("button", "values", "field", "message"), [
    ("批量设置交接条件", {"terms_note": "空"}, "receiving_office", "请至少填写一项交接条件"),
    ("批量设置交接条件", {"effective_date": "1999-01-01"}, "effective_date", "日期须在 2000 年至 2100 年之间"),
    ("批量标记完成", {"items": ["guidance"]}, "doc_number", "标记完成须提供文号或链接"),
    ("批量标记完成", {"doc_number": "渝经开函〔2021〕5号"}, "items", "请至少选择一项清单事项"),
    ("批量标记完成", {"items": ["guidance"], "link": "ftp://x"}, "link", "须为 http 或 https 链接"),
])
def test_bulk_form_errors_sit_next_to_their_fields(app: Flask, tokens: dict[str, str], button: str, values: dict,
                                                   field: str, message: str) -> None:
    zone = staff(app, "zone")
    listing = zone.get("/console/?q=取水")
    before = audit_size(app.test_client(), tokens)
    resp = bulk(listing, button).submit(zone, powers=[str(WATER_POWER)], **values)
    assert resp.status_code == 422
    assert message in text(resp)
    if field != "items":
        assert message in field_errors(resp)[field]
    assert audit_size(app.test_client(), tokens) == before


@pytest.mark.parametrize(("values", "message"), [
    ({"powers": ["abc"]}, "无效"),
    ({"powers": ["0"]}, "无效的事项"),
    ({"powers": [str(i) for i in range(1, 202)]}, "一次最多 200 个事项"),
    ({"powers": []}, "请至少选择一个事项"),
    ({"all_matching": "y", "matching": ""}, "请刷新列表后重新选择"),
    ({"all_matching": "y", "matching": "0" * 32}, "符合筛选条件的事项已变化"),
])
def test_a_bad_selection_is_refused_and_changes_nothing(app: Flask, tokens: dict[str, str], values: dict,
                                                        message: str) -> None:
    zone = staff(app, "zone")
    listing = zone.get("/console/?q=取水")
    before = audit_size(app.test_client(), tokens)
    resp = bulk(listing, "批量办理").submit(zone, to="suspended", note="暂缓", **values)
    assert resp.status_code in (409, 422)
    assert message in text(resp)
    assert audit_size(app.test_client(), tokens) == before
