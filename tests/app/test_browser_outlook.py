"""In Chromium, offline: the Outlook page loads, its year slider moves the map, the milestones have a CSV."""

from __future__ import annotations

import urllib.parse

import pytest

from .test_browser import chart_values, wait_until

pytestmark = pytest.mark.browser

MAP = '.outlook-map svg[data-chart="share-map"]'


def test_outlook_page_slider_changes_the_maps_year(offline, app_url):
    offline.open(app_url)
    offline.tab("Outlook")
    page = offline.page
    page.wait_for_selector(MAP, timeout=120_000)  # the first open may wait for the outlook started with the server
    assert (
        page.locator(MAP)
        .get_attribute("aria-label")
        .startswith("NdFeB magnet: world share of output by country, 2030, IEA stated policies (STEPS)")
    )
    assert page.locator('.outlook-chart svg[data-chart="bands"] polygon').count() == 1  # the 5-95% band
    handle = page.locator(".noUi-handle").first
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    wait_until(page, lambda: ", 2033, " in (page.locator(MAP).get_attribute("aria-label") or ""), 30_000)
    assert chart_values(page, "share-map")  # the map carries its values
    rows = page.locator("table.outlook-milestones tbody tr")
    assert rows.count() >= 7  # a row per ally and product
    link = page.locator("table.outlook-milestones + a.csv").first
    text = urllib.parse.unquote(link.get_attribute("href").split(",", 1)[1])
    assert text.splitlines()[0] == (
        "product,ally,direct: pipeline,direct: plan,ultimate: pipeline,ultimate: plan,plan,plan cost (USD),plan buys"
    )
    assert len(text.strip().splitlines()) == 1 + rows.count()
    assert "not by 2035" in text
    assert offline.blocked == []
