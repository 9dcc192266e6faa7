"""Debian's Chromium through Playwright, for the browser tests that need a browser of their own size."""

import os

import pytest
from django.db import connections

from tests.browser.site_tour import tour  # noqa: F401  (the pages every page-wide check visits)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture
def chromium():
    """A launched browser; `chromium.new_page(viewport=…)` gives a page of the size a test needs."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()  # the queries run in Playwright's greenlet used connections of their own
