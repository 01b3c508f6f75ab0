"""Staff in a real browser: the zone takes 取水许可 from pending to handed over with 市水利局 confirming its side,
the public page then names the new office, and an auditor reads the change as a diff and verifies the trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .browser import DESKTOP
from .live import Server

WATER_POWER = 38
OFFICE = "重庆经开区行政审批服务中心"
CHECKLIST = ("业务指导和培训", "事中事后监管措施", "档案资料移交", "业务系统权限开通", "权力清单和办事指南更新")
BEIJING = timezone(timedelta(hours=8))


def sign_in(page: Page, server: Server, key: str) -> None:
    page.goto(server.url("/auth/login?next=/console/"))
    page.get_by_label("用户名").fill(server.staff[key])
    page.get_by_label("密码").fill(server.password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("事项与交接")


def flashed(page: Page, message: str) -> None:
    expect(page.get_by_role("status").filter(has_text=message)).to_be_visible()


def test_a_power_from_pending_to_handed_over(new_page: Callable[..., Page], server_factory: Callable[[], Server],
                                            shot: Callable[[Page, str], Path],
                                            assert_accessible: Callable[[Page], None]) -> None:
    live = server_factory()
    today = datetime.now(UTC).astimezone(BEIJING).date().isoformat()
    zone = new_page(on=live)
    sign_in(zone, live, "zone")
    zone.get_by_label("搜索事项").fill("取水许可")
    zone.get_by_role("button", name="搜索", exact=True).click()
    zone.get_by_role("link", name="取水许可", exact=True).click()
    expect(zone.get_by_role("heading", level=1)).to_have_text("取水许可")
    expect(zone.locator("[data-status]")).to_have_text("待交接")
    assert_accessible(zone)
    shot(zone, "console-handover-pending")

    terms = zone.locator("form[action$='/terms']")
    terms.get_by_label("承接部门").select_option(label=OFFICE)
    terms.get_by_label("移交方式").select_option(label="直接下放")
    terms.get_by_label("生效日期").fill(today)
    terms.get_by_label("修改说明").fill("双方商定交接条件")
    terms.get_by_role("button", name="保存交接条件").click()
    flashed(zone, "交接条件已保存")
    zone.get_by_role("button", name="转为：交接中").click()
    flashed(zone, "交接状态已转为“交接中”")
    for item in CHECKLIST:
        section = zone.locator(".checkitem").filter(has=zone.get_by_role("heading", name=item))
        section.get_by_label("文号").fill("渝经开函〔2021〕1号")
        section.get_by_role("button", name=f"标记完成“{item}”").click()
        flashed(zone, f"“{item}”已完成")
    # The zone cannot confirm for the city department: it is offered only its own side.
    expect(zone.get_by_role("button", name="市级部门确认移交")).to_have_count(0)
    zone.get_by_role("button", name="经开区确认承接").click()
    flashed(zone, "重庆经开区管委会已确认承接。")
    # Handing over waits for the department's confirmation, and says so.
    expect(zone.locator("#to-handed_over")).to_contain_text("市级部门确认移交")
    expect(zone.get_by_role("button", name="转为：已交接")).to_have_count(0)

    water = new_page(on=live)
    sign_in(water, live, "water")
    water.goto(live.url(f"/console/powers/{WATER_POWER}"))
    water.get_by_role("button", name="市级部门确认移交").click()
    flashed(water, "市水利局已确认移交。")

    zone.reload()
    zone.get_by_role("button", name="转为：已交接").click()
    flashed(zone, "交接状态已转为“已交接”")
    expect(zone.locator("[data-status]")).to_have_text("已交接")
    assert_accessible(zone)
    shot(zone, "console-handover-done")

    citizen = new_page(on=live)
    citizen.goto(live.url(f"/powers/{WATER_POWER}"))
    who = citizen.get_by_role("region", name="现在由谁办理")
    expect(who.locator(".handling-office")).to_have_text(OFFICE)
    expect(who).to_contain_text(f"自 {today} 起")
    expect(who).to_contain_text("023-0000-0001")
    expect(citizen.get_by_role("region", name="交接情况")).to_contain_text(
        f"交接状态由“交接中”变为“已交接”，自 {today} 起由{OFFICE}办理")
    assert_accessible(citizen)
    shot(citizen, "citizen-power-handed-over")

    auditor = new_page(on=live)
    sign_in(auditor, live, "auditor")
    auditor.get_by_role("link", name="审计记录").click()
    auditor.get_by_text("筛选条件", exact=True).click()
    auditor.get_by_label("事项", exact=True).fill(str(WATER_POWER))  # a 序号 (power 38 is 序号 38) or a name
    auditor.get_by_label("操作", exact=True).select_option(label="状态转换")
    auditor.get_by_role("button", name="筛选", exact=True).click()
    latest = auditor.locator("article").first
    expect(latest).to_contain_text("经开区甲")
    status_row = latest.get_by_role("row").filter(has_text="交接状态")
    expect(status_row.locator("del")).to_have_text("交接中")
    expect(status_row.locator("ins")).to_have_text("已交接")
    assert_accessible(auditor)
    shot(auditor, "console-audit-diff")
    auditor.set_viewport_size({"width": 390, "height": 844})  # the trail on a phone, for the record
    expect(latest).to_be_visible()
    shot(auditor, "console-audit-diff-phone")
    auditor.set_viewport_size(DESKTOP["viewport"])
    auditor.get_by_role("button", name="校验审计链").click()
    expect(auditor.locator("#verify-result")).to_contain_text("审计链完整")
    shot(auditor, "console-audit-verified")


@pytest.mark.allow_console_errors("status of 412")  # the refused save answers 412 Precondition Failed
def test_the_console_list_and_a_stale_edit(new_page: Callable[..., Page], server_factory: Callable[[], Server],
                                           shot: Callable[[Page, str], Path],
                                           assert_accessible: Callable[[Page], None]) -> None:
    live = server_factory()
    admin = new_page(on=live)
    sign_in(admin, live, "admin")
    assert_accessible(admin)
    shot(admin, "console-list")
    admin.goto(live.url(f"/console/powers/{WATER_POWER}/edit"))
    other = new_page(on=live)
    sign_in(other, live, "water")
    other.goto(live.url(f"/console/powers/{WATER_POWER}/edit"))
    other.get_by_label("备注").fill("水利局先改")
    other.get_by_label("修改原因").fill("补充备注")
    other.get_by_role("button", name="保存修改").click()
    flashed(other, "事项信息已保存")
    admin.get_by_label("事项名称").fill("取水许可（改）")
    admin.get_by_label("修改原因").fill("更正")
    admin.get_by_role("button", name="保存修改").click()
    expect(admin.get_by_role("alert")).to_contain_text("此记录已被他人修改，您的修改未保存")
    expect(admin.get_by_role("region", name="他人修改后的当前内容与您填写的不同")).to_contain_text("水利局先改")
    assert_accessible(admin)
    shot(admin, "console-stale-edit")
    admin.get_by_role("link", name="部门与承接机构").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("部门与承接机构")
    assert_accessible(admin)
    shot(admin, "console-offices")
