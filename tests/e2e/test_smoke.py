"""Smoke tests in a real browser: the sign-in page over gunicorn, and proof that the guards themselves can fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .browser import Guard, accessibility_violations, assert_accessible, new_context
from .live import Server

OFFSITE_IMAGE = "http://example.com/x.png"
OFFSITE_API = "https://example.org/api/ping"


def sign_in(page: Page, server: Server, key: str, password: str) -> None:
    """Fill the sign-in form as the STAFF member ``key`` and submit it."""
    page.goto(server.url("/auth/login"))
    page.get_by_label("用户名").fill(server.staff[key])
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def wait_until(page: Page, condition: Callable[[], object], timeout_s: float = 5) -> None:
    """Let the browser's events arrive (bounded) until ``condition`` holds."""
    for _ in range(int(timeout_s / 0.05)):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("condition not met in time")


@pytest.fixture
def bare_context(browser: Browser) -> Iterator[BrowserContext]:
    """A context the test guards itself, so it can look at what the guard found instead of failing."""
    context = new_context(browser)
    yield context
    context.close()


def test_login_page_loads_and_is_accessible(page: Page, server: Server, shot: Callable[[Page, str], Path],
                                            assert_accessible: Callable[[Page], None]) -> None:
    """The sign-in page renders its labelled fields in Chinese and has no serious accessibility violation."""
    page.goto(server.url("/auth/login"))
    expect(page).to_have_title("工作人员登录 — 重庆经开区下放权力事项登记")
    expect(page.get_by_role("heading", level=1)).to_have_text("工作人员登录")
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_label("密码")).to_have_attribute("type", "password")
    assert_accessible(page)
    shot(page, "login")


def test_login_page_on_a_phone(phone_page: Page, server: Server, shot: Callable[[Page, str], Path],
                               assert_accessible: Callable[[Page], None]) -> None:
    """On a phone-sized screen the form fits the width and stays accessible."""
    phone_page.goto(server.url("/auth/login"))
    button = phone_page.get_by_role("button", name="登录")
    expect(button).to_be_visible()
    assert phone_page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_accessible(phone_page)
    shot(phone_page, "login-phone")


def test_wrong_password_shows_an_error(page: Page, server: Server) -> None:
    """A wrong password keeps the user on the form with an alert, and signs nobody in."""
    sign_in(page, server, "auditor", "not the password")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    assert page.url.startswith(server.url("/auth/login"))
    page.goto(server.url("/auth/session"))
    expect(page.get_by_role("heading", level=1)).not_to_have_text("当前登录")


def test_zone_user_signs_in(page: Page, server: Server, shot: Callable[[Page, str], Path]) -> None:
    """The right password as the zone user lands on the console's home page, which names them."""
    sign_in(page, server, "zone", server.password)
    expect(page).to_have_url(server.url("/console/home"))
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台首页")
    expect(page.locator("#who")).to_have_text(server.staff["zone"])
    shot(page, "session")


def test_zone_offices_were_created_through_the_api(server: Server) -> None:
    """The live server holds the two test zone offices with their contact details."""
    status, departments = server.api("GET", "/api/v1/departments")
    assert status == 200
    offices = {d["name"]: d for d in departments if d["id"] in server.offices.values()}
    assert set(offices) == set(server.offices) == {"重庆经开区行政审批服务中心", "重庆经开区建设管理局"}
    assert all(d["kind"]["code"] == "zone" and d["address"] and d["phone"] and d["hours"] for d in offices.values())


def test_a_fresh_server_has_data_of_its_own(server_factory: Callable[[], Server], server: Server,
                                            new_page: Callable[..., Page]) -> None:
    """server_factory() starts another registry on its own copy of the data; a page may talk to it."""
    fresh = server_factory()
    assert fresh.base_url != server.base_url and fresh.offices.keys() == server.offices.keys()
    status, _ = fresh.api("POST", "/api/v1/departments", {"name": "经开区测试专用机构", "kind": "zone"})
    assert status == 201

    def names(on: Server) -> set[str]:
        return {d["name"] for d in on.api("GET", "/api/v1/departments")[1]}

    assert "经开区测试专用机构" in names(fresh) - names(server)
    page = new_page(on=fresh)
    page.goto(fresh.url("/auth/login"))
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def test_guard_catches_an_offsite_image(bare_context: BrowserContext, server: Server) -> None:
    """An <img> pointing at another host is aborted, recorded, and makes the guard fail the test."""
    guard = Guard.watch(bare_context, server.base_url)
    page = bare_context.new_page()
    page.goto(server.url("/auth/login"))
    assert guard.problems() == []
    page.set_content(f'<img src="{OFFSITE_IMAGE}" alt="外部图片">')
    page.wait_for_function("() => document.querySelector('img').complete")
    assert page.evaluate("() => document.querySelector('img').naturalWidth") == 0
    assert guard.offsite == [OFFSITE_IMAGE]
    with pytest.raises(pytest.fail.Exception, match="request left the test server: http://example.com/x.png"):
        guard.check(allow_errors=None)


