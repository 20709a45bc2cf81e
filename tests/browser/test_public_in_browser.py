"""The open page in chromium, anonymously: no console errors, every chart described, downloads equal to the page,
usable from the keyboard and on a phone."""

import csv
import io

import pytest
from django.core.cache import cache

from tests.public.conftest import open_data  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _contrast(rgb_a: str, rgb_b: str) -> float:
    def luminance(rgb: str) -> float:
        parts = [int(p) / 255 for p in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    a, b = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_public_page_anonymously(live_server, page, open_data):  # noqa: F811
    cache.clear()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/public/")
    assert page.locator("h1").count() == 1
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Перейти к содержанию"
    page.get_by_role("link", name="Тутаевский муниципальный район").click()
    page.wait_for_selector("[data-testid=public-municipality]")
    assert page.locator("h1").count() == 1

    # every chart: role img, a non-empty title and description, and a data table next to it
    charts = page.locator("svg.chart")
    assert charts.count() >= 3
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "img"
        assert chart.locator("title").first.text_content().strip()
        assert chart.locator("desc").first.text_content().strip()
        figure = chart.locator("xpath=ancestor::figure[1]")
        assert figure.locator("details.chart-data table tbody tr").count() >= 1

    # the CSV behind the schools table has the page's figures
    with page.expect_download() as info:
        page.get_by_test_id("download-schools-csv").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text)))
    shown = page.locator("[data-testid=dataset-schools] tbody tr")
    assert shown.count() == len(rows) - 1 == 3
    for i, row in enumerate(rows[1:]):
        cells = [c.strip() for c in shown.nth(i).locator("td").all_inner_texts()]
        assert cells[:2] == row[:2]
        assert [c.replace(",", ".") for c in cells[2:4]] == row[2:4]
        assert cells[4] == row[4]
    with page.expect_download() as info:
        page.get_by_test_id("download-classification-csv").click()
    rows = list(csv.reader(io.StringIO(open(info.value.path(), encoding="utf-8-sig").read())))
    shown = page.locator("[data-testid=dataset-classification] tbody tr")
    assert [[c.strip() for c in shown.nth(i).locator("td").all_inner_texts()] for i in range(shown.count())] \
        == rows[1:]

    # text against its background: header and body text reach WCAG AA (4.5:1)
    header_bg = page.eval_on_selector(".public-header", "e => getComputedStyle(e).backgroundColor")
    brand = page.eval_on_selector(".public-brand", "e => getComputedStyle(e).color")
    assert _contrast(brand, header_bg) >= 4.5
    body = page.eval_on_selector("main p", "e => getComputedStyle(e).color")
    assert _contrast(body, "rgb(255, 255, 255)") >= 4.5

    # a school card through its link
    page.locator("[data-testid=dataset-schools] a", has_text="Школа A").click()
    page.wait_for_selector("[data-testid=public-school]")
    assert "37,25" in page.locator("[data-testid=public-school-history]").inner_text()

    # on a phone nothing but the tables scrolls sideways
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/public/{open_data['municipality'].pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert not errors, errors
