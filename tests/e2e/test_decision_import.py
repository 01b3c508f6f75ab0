"""An administrator imports the next decision in a real browser: uploads its page, reads the preview row by row,
is told beside the field that a reason is needed, applies it, and the recalled item's page lists both decisions;
a citizen on a phone then sees who handles a recalled item now, since when, and the change in the list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .live import Server
from .test_console import flashed, sign_in

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "decision_2027_1.txt"
WATER_POWER = 38


@pytest.mark.allow_console_errors("status of 422")  # the apply without a reason answers 422
def test_an_admin_imports_a_decision_with_its_preview(new_page: Callable[..., Page],
                                                      server_factory: Callable[[], Server],
                                                      shot: Callable[[Page, str], Path],
                                                      assert_accessible: Callable[[Page], None]) -> None:
    live = server_factory()
    admin = new_page(on=live)
    sign_in(admin, live, "admin")
    admin.get_by_role("link", name="导入决定").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("导入决定")
    admin.get_by_label("决定文件").set_input_files(str(FIXTURE))
    admin.get_by_role("button", name="预览").click()
    expect(admin.get_by_role("heading", level=2)).to_have_text("预览：渝府发〔2027〕1号")
    expect(admin.locator("[data-summary='devolve']")).to_have_text("下放 3")
    expect(admin.locator("[data-summary='recall']")).to_have_text("收回 2")
    expect(admin.locator("tr[data-outcome='retire']")).to_have_count(2)
    assert_accessible(admin)
    shot(admin, "console-decision-preview")

    admin.get_by_role("button", name="导入", exact=True).click()
    expect(admin.locator("#reason-error")).to_have_text("必填")
    admin.get_by_label("导入原因").fill("按渝府发〔2027〕1号调整")
    admin.get_by_role("button", name="导入", exact=True).click()
    flashed(admin, "已导入 渝府发〔2027〕1号")

    citizen = new_page(on=live)
    citizen.goto(live.url(f"/powers/{WATER_POWER}"))
    lines = citizen.locator("ol.lineage li")
    expect(lines).to_have_count(2)
    expect(lines.nth(1)).to_contain_text("2027-01-01 起：渝府发〔2027〕1号（2026-11-20）收回")


RIVER = 39  # 河道管理范围内建设项目工程建设方案审批, 市水利局 (the seeded ids are the 序号)
RECALL_SHEET = ("\ufeff调整类型,序号,事项名称,子项名称,事项类型,行使层级,市级指导(实施)部门(单位),备  注\n"
                "收回,1,河道管理范围内建设项目工程建设方案审批,,行政许可,市级、区县级,市水利局,\n")


def test_a_citizen_sees_who_handles_a_recalled_item_now(new_page: Callable[..., Page],
                                                         server_factory: Callable[[], Server],
                                                         shot: Callable[[Page, str], Path],
                                                         assert_accessible: Callable[[Page], None],
                                                         tmp_path: Path) -> None:
    """A sheet recalling an item from a date already past (test data: 渝府发〔2026〕20号, from 2026-07-01), imported
    in the console; a citizen on a phone then finds the item gone from today's list, its page naming the city
    department and the date, and the change listed on the changes page."""
    live = server_factory()
    sheet = tmp_path / "recall.csv"
    sheet.write_text(RECALL_SHEET, encoding="utf-8")
    admin = new_page(on=live)
    sign_in(admin, live, "admin")
    admin.goto(live.url("/console/decisions/import"))
    admin.get_by_label("决定文件").set_input_files(str(sheet))
    for label, value in (("文号", "渝府发〔2026〕20号"), ("标题", "测试：收回决定"), ("发文日期", "2026-06-01"),
                         ("施行日期", "2026-07-01"), ("承接主体", "重庆经开区管委会")):
        admin.get_by_label(label, exact=True).fill(value)
    admin.get_by_role("button", name="预览").click()
    expect(admin.locator("[data-summary='recall']")).to_have_text("收回 1")
    admin.get_by_label("导入原因").fill("测试收回")
    admin.get_by_role("button", name="导入", exact=True).click()
    flashed(admin, "已导入 渝府发〔2026〕20号")

    citizen = new_page(on=live, phone=True)
    citizen.goto(live.url("/?q=河道管理"))
    expect(citizen.locator("ol.results a.title")).to_have_count(0)
    citizen.goto(live.url(f"/powers/{RIVER}"))
    expect(citizen.locator("#standing")).to_have_text(
        "此事项已由渝府发〔2026〕20号收回，自 2026-07-01 起由市水利局办理。")
    expect(citizen.locator(".handling-office").first).to_have_text("市水利局")
    expect(citizen.locator("section[aria-labelledby=who]")).to_contain_text("自 2026-07-01 起")
    assert_accessible(citizen)
    shot(citizen, "citizen-recalled-phone")

    citizen.get_by_role("link", name="← 返回查询").click()
    citizen.get_by_role("link", name="清单变化").click()
    removed = citizen.locator("section[aria-labelledby=removed] ul.changes > li > a")
    expect(removed).to_have_text(["河道管理范围内建设项目工程建设方案审批"])
    assert_accessible(citizen)
    shot(citizen, "citizen-changes-phone")

    citizen.goto(live.url("/?q=河道管理&on=2026-06-30"))  # the day before: still the zone's
    expect(citizen.locator("#as-of")).to_contain_text("以下是 2026-06-30 的清单")
    expect(citizen.locator("ol.results a.title")).to_have_text(["河道管理范围内建设项目工程建设方案审批"])
