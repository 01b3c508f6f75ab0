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
    assert "已有名为「市林业局」的部门" in text(resp)
    assert departments(app)["市水利局"]["name"] == "市水利局"
    resp = form(client.get("/console/offices/"), "/console/offices/").submit(client, new__name="")
    assert resp.status_code == 422 and field_errors(resp)["new-name"] == ["必填"]


def test_only_the_admin_manages_departments(app: Flask) -> None:
    zone = app.test_client()
    login(zone, "zone")
    assert zone.get("/console/offices/").status_code == 403
    assert "部门与承接机构" not in zone.get("/console/").get_data(as_text=True)
    assert "部门与承接机构" in admin(app).get("/console/").get_data(as_text=True)
