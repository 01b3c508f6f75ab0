"""The staff console (registry.web.console, .handover, .edit, .auditor) through its own forms, on every backend.

Each test signs in through the sign-in form and submits what the pages offer (CSRF token and version
included), then checks the registry through the API and the trail, not through the page alone.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text as sql

from tests.conftest import bearer
from tests.handover_steps import CHECKLIST, WATER_POWER, handover, zone_office
from tests.pages import field_errors, form, login, redirected_back, soup, text

EVIDENCE = {"doc_number": "渝水函〔2021〕9号", "evidence_date": "2021-05-20"}


def staff(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    login(client, key)
    return client


def page(client: FlaskClient, power_id: int = WATER_POWER):
    resp = client.get(f"/console/powers/{power_id}")
    assert resp.status_code == 200, resp.status_code
    return resp


def status_of(client: FlaskClient, tokens: dict[str, str], power_id: int = WATER_POWER) -> str:
    return handover(client, tokens, power_id)[0]["status"]["code"]


def audit_size(client: FlaskClient, tokens: dict[str, str]) -> int:
    return client.get("/api/v1/audit", headers=bearer(tokens["auditor"])).json["total"]


def fix_terms_by_form(zone: FlaskClient, office_id: int, effective: str = "2021-06-01"):
    """Fix the terms through the form, confirming an effective date before today (the note says why)."""
    return form(page(zone), "/terms").submit(zone, terms__receiving_office=str(office_id), terms__method="1",
                                              terms__effective_date=effective, terms__confirm_past="y",
                                              terms__note="商定交接条件，补录已生效日期")


def test_the_console_needs_a_sign_in(client: FlaskClient) -> None:
    resp = client.get("/console/?q=取水")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/auth/login?next=/console/")


def test_a_zone_user_and_the_department_take_a_power_to_handed_over(app: Flask, tokens: dict[str, str]) -> None:
    api = app.test_client()
    office = zone_office(api, tokens)
    zone, water = staff(app, "zone"), staff(app, "water")
    assert fix_terms_by_form(zone, office["id"]).status_code == 303
    assert form(page(zone), "/transition/in_progress").submit(zone).status_code == 303
    assert status_of(api, tokens) == "in_progress"
    for item in CHECKLIST:
        resp = form(page(zone), f"/check/{item}").submit(zone, **{f"check-{item}-{k}": v for k, v in EVIDENCE.items()})
        assert resp.status_code == 303, field_errors(resp)
    # Each side confirms for itself: the zone sees only the acceptance, the department only its own side.
    assert [f["action"].rsplit("/", 1)[1]
            for f in soup(page(zone)).select('form[action*="/confirm/"]')] == ["acceptance"]
    assert form(page(water), "/confirm/handover").submit(water).status_code == 303
    assert form(page(zone), "/confirm/acceptance").submit(zone).status_code == 303
    resp = form(page(zone), "/transition/handed_over").submit(
        zone, **{"to-handed_over-doc_number": "渝经开函〔2021〕1号"})
    assert resp.status_code == 303
    state = handover(api, tokens, WATER_POWER)[0]
    assert state["status"]["code"] == "handed_over"
    assert state["receiving_office"]["id"] == office["id"]
    assert state["confirmations"]["handover"]["by"] == "水利局甲"
    assert state["confirmations"]["acceptance"]["by"] == "经开区甲"
    assert soup(api.get(f"/powers/{WATER_POWER}")).select_one(".handling-office").get_text() == office["name"]
    # The history on the staff page names who did what; the flash says what happened.
    body = text(page(zone))
    assert "经开区甲（经开区管委会）" in body and "水利局甲（市级指导部门）" in body
    assert "交接状态由“交接中”变为“已交接”" in body


def test_only_the_steps_the_table_allows_are_offered(app: Flask, tokens: dict[str, str]) -> None:
    zone = staff(app, "zone")
    offered = sorted(f["action"].rsplit("/", 1)[1] for f in soup(page(zone)).select('form[action*="/transition/"]'))
    assert offered == ["awaiting_authorisation", "in_progress", "suspended"]
    # A step that is allowed but not ready lists what it lacks instead of a button.
    step = soup(page(zone)).select_one("#to-in_progress")
    assert step.select_one("button") is None and "指定承接部门" in step.get_text()


def test_a_step_posted_before_it_is_ready_is_refused_with_what_is_missing(app: Flask, tokens: dict[str, str]) -> None:
    zone = staff(app, "zone")
    before = audit_size(app.test_client(), tokens)
    template = form(page(zone), "/transition/suspended")
    template.action = template.action.replace("suspended", "in_progress")
    resp = template.submit(zone, **{"to-in_progress-version": template.values["to-suspended-version"]})
    shown = soup(redirected_back(zone, resp, f"/console/powers/{WATER_POWER}", "to-in_progress"))
    said = shown.select_one("#to-in_progress [role=alert]").get_text()
    assert "指定承接部门" in said and "确定移交方式" in said
    assert audit_size(app.test_client(), tokens) == before


def test_a_step_that_needs_a_reason_says_so_next_to_the_field(app: Flask, tokens: dict[str, str]) -> None:
    zone = staff(app, "zone")
    resp = form(page(zone), "/transition/suspended").submit(zone)
    assert field_errors(redirected_back(zone, resp, f"/console/powers/{WATER_POWER}", "to-suspended")) == {
        "to-suspended-note": ["请说明原因"]}
    assert status_of(app.test_client(), tokens) == "pending"
    resp = form(page(zone), "/transition/suspended").submit(zone, **{"to-suspended-note": "等待机构调整"})
    assert resp.status_code == 303 and status_of(app.test_client(), tokens) == "suspended"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"link": "ftp://example/x"}, "check-files-link", "须为 http 或 https 链接"),
        ({"evidence_date": "1999-01-01", "doc_number": "x"}, "check-files-evidence_date",
         "日期须在 2000 年至 2100 年之间"),
        ({"evidence_date": "not a date", "doc_number": "x"}, "check-files-evidence_date", "不是有效的日期值。"),
        ({}, "check-files-doc_number", "标记完成须提供文号或链接"),
    ],
    ids=["not-a-web-link", "implausible-date", "not-a-date", "no-evidence"],
)
def test_checklist_evidence_errors_sit_next_to_their_fields(app: Flask, tokens: dict[str, str], values: dict,
                                                             field: str, message: str) -> None:
    zone = staff(app, "zone")
    before = audit_size(app.test_client(), tokens)
    resp = form(page(zone), "/check/files").submit(zone, **{f"check-files-{k}": v for k, v in values.items()})
    assert message in field_errors(redirected_back(zone, resp, f"/console/powers/{WATER_POWER}", "check-files"))[field]
    assert audit_size(app.test_client(), tokens) == before


def test_a_form_without_its_csrf_token_is_refused(app: Flask, tokens: dict[str, str]) -> None:
    zone = staff(app, "zone")
    f = form(page(zone), "/transition/suspended")
    f.values.pop("to-suspended-csrf_token")
    resp = f.submit(zone, **{"to-suspended-note": "跨站请求"})
    assert resp.status_code == 400 and "表单已过期或来源不明" in text(resp)
    assert status_of(app.test_client(), tokens) == "pending"


def test_a_stale_handover_form_is_refused(app: Flask, tokens: dict[str, str]) -> None:
    office = zone_office(app.test_client(), tokens)
    zone = staff(app, "zone")
    old = form(page(zone), "/terms")
    assert fix_terms_by_form(zone, office["id"]).status_code == 303
    resp = old.submit(zone, terms__scope="用旧表单改范围")
    assert "此记录已被他人修改" in text(redirected_back(zone, resp, f"/console/powers/{WATER_POWER}", "terms"))
    assert handover(app.test_client(), tokens, WATER_POWER)[0]["scope"] is None


def edit_form(client: FlaskClient, power_id: int = WATER_POWER):
    resp = client.get(f"/console/powers/{power_id}/edit")
    assert resp.status_code == 200
    return form(resp, "/edit")


def test_a_stale_edit_form_is_refused_and_shows_the_other_change(app: Flask, tokens: dict[str, str]) -> None:
    admin, water = staff(app, "admin"), staff(app, "water")
    mine, theirs = edit_form(admin), edit_form(water)
    assert theirs.submit(water, note="水利局补充的备注", reason="补充备注").status_code == 303
    resp = mine.submit(admin, name="取水许可（管理员改）", reason="更正名称")
    assert resp.status_code == 412
    assert "此记录已被他人修改，您的修改未保存" in text(resp)
    rows = {r.th.get_text(): [td.get_text() for td in r.select("td")] for r in soup(resp).select("table tbody tr")}
    assert rows["备注"] == ["水利局补充的备注", "（空）"]
    assert rows["事项名称"] == ["取水许可", "取水许可（管理员改）"]
    api = app.test_client().get(f"/api/v1/powers/{WATER_POWER}").json
    assert (api["name"], api["note"]) == ("取水许可", "水利局补充的备注")
    # Saving again, with the other change in view, is a decision: it goes through at the new version.
    again = form(resp, "/edit").submit(admin)
    assert again.status_code == 303
    api = app.test_client().get(f"/api/v1/powers/{WATER_POWER}").json
    assert (api["name"], api["note"]) == ("取水许可（管理员改）", None)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"reason": ""}, "reason", "请说明修改原因"),
        ({"name": "", "reason": "x"}, "name", "必填"),
        ({"seq": "0", "reason": "x"}, "seq", "数值大小必须介于 1 到 1000000 之间。"),
        ({"partial": "y", "reason": "x"}, "devolved_part", "部分下放的事项须填写下放部分"),
        ({"seq": "39", "reason": "x"}, "seq", "已被事项 39 使用"),
    ],
    ids=["no-reason", "no-name", "seq-zero", "partial-without-part", "seq-taken"],
)
def test_edit_errors_sit_next_to_their_fields(app: Flask, tokens: dict[str, str], values: dict, field: str,
                                             message: str) -> None:
    admin = staff(app, "admin")
    before = app.test_client().get(f"/api/v1/powers/{WATER_POWER}").json
    resp = edit_form(admin).submit(admin, **values)
    assert resp.status_code in (409, 422)
    assert message in field_errors(resp)[field]
    assert app.test_client().get(f"/api/v1/powers/{WATER_POWER}").json == before


def test_a_department_user_edits_only_its_own_powers(app: Flask, tokens: dict[str, str]) -> None:
    forestry = staff(app, "forestry")
    resp = forestry.get(f"/console/powers/{WATER_POWER}/edit")
    assert (resp.status_code, resp.mimetype) == (403, "text/html")
    water = staff(app, "water")
    assert 'name="department"' not in water.get(f"/console/powers/{WATER_POWER}/edit").get_data(as_text=True)


def test_the_list_offers_bulk_selection_only_where_the_caller_may_act(app: Flask, tokens: dict[str, str]) -> None:
    water = soup(staff(app, "water").get("/console/?per_page=200&page=1"))
    departments = {int(i["value"]) for i in water.select('input[name="powers"]')}
    ours = {p["id"] for p in app.test_client().get("/api/v1/powers", query_string={
        "department": "市水利局", "per_page": 200}).json["items"]}
    assert departments and departments <= ours
    assert soup(staff(app, "auditor").get("/console/")).select('input[name="powers"]') == []


def test_bulk_moves_all_or_nothing(app: Flask, tokens: dict[str, str]) -> None:
    zone = staff(app, "zone")
    listing = zone.get("/console/", query_string={"q": "取水"})
    picked = [i["value"] for i in soup(listing).select('input[name="powers"]')][:3]
    before = audit_size(app.test_client(), tokens)
    resp = form(listing, "/console/bulk").submit(zone, powers=picked, to="in_progress", note="批量")
    assert resp.status_code == 409
    assert "没有任何事项被更改" in text(resp) and "指定承接部门" in text(resp)
    assert audit_size(app.test_client(), tokens) == before
    resp = form(listing, "/console/bulk").submit(zone, powers=picked, to="suspended", note="统一暂缓")
    assert resp.status_code == 303
    assert [status_of(app.test_client(), tokens, int(p)) for p in picked] == ["suspended"] * 3
    assert "已将 3 个事项转为“暂缓”" in text(zone.get(resp.headers["Location"]))


def test_bulk_without_a_selection_says_so(app: Flask) -> None:
    zone = staff(app, "zone")
    resp = form(zone.get("/console/"), "/console/bulk").submit(zone, powers=[], to="suspended")
    assert resp.status_code == 422 and "请至少选择一个事项" in text(resp)


def test_the_auditor_sees_the_change_as_a_diff_exports_it_and_verifies_the_trail(app: Flask) -> None:
    admin, auditor = staff(app, "admin"), staff(app, "auditor")
    assert edit_form(admin).submit(admin, name="取水许可审批", reason="更正名称").status_code == 303
    trail = auditor.get("/console/audit/", query_string={"power": WATER_POWER, "entity_type": "power"})
    entry = soup(trail).select_one("article")
    assert "更正名称" in entry.get_text() and "管理员甲" in entry.get_text()
    row = next(r for r in entry.select("tbody tr") if "事项名称" in r.th.get_text())
    assert [i.get_text() for i in row.select("ins")] == ["审批"] and row.select("del") == []
    export = auditor.get("/console/audit/export.csv", query_string={"power": WATER_POWER, "entity_type": "power"})
    assert export.mimetype == "text/csv" and export.get_data(as_text=True).startswith('\ufeff"序号","时间（北京时间）"')
    assert "取水许可审批" in export.get_data(as_text=True)
    resp = form(trail, "/console/audit/verify").submit(auditor)
    assert resp.status_code == 200
    assert "审计链完整" in soup(resp).select_one("#verify-result").get_text()
    with app.extensions["registry.engine"].begin() as conn:
        conn.execute(sql("UPDATE power SET name = '篡改' WHERE id = :id"), {"id": WATER_POWER})
    resp = form(trail, "/console/audit/verify").submit(auditor)
    result = soup(resp).select_one("#verify-result").get_text()
    assert "审计链已被篡改" in result and "power" in result


def test_only_auditors_and_admins_read_the_trail(app: Flask) -> None:
    resp = staff(app, "zone").get("/console/audit/")
    assert (resp.status_code, resp.mimetype) == (403, "text/html")
