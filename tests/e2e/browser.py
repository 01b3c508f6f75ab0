"""Browser helpers for the e2e tests: Debian's Chromium, the off-site request guard, axe-core and screenshots."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    WebError,
    WebSocketRoute,
)

from .live import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Playwright adds --headless itself; these keep Chromium quiet and offline when run as root without a GPU.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
COMMON = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
TIMEOUT_MS = 10_000
LOCAL_SCHEMES = {"data", "blob", "about"}
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_IMPACTS = ("serious", "critical")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; a missing browser fails the run (it is never downloaded, never skipped)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's packages `chromium` and `fonts-noto-cjk` "
                    "(`apt-get install chromium fonts-noto-cjk`; .ci/run does this)", pytrace=False)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass
class Guard:
    """What one browser context did wrong: requests to any origin but the test server's, and JavaScript errors."""

    allowed: frozenset[str]
    offsite: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @classmethod
    def watch(cls, context: BrowserContext, *base_urls: str) -> Guard:
        """Install the guard on ``context``: off-site requests are aborted and recorded, errors recorded."""
        guard = cls(frozenset(origin(u) for u in base_urls))
        context.route("**/*", guard._route)
        context.route_web_socket(re.compile(".*"), guard._route_web_socket)
        context.on("request", lambda request: guard._note(request.url))
        context.on("console", guard._on_console)
        context.on("weberror", guard._on_web_error)
        return guard

    def is_local(self, url: str) -> bool:
        return urlsplit(url).scheme in LOCAL_SCHEMES or origin(url) in self.allowed

    def _note(self, url: str) -> None:
        if not self.is_local(url) and url not in self.offsite:
            self.offsite.append(url)

    def _route(self, route: Route) -> None:
        url = route.request.url
        if self.is_local(url):
            route.fallback()
        else:
            self._note(url)
            route.abort("blockedbyclient")

    def _route_web_socket(self, ws: WebSocketRoute) -> None:
        if self.is_local(ws.url.replace("ws", "http", 1)):
            ws.connect_to_server()
        else:
            self._note(ws.url)
            ws.close()

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            self.console_errors.append(f"{message.text} ({where.get('url')}:{where.get('lineNumber')})")

    def _on_web_error(self, error: WebError) -> None:
        self.page_errors.append(str(error.error))

    def problems(self, allow_errors: tuple[str, ...] | None = ()) -> list[str]:
        """Every off-site request, then every console or page error not allowed (``None`` allows them all)."""
        found = [f"request left the test server: {url}" for url in self.offsite]
        if allow_errors is None:
            return found
        errors = [f"console error: {e}" for e in self.console_errors] + [f"page error: {e}" for e in self.page_errors]
        return found + [e for e in errors if not any(re.search(p, e) for p in allow_errors)]

    def check(self, allow_errors: tuple[str, ...] | None = ()) -> None:
        """Fail the test if :meth:`problems` finds anything, listing all of it."""
        fail_listing(self.problems(allow_errors))


def fail_listing(problems: list[str]) -> None:
    """Fail the test naming every problem a guard found, if any."""
    if problems:
        pytest.fail("the browser did what a test must never see:\n" + "\n".join(f"- {p}" for p in problems),
                    pytrace=False)


def new_context(browser: Browser, phone: bool = False, **options: Any) -> BrowserContext:
    """A fresh context (own cookies and storage), desktop- or phone-sized, in Chinese and Beijing time."""
    context = browser.new_context(**(COMMON | (PHONE if phone else DESKTOP) | options))
    context.set_default_timeout(TIMEOUT_MS)
    return context


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def inject_axe(page: Page) -> None:
    """Load axe-core into the page through the DevTools protocol.

    Not page.add_script_tag(): that adds an inline <script>, which a Content-Security-Policy without
    'unsafe-inline' blocks (logging a violation), while the pages under test should keep such a policy.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())


def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    inject_axe(page)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in AXE_IMPACTS]


def describe_violation(violation: dict[str, Any]) -> str:
    targets = "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"])
    return f"- {violation['id']} ({violation['impact']}): {violation['help']}\n  at {targets}"


def assert_accessible(page: Page) -> None:
    """Fail listing every serious or critical axe-core violation (id, help, target nodes) on ``page``."""
    if violations := accessibility_violations(page):
        pytest.fail(f"{len(violations)} serious or critical accessibility violation(s) on {page.url}:\n"
                    + "\n".join(map(describe_violation, violations)), pytrace=False)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as test-artifacts/screenshots/<name>.png and return its path."""
    if not re.fullmatch(r"[\w.-]+", name):
        raise ValueError(f"screenshot name {name!r}: use letters, digits, '.', '_' or '-'")
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    return path
