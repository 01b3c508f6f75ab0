"""A citizen reads an item's full service guide (办事指南) in a real browser, on a phone and on a desktop: every
field is there under its heading, nothing staff wrote (the reason) is, the page fits the screen, and axe-core
finds nothing serious or critical."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.test_api_guides import FULL

from .live import Server, Template, serving

WATER_POWER = 38  # 取水许可
REASON = "公布办事指南（内部说明，不对外）"
HEADINGS = ("服务对象", "受理条件", "申请材料", "办理流程", "法定办结时限", "承诺办结时限", "是否收费", "办理地点",
            "办理时间", "咨询电话", "监督投诉电话", "在线办理", "办理结果", "设定依据", "基本编码", "实施编码")
SCREENS = {"phone": {"phone": True}, "desktop": {"viewport": {"width": 1366, "height": 768}}}


@pytest.fixture(scope="module")
def guided(registry_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own whose 取水许可 has a full guide, written through the API as the admin."""
    with serving(registry_template, tmp_path_factory.mktemp("e2e-guide")) as live:
        status, body = live.api("PATCH", f"/api/v1/powers/{WATER_POWER}/guide", {**FULL, "reason": REASON})
        assert status == 200, body
        yield live


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_citizen_reads_a_full_guide(new_page: Callable[..., Page], guided: Server, screen: str,
                                      shot: Callable[[Page, str], Path],
                                      assert_accessible: Callable[[Page], None]) -> None:
    page = new_page(on=guided, **SCREENS[screen])
    page.goto(guided.url(f"/powers/{WATER_POWER}"))
    section = page.get_by_role("region", name="办事指南")
    expect(section).to_be_visible()
    expect(section.locator("dt")).to_have_text(list(HEADINGS))
    expect(section.locator("ol.materials li")).to_have_text(FULL["materials"])
    expect(section.get_by_role("link", name=FULL["online_url"])).to_have_attribute("href", FULL["online_url"])
    expect(section.get_by_role("link", name=FULL["complaint_phone"])).to_have_attribute("href", "tel:12345")
    expect(section.get_by_text(FULL["implementation_code"], exact=True)).to_be_visible()
    assert REASON not in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page is {width}px wide on a {viewport}px screen"
    assert_accessible(page)
    shot(page, f"citizen-guide-{screen}")


@pytest.mark.allow_console_errors("status of 422")  # the refused save answers 422 with the form and its errors
def test_the_guiding_department_writes_a_guide_in_the_console(new_page: Callable[..., Page],
                                                              server_factory: Callable[[], Server],
                                                              shot: Callable[[Page, str], Path],
                                                              assert_accessible: Callable[[Page], None]) -> None:
    live = server_factory()
    page = new_page(on=live)
    page.goto(live.url("/auth/login?next=/console/powers/38"))
    page.get_by_label("用户名").fill(live.staff["water"])
    page.get_by_label("密码").fill(live.password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="办事指南").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("办事指南：取水许可")
    page.get_by_label("基本编码").fill(FULL["basic_code"])
    page.get_by_label("法定办结时限（工作日）").fill("5")
    page.get_by_label("承诺办结时限（工作日）").fill("8")
    page.get_by_label("申请材料（每行一项）").fill("\n".join(FULL["materials"]))
    page.get_by_label("修改原因").fill("公布办事指南")
    page.get_by_role("button", name="保存办事指南").click()
    expect(page.locator("#promised_time_limit_days-error")).to_have_text(
        "承诺办结时限（8 个工作日）不能超过法定办结时限（5 个工作日）")
    assert_accessible(page)
    shot(page, "console-guide-error")
    page.get_by_label("承诺办结时限（工作日）").fill("3")
    page.get_by_role("button", name="保存办事指南").click()
    expect(page.get_by_role("status").filter(has_text="办事指南已保存")).to_be_visible()
    page.goto(live.url(f"/powers/{WATER_POWER}"))
    section = page.get_by_role("region", name="办事指南")
    expect(section.locator("dt")).to_have_text(["申请材料", "法定办结时限", "承诺办结时限", "基本编码"])
