"""The public pages and the console's home laid out for a phone (390×844) and a laptop (1366×768), measured in
Chromium: the item page's label column, the progress charts' text and table headers, the search results in view
with the filters chosen; axe-core finds nothing serious or critical; screenshots of the home page and a search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .live import Server
from .test_smoke import sign_in

VIEWPORTS = {"phone": {"phone": True}, "desktop": {"viewport": {"width": 1366, "height": 768}}}
SMALLEST_TEXT_PX = 12


@pytest.fixture(params=VIEWPORTS, ids=VIEWPORTS.keys())
def sized(request: pytest.FixtureRequest, new_page: Callable[..., Page]) -> tuple[str, Page]:
    return request.param, new_page(**VIEWPORTS[request.param])


def fits_the_width(page: Page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page is {width}px wide in a {inner}px window"


@pytest.mark.parametrize("power", [38, 75])
def test_the_label_column_of_an_item_takes_at_most_a_third(sized: tuple[str, Page], server: Server, power: int,
                                                           assert_accessible: Callable[[Page], None]) -> None:
    _, page = sized
    page.goto(server.url(f"/powers/{power}"))
    widths = page.eval_on_selector_all("dl.facts", """lists => lists.flatMap(dl => {
        const whole = dl.getBoundingClientRect().width;
        return [...dl.querySelectorAll(':scope > dt')].map(dt => [dt.textContent, dt.getBoundingClientRect().width,
                                                                  whole]);
    })""")
    assert len(widths) > 10
    for label, width, whole in widths:
        assert width <= whole / 3 + 0.5, f"{label}: {width:.0f}px of {whole:.0f}px"
    fits_the_width(page)
    assert_accessible(page)


def test_the_progress_charts_and_tables_read_on_every_screen(sized: tuple[str, Page], server: Server,
                                                             shot: Callable[[Page, str], Path],
                                                             assert_accessible: Callable[[Page], None]) -> None:
    name, page = sized
    page.goto(server.url("/progress"))
    sizes = page.eval_on_selector_all("figure.chart svg[role=img] text", """texts => texts.map(t =>
        [t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a])""")
    assert len(sizes) > 10
    small = [(text, round(px, 1)) for text, px in sizes if px < SMALLEST_TEXT_PX]
    assert small == [], f"chart text under {SMALLEST_TEXT_PX}px: {small}"
    # Each column name on one line: its text's line boxes all share one top.
    lines = page.eval_on_selector_all("thead th", """cells => cells.map(th => {
        const range = document.createRange();
        range.selectNodeContents(th);
        return [th.textContent, new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
    })""")
    assert len(lines) > 5
    assert [(text, n) for text, n in lines if n != 1] == []
    fits_the_width(page)
    assert_accessible(page)
    shot(page, f"layout-progress-{name}")


def test_chosen_filters_leave_the_results_in_view(sized: tuple[str, Page], server: Server,
                                                  assert_accessible: Callable[[Page], None]) -> None:
    name, page = sized
    page.goto(server.url("/"))
    page.get_by_text("筛选条件").click()
    page.get_by_label("行政许可").check()
    page.get_by_label("部分下放").check()
    page.get_by_role("button", name="按条件筛选").click()
    expect(page.get_by_role("heading", level=2, name="共")).to_be_visible()
    summary = page.locator("details.filters > summary")
    expect(summary).to_have_text("筛选条件（已选：行政许可、部分下放）")
    assert page.locator("details.filters").get_attribute("open") is None
    first = page.locator("ol.results li").first.bounding_box()
    height = page.viewport_size["height"]
    assert first is not None and first["y"] + first["height"] <= height, f"first result at {first} in {height}px"
    fits_the_width(page)
    assert_accessible(page)


@pytest.mark.parametrize("address, shown", [("/", "home"), ("/?q=取水", "search-qushui")])
def test_screenshots_of_the_home_page_and_a_result_list(sized: tuple[str, Page], server: Server, address: str,
                                                       shown: str, shot: Callable[[Page, str], Path],
                                                       assert_accessible: Callable[[Page], None]) -> None:
    name, page = sized
    page.goto(server.url(address))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    fits_the_width(page)
    assert_accessible(page)
    shot(page, f"citizen-{shown}-{name}")


def test_signing_in_lands_on_the_console_home(sized: tuple[str, Page], server: Server,
                                              shot: Callable[[Page, str], Path],
                                              assert_accessible: Callable[[Page], None]) -> None:
    name, page = sized
    sign_in(page, server, "zone", server.password)
    expect(page).to_have_url(server.url("/console/home"))
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台首页")
    expect(page.locator("#who")).to_have_text(server.staff["zone"])
    expect(page.locator("ul.parts a")).to_have_text(["事项与交接列表", "清单变化", "逾期未整改", "办件量统计",
                                                     "事项评估"])
    fits_the_width(page)
    assert_accessible(page)
    shot(page, f"console-home-{name}")
    page.get_by_role("link", name="退出登录").click()
    expect(page.get_by_text("确定要退出登录吗")).to_be_visible()
    page.get_by_role("button", name="确定退出").click()
    expect(page.get_by_role("status")).to_contain_text("您已退出登录")
    page.goto(server.url("/console/home"))
    expect(page).to_have_url(server.url("/auth/login?next=/console/home"))
