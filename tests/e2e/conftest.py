"""Fixtures for the real-browser tests: a live registry under gunicorn and Debian's Chromium driven by Playwright.

Per test process (each xdist worker): one template database made through the `registry` CLI, one server on a
copy of it, one browser. Per test: fresh browser contexts, each guarded so that a request to any other host,
a console error or an uncaught exception fails the test at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from .browser import Guard, fail_listing, launch, new_context, screenshot
from .browser import assert_accessible as _assert_accessible
from .live import Server, Template, build_template, serving


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The migrated, seeded and staffed database every server starts from, built once by the real CLI."""
    return build_template(tmp_path_factory.mktemp("e2e-template"))


@pytest.fixture(scope="session")
def server(registry_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The shared live registry of this test process; tests that write should use ``server_factory``."""
    with serving(registry_template, tmp_path_factory.mktemp("e2e-server")) as live:
        yield live


@pytest.fixture
def server_factory(registry_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        Callable[[], Server]]:
    """Start servers of the test's own (fresh data, own port): ``server_factory()``; all stopped after the test."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(serving(registry_template, tmp_path_factory.mktemp("e2e-fresh")))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's /usr/bin/chromium, headless, for the whole test process; fails (never skips) when missing."""
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def _allowed_errors(request: pytest.FixtureRequest) -> tuple[str, ...] | None:
    """The test's allow_console_errors patterns; None when it allows every error."""
    marker = request.node.get_closest_marker("allow_console_errors")
    if marker is None:
        return ()
    return tuple(marker.args) or None


@pytest.fixture
def new_page(browser: Browser, server: Server, server_factory: Callable[[], Server],
             request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """``new_page(on=None, phone=False, **context_options)``: a page in a fresh guarded context.

    ``on`` is the server the page may talk to (default: the shared ``server``). At teardown every context is
    closed, then the test fails listing any request that went elsewhere and any console or page error.
    It depends on ``server_factory`` so that the test's own servers stop only after its pages have closed
    (otherwise a late request such as the favicon's is reset and reported as a console error).
    """
    opened: list[tuple[BrowserContext, Guard]] = []

    def make(on: Server | None = None, phone: bool = False, **options: object) -> Page:
        context = new_context(browser, phone, **options)
        opened.append((context, Guard.watch(context, (on or server).base_url)))
        return context.new_page()

    yield make
    for context, _ in opened:
        context.close()
    fail_listing([p for _, guard in opened for p in guard.problems(_allowed_errors(request))])


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A desktop-sized page (1280×800) on the shared server, in a context of its own."""
    return new_page()


@pytest.fixture
def phone_page(new_page: Callable[..., Page]) -> Page:
    """A phone-sized page (390×844, mobile, touch) on the shared server, in a context of its own."""
    return new_page(phone=True)


@pytest.fixture
def shot() -> Callable[[Page, str], Path]:
    """``shot(page, name)``: a full-page PNG in test-artifacts/screenshots/<name>.png."""
    return screenshot


@pytest.fixture
def assert_accessible() -> Callable[[Page], None]:
    """``assert_accessible(page)``: fail listing every serious or critical axe-core violation."""
    return _assert_accessible
