"""An administrator imports the next decision in a real browser: uploads its page, reads the preview row by row,
is told beside the field that a reason is needed, applies it, and the recalled item's page lists both decisions."""

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
