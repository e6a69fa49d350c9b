"""Fixtures of mobility's tests: a partner's webhook receiver; for the browser tests a headless Debian chromium driven
by Playwright, and screenshots saved as test artifacts."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from .webhook_receiver import Receiver

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

_saved_screenshots: list[Path] = []


@pytest.fixture
def receiver():
    """A partner's webhook receiver on 127.0.0.1 (``webhook_receiver.Receiver``), stopped after the test."""
    started = Receiver()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the session. Never ``playwright install``: it cannot download here, and the
    Debian package is the browser CI runs (DESIGN.md §9)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed; ./dev test installs it when run as root")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"Playwright for Python cannot be imported ({exc}); pip install -r requirements-dev.txt")
    playwright = sync_playwright().start()
    # Playwright's sync API keeps an asyncio loop marked as running in this thread while it is started, and Django
    # refuses ORM calls from a thread with a running loop. The tests' ORM calls are synchronous all the same, so the
    # check is switched off while the browser lives; e2e tests run last (below), so no other test loses the check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves ``var/screenshots/name.png`` (full page), prints and returns its path."""

    def save(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        _saved_screenshots.append(path)
        print(f"screenshot: {path}")
        return path

    return save


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run after every other test (after pytest-django's own ordering), since the session's browser
    stays up from the first of them to the end of the run."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


def pytest_terminal_summary(terminalreporter):
    if _saved_screenshots:
        terminalreporter.section("screenshots")
        for path in _saved_screenshots:
            terminalreporter.write_line(str(path))
