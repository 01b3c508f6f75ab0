"""Evaluation in a real browser: with the case volumes of two items recorded (through the API), the zone officer
opens 事项评估 from the console home, picks the year, records 调整 for 取水许可 with a reason, and finds it in the
table and the conclusions chart; a citizen on a phone sees only the counts. Screenshots of the charts for the note."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .live import Server
from .test_console import flashed, sign_in

WATER, FORESTRY, ZONE_BODY = 38, 100, 7  # 取水许可; an item of 市林业局; 重庆经开区管委会
REASON = "全年受理量低，按时办结率下降，建议调整承接方式"


def record_volumes(live: Server) -> None:
    rows = [{"power": power, "office": ZONE_BODY, "month": f"2026-{month:02d}", "accepted": accepted,
             "completed": accepted - 1, "on_time": accepted - 2}
            for power, months in ((WATER, (1, 3, 4)), (FORESTRY, (2, 5, 6))) for month in months
            for accepted in [power // 10 + month]]
    status, body = live.api("POST", "/api/v1/case-volumes", {"reason": "政务服务系统导出", "rows": rows})
    assert status == 200, body


# The form saved with nothing chosen answers 422, which Chromium logs; only that one is allowed.
@pytest.mark.allow_console_errors(r"status of 422 .*/console/evaluation/38\?period=2026")
def test_the_zone_records_a_conclusion_and_the_public_sees_counts(new_page: Callable[..., Page],
                                                                  server_factory: Callable[[], Server],
                                                                  shot: Callable[[Page, str], Path],
                                                                  assert_accessible: Callable[[Page], None]) -> None:
    live = server_factory()
    record_volumes(live)
    zone = new_page(on=live)
    sign_in(zone, live, "zone")
    zone.goto(live.url("/console/home"))
    zone.get_by_role("link", name="事项评估").click()
    zone.get_by_label("评估期间", exact=True).fill("2026")
    zone.get_by_role("button", name="查看").click()
    expect(zone.get_by_role("heading", level=1)).to_have_text("事项评估")
    row = zone.locator(f"#item-{WATER}")
    expect(row).to_contain_text("未评估")
    row.get_by_role("link", name="评估").click()
    expect(zone.get_by_role("heading", level=1)).to_contain_text("2026年度评估：第")
    zone.get_by_role("button", name="保存评估").click()  # nothing chosen: refused beside the fields
    expect(zone.locator("#conclusion-error")).to_have_text("请选择评估结论")
    zone.get_by_label("调整").check()
    zone.get_by_label("理由").fill(REASON)
    zone.get_by_role("button", name="保存评估").click()
    flashed(zone, "取水许可：2026年度评估结论“调整”已记录。")
    expect(zone.locator(f"#item-{WATER}")).to_contain_text(REASON)
    conclusions = zone.locator("#evaluation-conclusions")
    expect(conclusions.get_by_role("row", name="调整")).to_contain_text("1")
    expect(zone.get_by_role("img", name="各评估结论的事项数")).to_contain_text("1 项")
    assert_accessible(zone)
    shot(zone, "console-evaluation")
    zone.goto(live.url("/console/volumes?from=2026-01&to=2026-06"))
    expect(zone.locator("#volumes-by-item tbody tr")).to_have_count(2)
    assert_accessible(zone)
    shot(zone, "console-volumes")

    citizen = new_page(on=live, phone=True)
    citizen.goto(live.url("/evaluation?period=2026"))
    expect(citizen.locator("#evaluation-conclusions").get_by_role("row", name="调整")).to_contain_text("1")
    expect(citizen.locator("body")).not_to_contain_text(REASON)
    expect(citizen.locator("body")).not_to_contain_text("取水许可")
    assert_accessible(citizen)
    shot(citizen, "citizen-evaluation-phone")
