"""Shared browser fixtures: Debian's chromium driven by Playwright."""

import pytest

from tests.conftest import chromium_path, require_service


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    require_service(path is not None, "Chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    yield page
    context.close()
