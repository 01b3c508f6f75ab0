"""The console's home page (registry.web.home), where staff land after signing in, and signing out with a
confirmation, on every backend."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, STAFF
from tests.pages import form, login, soup, text

LIST, OFFICES, CALENDAR, TRAIL = "/console/", "/console/offices/", "/console/calendar/", "/console/audit/"
CHANGES = "/changes"  # public: what changed in the list between two dates
OVERDUE = "/console/rectifications/"
VOLUMES = "/console/volumes"
EVALUATION = "/console/evaluation"
# Exactly the parts of the console each role may open (README, Roles), in the page's order.
LINKS = {
    "admin": [LIST, CHANGES, OVERDUE, VOLUMES, EVALUATION, OFFICES, CALENDAR, TRAIL],
    "zone": [LIST, CHANGES, OVERDUE, VOLUMES, EVALUATION],
    "water": [LIST, CHANGES, OVERDUE, VOLUMES, EVALUATION],
    "auditor": [LIST, CHANGES, OVERDUE, VOLUMES, EVALUATION, TRAIL],
}
ROLE_WORDS = {"admin": "管理员", "zone": "经开区管委会", "water": "市级指导部门", "auditor": "审计"}


def signed_in(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    login(client, key)
    return client


@pytest.mark.parametrize("key", LINKS)
def test_the_home_page_names_the_user_and_links_exactly_what_their_role_may_use(shared_app: Flask,
                                                                                key: str) -> None:
    client = signed_in(shared_app, key)
    resp = client.get("/console/home")
    assert resp.status_code == 200
    page = soup(resp)
    assert page.select_one("#who").get_text() == STAFF[key][0]
    assert page.select_one("#role").get_text() == ROLE_WORDS[key]
    department = page.select_one("#department")
    assert (department.get_text() if department else None) == STAFF[key][2]
    links = [a["href"] for a in page.select("ul.parts a")]
    assert links == LINKS[key]
    for href in links:  # every link offered opens for this user
        assert client.get(href, follow_redirects=True).status_code == 200, href  # a department user: its own items
    for href in {LIST, OFFICES, CALENDAR, TRAIL} - set(links):  # and what is not offered is refused
        assert client.get(href).status_code == 403, href


def test_the_home_page_is_for_staff_only(reader: FlaskClient) -> None:
    resp = reader.get("/console/home")
    assert resp.status_code == 302 and urlsplit(resp.headers["Location"]).path == "/auth/login"


@pytest.mark.parametrize("next_, lands", [
    ("", "/console/home"), ("/console/audit/?power=38", "/console/audit/?power=38"),
    ("//evil.example/", "/console/home"),
], ids=["none", "local", "off-site"])
def test_the_login_form_lands_on_the_home_page_unless_a_safe_next_is_given(shared_app: Flask, next_: str,
                                                                           lands: str) -> None:
    client = shared_app.test_client()
    resp = form(client.get("/auth/login", query_string={"next": next_} if next_ else {}), "/auth/login").submit(
        client, name=STAFF["auditor"][0], password=PASSWORD)
    assert resp.status_code == 303 and resp.headers["Location"] == lands


def test_signing_out_asks_first_then_says_so(shared_app: Flask) -> None:
    client = signed_in(shared_app, "zone")
    home = soup(client.get("/console/home"))
    assert not home.select('form[action="/auth/logout"]')  # no page signs out in one click
    confirm = client.get(home.find("a", string="退出登录")["href"])
    assert confirm.status_code == 200 and "确定要退出登录吗" in text(confirm)
    assert client.get("/console/home").status_code == 200  # asking signed nobody out
    resp = form(confirm, "/auth/logout").submit(client)
    assert resp.status_code == 303
    done = client.get(resp.headers["Location"])
    assert done.status_code == 200 and "您已退出登录" in text(done)
    assert client.get("/console/home").status_code == 302
    again = client.get("/auth/logout")
    assert "您当前没有登录" in text(again) and not soup(again).select('form[action="/auth/logout"]')
