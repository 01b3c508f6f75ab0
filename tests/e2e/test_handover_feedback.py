"""The handover page in a real browser, on a phone and on a desktop: after each submission the browser is back on the
page's own address at the form's place, with the result (or why it was refused) in view beside the form; an effective
date before today is saved only on the second step, confirmed with a reason."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .live import Server

WATER_POWER = 38
OFFICE = "重庆经开区行政审批服务中心"


def sign_in(page: Page, server: Server, key: str) -> None:
    page.goto(server.url("/auth/login"))
    page.get_by_label("用户名").fill(server.staff[key])
    page.get_by_label("密码").fill(server.password)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/auth/login"))


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_a_terms_change_says_what_happened_where_the_eye_is(new_page: Callable[..., Page],
                                                            server_factory: Callable[[], Server],
                                                            shot: Callable[[Page, str], Path],
                                                            assert_accessible: Callable[[Page], None],
                                                            phone: bool) -> None:
    live = server_factory()
    zone = new_page(on=live, phone=phone)
    sign_in(zone, live, "zone")
    page_url = live.url(f"/console/powers/{WATER_POWER}")
    zone.goto(page_url)
    assert_accessible(zone)

    terms = zone.locator("form[action$='/terms']")
    terms.get_by_label("承接部门").select_option(label=OFFICE)
    terms.get_by_label("移交方式").select_option(label="直接下放")
    terms.get_by_label("生效日期", exact=True).fill("2021-06-01")
    terms.get_by_role("button", name="保存交接条件").click()

    # Refused: back on the page's address at the terms, the reason in view beside the date, the input kept.
    expect(zone).to_have_url(f"{page_url}#terms")
    refusal = zone.get_by_role("alert").filter(has_text="交接条件未保存")
    expect(refusal).to_be_in_viewport()
    expect(terms.get_by_label("生效日期", exact=True)).to_have_value("2021-06-01")
    expect(terms.get_by_label("承接部门")).to_have_value(re.compile(r"\d+"))
    expect(zone.locator("#terms-effective_date-error")).to_contain_text("早于今天")
    assert_accessible(zone)
    shot(zone, f"console-handover-past-date-{'phone' if phone else 'desktop'}")

    terms.get_by_label("确认生效日期早于今天，按此日期生效").check()
    terms.get_by_label("修改说明").fill("按决定施行日期补录")
    terms.get_by_role("button", name="保存交接条件").click()

    expect(zone).to_have_url(f"{page_url}#terms")
    saved = zone.get_by_role("status").filter(has_text="交接条件已保存")
    expect(saved).to_be_in_viewport()
    expect(zone.get_by_role("status")).to_have_count(1)
    history = zone.locator("section[aria-labelledby=history] tbody tr").first
    expect(history).to_contain_text(f"承接部门改为{OFFICE}；移交方式改为直接下放；生效日期改为2021-06-01。")
    expect(history).to_contain_text("按决定施行日期补录")
    assert_accessible(zone)
    shot(zone, f"console-handover-saved-{'phone' if phone else 'desktop'}")

    # A step further down the page: its result is in view there too.
    item = zone.locator("#check-files")
    item.get_by_label("文号").fill("渝经开函〔2021〕1号")
    item.get_by_role("button", name="标记完成“档案资料移交”").click()
    expect(zone).to_have_url(f"{page_url}#check-files")
    expect(item.get_by_role("status")).to_have_text("“档案资料移交”已完成。")
    expect(item.get_by_role("status")).to_be_in_viewport()
