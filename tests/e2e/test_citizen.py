"""A citizen in a real browser: finds an item by a few characters or by pinyin initials, reads who handles it,
filters on a phone, reads the progress page; every public page passes axe-core (no serious or critical)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .live import Server

WATER_POWER = 38  # 取水许可, guided by 市水利局


@pytest.mark.parametrize("typed", ["取水", "qsxk"])
def test_a_citizen_finds_the_item_and_reads_who_handles_it(page: Page, server: Server, typed: str,
                                                          shot: Callable[[Page, str], Path],
                                                          assert_accessible: Callable[[Page], None]) -> None:
    page.goto(server.url("/"))
    page.get_by_label("搜索事项").fill(typed)
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page.get_by_role("heading", level=2, name=f"“{typed}”：共")).to_be_visible()
    first = page.locator("ol.results a.title").first
    expect(first).to_have_text("取水许可")
    expect(first.locator("mark")).to_have_text("取水" if typed == "取水" else "取水许可")
    assert_accessible(page)
    shot(page, f"citizen-search-{typed}")
    first.click()
    expect(page).to_have_url(server.url(f"/powers/{WATER_POWER}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("取水许可")
    who = page.get_by_role("region", name="现在由谁办理")
    expect(who.locator(".handling-office")).to_have_text("市水利局")
    expect(page.get_by_text("渝府发〔2021〕13号", exact=True)).to_be_visible()
    assert_accessible(page)
    shot(page, f"citizen-power-{typed}")


def test_a_search_that_finds_nothing_helps(page: Page, server: Server, shot: Callable[[Page, str], Path],
                                          assert_accessible: Callable[[Page], None]) -> None:
    page.goto(server.url("/"))
    page.get_by_label("搜索事项").fill("取水囧许可证书")
    page.keyboard.press("Enter")
    expect(page.get_by_text("没有找到与“取水囧许可证书”相关的事项")).to_be_visible()
    suggestion = page.locator(".notice li a").first
    offered = suggestion.inner_text()
    suggestion.click()
    expect(page.get_by_label("搜索事项")).to_have_value(offered)
    expect(page.locator("ol.results li").first).to_be_visible()
    page.go_back()
    assert_accessible(page)
    shot(page, "citizen-no-result")


def test_a_citizen_on_a_phone_uses_the_filters(phone_page: Page, server: Server, shot: Callable[[Page, str], Path],
                                               assert_accessible: Callable[[Page], None]) -> None:
    page = phone_page
    page.goto(server.url("/"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
    page.get_by_text("筛选条件").tap()
    licensing = page.get_by_label("行政许可")
    expect(licensing).to_be_visible()
    count = int(licensing.locator("xpath=..").locator(".count").inner_text().strip("()"))
    licensing.check()
    page.get_by_label("部分下放").check()
    page.get_by_role("button", name="按条件筛选").tap()
    heading = page.get_by_role("heading", level=2, name="共")
    expect(heading).to_be_visible()
    results = page.locator("ol.results li")
    total = int(heading.inner_text().removeprefix("共 ").removesuffix(" 项"))
    assert 0 < total < count and results.count() == total
    for tags in results.locator(".meta").all_inner_texts():
        assert "行政许可" in tags and "部分下放" in tags
    expect(page.get_by_label("行政许可")).to_be_checked()
    assert_accessible(page)
    shot(page, "citizen-phone-filters")


def test_the_progress_page(page: Page, server: Server, shot: Callable[[Page, str], Path],
                           assert_accessible: Callable[[Page], None]) -> None:
    page.goto(server.url("/"))
    page.get_by_role("link", name="交接进度").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("交接进度")
    expect(page.get_by_role("img", name="各交接状态的事项数")).to_be_visible()
    expect(page.get_by_role("img", name="各市级指导部门的交接情况")).to_be_visible()
    expect(page.get_by_role("row", name="合计 103")).to_be_visible()
    assert_accessible(page)
    shot(page, "citizen-progress")


@pytest.mark.parametrize("path", ["/", "/?q=林地", "/?type=licensing&status=pending", "/powers/100", "/powers/75",
                                  "/progress", "/auth/login",
                                  pytest.param("/powers/99999", marks=pytest.mark.allow_console_errors("404"))])
def test_every_public_page_passes_axe(page: Page, server: Server, path: str,
                                      assert_accessible: Callable[[Page], None]) -> None:
    page.goto(server.url(path))
    assert_accessible(page)
