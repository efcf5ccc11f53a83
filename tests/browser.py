"""A real headless Chromium for the tests, driven by Playwright (shared by test modules).

The system's Chromium is used (Playwright's own browser download is not
needed). Tests that use the ``page`` fixture skip, naming what to install,
where Chromium or Playwright is missing; CI installs both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str | None:
    """The system Chromium, or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("needs a Chromium browser: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip('needs Playwright: pip install playwright (or "autograd-core[dev]")')
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records every request it makes and fails on script errors."""
    context = browser.new_context(viewport={"width": 1200, "height": 700})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.requests = []
    tab.errors = []
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.console = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.on("console", lambda message: tab.console.append(f"{message.type}: {message.text}"))
    try:
        yield tab
    finally:
        context.close()


def screenshot_folder() -> str | None:
    """Where to keep screenshots to look at (``SCREENSHOTS`` in the environment), if set."""
    return os.environ.get("SCREENSHOTS")
