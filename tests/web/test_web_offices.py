"""The admin's departments page (registry.web.offices): the contact details citizens see, and new zone offices."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import bearer
from tests.handover_steps import WATER_POWER, drive
from tests.pages import field_errors, form, login, soup, text


def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, "admin")
    return client


def departments(app: Flask) -> dict[str, dict]:
    return {d["name"]: d for d in app.test_client().get("/api/v1/departments").json}


def test_a_new_zone_office_is_offered_for_handovers_and_shown_to_citizens(app: Flask, tokens: dict[str, str]) -> None:
    client = admin(app)
    resp = form(client.get("/console/offices/"), "/console/offices/").submit(
        client, new__name="重庆经开区市场监管局", new__address="经开区某路 9 号", new__phone="023-1234 5678",
        new__hours="工作日 9:00-17:00", new__reason="新设承接机构")
    assert resp.status_code == 303
    office = departments(app)["重庆经开区市场监管局"]
    assert (office["kind"]["code"], office["phone"]) == ("zone", "023-1234 5678")
    zone = app.test_client()
    login(zone, "zone")
    offered = [o.get_text() for o in soup(zone.get(f"/console/powers/{WATER_POWER}")).select(
        "select[name='terms-receiving_office'] option")]
    assert "重庆经开区市场监管局" in offered
    drive(app.test_client(), tokens, WATER_POWER, "handed_over", office["id"])
    assert "023-1234 5678" in text(app.test_client().get(f"/powers/{WATER_POWER}"))
    trail = app.test_client().get("/api/v1/audit", query_string={"entity_type": "department"},
                                  headers=bearer(tokens["auditor"])).json["items"]
    assert trail[0]["reason"] == "新设承接机构" and trail[0]["actor"]["name"] == "管理员甲"


def test_contact_details_of_a_city_department_are_edited_in_place(app: Flask) -> None:
    client = admin(app)
    water = departments(app)["市水利局"]
    page = client.get("/console/offices/")
    resp = form(page, f"/console/offices/{water['id']}").submit(
        client, **{f"office-{water['id']}-phone": "023-8888 0000", f"office-{water['id']}-reason": "公布电话"})
    assert resp.status_code == 303
    assert departments(app)["市水利局"]["phone"] == "023-8888 0000"
    assert "023-8888 0000" in text(app.test_client().get(f"/powers/{WATER_POWER}"))


def test_a_name_already_used_is_refused_next_to_the_field(app: Flask) -> None:
    client = admin(app)
    water = departments(app)["市水利局"]
    resp = form(client.get("/console/offices/"), f"/console/offices/{water['id']}").submit(
        client, **{f"office-{water['id']}-name": "市林业局"})
    assert resp.status_code == 409
    assert field_errors(resp)[f"office-{water['id']}-name"] == ["已被使用"]
    assert "已有名为“市林业局”的部门" in text(resp)
    assert departments(app)["市水利局"]["name"] == "市水利局"
    resp = form(client.get("/console/offices/"), "/console/offices/").submit(client, new__name="")
    assert resp.status_code == 422 and field_errors(resp)["new-name"] == ["必填"]


def test_only_the_admin_manages_departments(app: Flask) -> None:
    zone = app.test_client()
    login(zone, "zone")
    assert zone.get("/console/offices/").status_code == 403
    assert "部门与承接机构" not in zone.get("/console/").get_data(as_text=True)
    assert "部门与承接机构" in admin(app).get("/console/").get_data(as_text=True)


def test_a_stale_office_form_is_refused_and_shows_the_other_change(app: Flask, tokens: dict[str, str]) -> None:
    """Two admins edit one office: the second save, made from the page before the first, does not revert it."""
    a, b = admin(app), admin(app)
    water = departments(app)["市水利局"]
    prefix, action = f"office-{water['id']}", f"/console/offices/{water['id']}"
    mine, theirs = form(a.get("/console/offices/"), action), form(b.get("/console/offices/"), action)
    assert theirs.submit(b, **{f"{prefix}-phone": "023-6666 0000", f"{prefix}-reason": "新电话"}).status_code == 303
    resp = mine.submit(a, **{f"{prefix}-hours": "工作日 8:30-17:30", f"{prefix}-reason": "新时间"})
    assert resp.status_code == 412
    assert "此记录已被他人修改，您的修改未保存" in text(resp)
    rows = {r.th.get_text(): [td.get_text() for td in r.select("td")] for r in soup(resp).select("table tbody tr")}
    assert rows["电话"] == ["023-6666 0000", water["phone"] or "（空）"]
    assert rows["办公时间"] == [water["hours"] or "（空）", "工作日 8:30-17:30"]
    stored = departments(app)["市水利局"]
    assert (stored["phone"], stored["hours"], stored["version"]) == ("023-6666 0000", water["hours"], 2)
    # Submitting again, with the other change in view, overrides it knowingly, at the new version.
    again = form(resp, action).submit(a)
    assert again.status_code == 303
    stored = departments(app)["市水利局"]
    assert (stored["phone"], stored["hours"], stored["version"]) == (water["phone"], "工作日 8:30-17:30", 3)
    trail = app.test_client().get("/api/v1/audit", query_string={"entity_type": "department"},
                                  headers=bearer(tokens["auditor"])).json["items"]
    assert [e["reason"] for e in trail[:2]] == ["新时间", "新电话"]


def test_the_office_form_carries_the_version_it_was_made_from(app: Flask, tokens: dict[str, str]) -> None:
    water = departments(app)["市水利局"]
    page = admin(app).get("/console/offices/")
    assert form(page, f"/console/offices/{water['id']}").values[f"office-{water['id']}-version"] == ["1"]
    etag = app.test_client().get(f"/api/v1/departments/{water['id']}").headers["ETag"]
    assert app.test_client().patch(f"/api/v1/departments/{water['id']}", json={"phone": "023-1"},
                                   headers={**bearer(tokens["admin"]), "If-Match": etag}).status_code == 200
    page = admin(app).get("/console/offices/")
    assert form(page, f"/console/offices/{water['id']}").values[f"office-{water['id']}-version"] == ["2"]
