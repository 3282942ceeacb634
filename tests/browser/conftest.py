"""Browser tests of the web console: a real `openclob serve` on a free loopback port, driven by headless
Chromium through Playwright for Python.

The browser is Debian's `chromium` (`./run test` installs it with apt-get when /usr/bin/chromium is missing):
Playwright's own browser builds are never downloaded. Screenshots of each page are saved under
artifacts/console/ (gitignored), and the session's summary says where.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.conftest import ADMIN_TOKEN, Server, start_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
WAIT_MS = 20_000
"""How long an expectation waits for the page to show something (generous: the machine may be loaded)."""

_saved: list[Path] = []


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for a module's tests. Not for the session: Playwright's sync API runs an event loop in this
    thread while it is open, and later tests that call asyncio.run() would find it running."""
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium at /usr/bin/chromium: `./run test` installs it")
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for a module's tests (each test lists its own markets)."""
    running = start_server(tmp_path_factory.mktemp("console") / "data")
    yield running
    running.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab at laptop size, with its own sessionStorage; a script error fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.set_default_timeout(WAIT_MS)
    yield tab
    context.close()
    assert errors == []


def use_token(page: Page, server: Server, token: str = ADMIN_TOKEN) -> None:
    """Enter the admin token on the Operator page."""
    page.goto(server.url + "/console#/operator")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Use").click()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    _saved.append(path)
    return path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _saved:
        terminalreporter.write_line(f"console screenshots: {len(_saved)} in {ARTIFACTS}")
