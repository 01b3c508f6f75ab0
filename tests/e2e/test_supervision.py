"""Supervision in a real browser: an officer of 市水利局 records an inspection of its item 38 whose finding requires
rectification within 5 working days (from 2026-09-30, across the National Day holiday); the zone finds it on the
list of overdue rectifications, linked from the console home, and closes it with its evidence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from .live import Server
from .test_console import flashed, sign_in

WATER_POWER = 38


def test_the_department_records_an_inspection_and_the_zone_closes_it(new_page: Callable[..., Page],
                                                                     server_factory: Callable[[], Server],
                                                                     shot: Callable[[Page, str], Path],
                                                                     assert_accessible: Callable[[Page], None]
                                                                     ) -> None:
    live = server_factory()
    water = new_page(on=live)
    sign_in(water, live, "water")
    water.goto(live.url(f"/console/powers/{WATER_POWER}#supervision"))
    new = water.locator("#supervision-new")
    new.get_by_label("监管日期").fill("2026-09-30")
    new.get_by_label("监管方式").select_option(label="检查")
    new.get_by_label("工作内容和发现的问题").fill("抽查 10 件取水许可申请，2 件未一次性告知所需材料")
    new.get_by_label("文号").fill("渝水监〔2026〕7号")
    new.get_by_label("发现的问题需要整改").check()
    new.get_by_label("整改要求").fill("补发一次性告知书，并在窗口公示材料清单")
    new.get_by_label("整改期限（工作日）").fill("5")
    new.get_by_role("button", name="保存监管记录").click()
    flashed(water, "已记录检查。整改截止日期为 2026-10-")
    record = water.locator("#supervision-records tbody tr").first
    expect(record).to_contain_text("补发一次性告知书")
    expect(record.locator("[data-rectification]")).to_have_text("逾期未整改")
    expect(water.locator("form[action$='/close']")).to_have_count(0)  # the zone puts it right, not the department

    zone = new_page(on=live)
    sign_in(zone, live, "zone")
    zone.goto(live.url("/console/home"))
    zone.get_by_role("link", name="逾期未整改").click()
    expect(zone.get_by_role("heading", level=1)).to_have_text("逾期未整改")
    overdue = zone.locator("#overdue-rectifications tbody tr")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text("补发一次性告知书")
    assert_accessible(zone)
    overdue.get_by_role("link").click()
    closing = zone.locator("form[action$='/close']")
    closing.get_by_label("整改情况").fill("已补发告知书，材料清单已在窗口公示")
    closing.get_by_label("文号").fill("渝经开整改〔2026〕3号")
    closing.get_by_role("button", name="办结此整改").click()
    flashed(zone, "整改已办结（逾期办结）。")
    expect(zone.locator("#supervision-records [data-rectification]")).to_have_text("逾期整改")
    expect(zone.locator("#supervision-records")).to_contain_text("渝经开整改〔2026〕3号")
    assert_accessible(zone)
    zone.locator("#supervision").scroll_into_view_if_needed()
    shot(zone, "console-supervision")
    zone.goto(live.url("/console/rectifications/"))
    expect(zone.locator("#none-overdue")).to_be_visible()