def test_guard_catches_an_offsite_fetch(bare_context: BrowserContext, server: Server) -> None:
    """A script's fetch() to another host never gets out and is recorded (on a blank page: a registry page's own
    policy would refuse the fetch before the guard saw it, as the next test shows)."""
    guard = Guard.watch(bare_context, server.base_url)
    page = bare_context.new_page()
    outcome = page.evaluate(f"() => fetch('{OFFSITE_API}').then(() => 'reached', () => 'blocked')")
    assert (outcome, guard.offsite) == ("blocked", [OFFSITE_API])


@pytest.mark.parametrize("path", ["/?q=取水", "/api/v1/docs", "/auth/login"])
def test_a_pages_policy_refuses_what_an_injection_would_load(bare_context: BrowserContext, server: Server,
                                                           path: str) -> None:
    """The Content-Security-Policy, in a real browser: in a registry page, an injected inline script does not run,
    and a fetch() or an image from another host is refused (Chromium still reports the image's request to
    Playwright, then blocks it: the console says so)."""
    guard = Guard.watch(bare_context, server.base_url)
    page = bare_context.new_page()
    page.goto(server.url(path))
    assert guard.problems() == []
    outcome = page.evaluate(f"() => fetch('{OFFSITE_API}').then(() => 'reached', () => 'blocked')")
    page.evaluate(f"""() => {{
        const s = document.createElement('script'); s.textContent = 'window.injected = 1'; document.body.append(s);
        const i = document.createElement('img'); i.src = '{OFFSITE_IMAGE}'; i.alt = ''; document.body.append(i);
    }}""")
    wait_until(page, lambda: len(guard.console_errors) >= 3)
    assert outcome == "blocked" and OFFSITE_API not in guard.offsite  # refused before the guard saw a request
    assert page.evaluate("() => window.injected") is None
    refusals = "\n".join(guard.console_errors)
    for refused in (f"Connecting to '{OFFSITE_API}' violates", "Executing inline script violates",
                    f"Loading the image '{OFFSITE_IMAGE}' violates"):
        assert refused in refusals and "Content Security Policy" in refusals, guard.console_errors


def test_guard_catches_javascript_errors(bare_context: BrowserContext, server: Server) -> None:
    """console.error and an uncaught exception are both reported, unless the test allows them."""
    guard = Guard.watch(bare_context, server.base_url)
    page = bare_context.new_page()
    page.set_content("<script>console.error('deliberate console error'); throw new Error('deliberate boom');</script>")
    wait_until(page, lambda: guard.console_errors and guard.page_errors)
    assert [e.split(" (")[0] for e in guard.console_errors] == ["deliberate console error"]
    assert guard.page_errors and "deliberate boom" in guard.page_errors[0]
    with pytest.raises(pytest.fail.Exception, match="deliberate boom"):
        guard.check()
    guard.check(allow_errors=("deliberate",))
    guard.check(allow_errors=None)


@pytest.mark.allow_console_errors("deliberate")
def test_a_test_can_allow_console_errors(page: Page) -> None:
    """The allow_console_errors marker lets a test that expects an error pass."""
    page.set_content("<script>console.error('deliberate, and allowed')</script>")


def test_accessibility_check_can_fail(page: Page) -> None:
    """axe-core reports an image without a text alternative and a nameless button, and the helper fails."""
    page.set_content('<html lang="zh-Hans"><title>t</title><main><img src="data:,"><button></button></main></html>')
    assert {v["id"] for v in accessibility_violations(page)} >= {"image-alt", "button-name"}
    with pytest.raises(pytest.fail.Exception, match="image-alt"):
        assert_accessible(page)
