"""The app in Chromium, offline: every page, selectors, scenario runs, uploads, session isolation."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from critmin.app.jobs import SHOCK_ENGINE, engine_available

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser
PACKAGE = Path(__file__).parents[1] / "report" / "data" / "re_chain"
PAGES = ["Exposure", "Scenario", "Response", "Outlook", "Sources", "Data", "Glossary"]


def chart_values(page, name: str) -> list:
    return json.loads(page.locator(f'svg[data-chart="{name}"]').first.get_attribute("data-values"))


def wait_until(page, check, timeout_ms: int = 30_000) -> None:
    for _ in range(timeout_ms // 250):
        if check():
            return
        page.wait_for_timeout(250)
    raise AssertionError("condition not met in time")


def test_every_page_opens_offline_with_a_screenshot(offline, app_url):
    offline.open(app_url)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        offline.tab(name)
        offline.page.screenshot(path=str(SCREENSHOTS / f"{name.lower()}.png"), full_page=True)
    assert offline.blocked == []


def test_material_selector_changes_the_stage_chart(offline, app_url):
    offline.open(app_url)
    before = chart_values(offline.page, "stage-control")
    offline.page.locator("select").first.select_option(label="gallium")
    wait_until(offline.page, lambda: chart_values(offline.page, "stage-control") != before)
    after = chart_values(offline.page, "stage-control")
    assert after != before and after[0][0] == "refining"


def test_ally_selector_changes_the_dependence_chart(offline, app_url):
    offline.open(app_url)
    before = chart_values(offline.page, "pairs")
    offline.page.locator("select").nth(1).select_option(label="Japan")
    wait_until(offline.page, lambda: chart_values(offline.page, "pairs") != before)


def test_sources_page_finds_provenance(offline, app_url):
    offline.open(app_url)
    offline.tab("Sources")
    offline.page.wait_for_selector("text=value(s).", timeout=10_000)
    offline.page.locator("select").nth(1).select_option("gallium")  # the material filter
    offline.page.wait_for_selector("text=material=gallium", timeout=10_000)
    assert offline.page.locator(".source-results tr").count() > 1


def test_scenario_form_runs_or_says_simulator_missing(offline, app_url):
    offline.open(app_url)
    offline.tab("Scenario")
    if not engine_available(SHOCK_ENGINE):
        assert offline.page.locator("text=The shock simulator is not installed").count() == 1
        offline.page.locator("text=Scenario file (TOML)").click()
        assert offline.page.locator('text=kind = "export_control"').count() == 1
        return
    offline.page.locator("button", has_text="Run scenario").click()
    offline.page.wait_for_selector('svg[data-chart="bands"]', timeout=90_000)
    first = chart_values(offline.page, "bands")
    offline.page.locator("button", has_text="Outage").click()
    offline.page.locator("button", has_text="Run scenario").click()
    wait_until(offline.page, lambda: "previous run (median)" in chart_values(offline.page, "bands"), 90_000)
    current = chart_values(offline.page, "bands")
    assert current["previous run (median)"] == first["this run (median)"]
    assert current["this run (median)"] != first["this run (median)"]
    offline.page.screenshot(path=str(SCREENSHOTS / "scenario-run.png"), full_page=True)


def test_bad_upload_lists_problems(offline, app_url):
    offline.open(app_url)
    offline.tab("Data")
    bad = (PACKAGE / "production.csv").read_text().replace("ndpr,separation,MYS", "ndpr,seperation,MYS")
    offline.page.locator('input[type="file"]').set_input_files(
        [{"name": "production.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    offline.page.wait_for_selector("text=nothing was loaded", timeout=20_000)
    text = offline.page.locator("div.errors").first.inner_text()
    assert "production.csv, row 8, field 'stage': 'seperation' is not a known stage" in text
    assert "Fix: use one of" in text and "/tmp" not in text
    assert offline.blocked == []


def test_upload_stays_in_its_session(offline, second, app_url):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in PACKAGE.iterdir():
            archive.write(path, f"re_chain/{path.name}")
    offline.open(app_url)
    offline.tab("Data")
    offline.page.locator('input[type="file"]').set_input_files(
        [{"name": "re_chain.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}]
    )
    offline.page.wait_for_selector("text=Every page now uses it", timeout=30_000)
    assert "your upload: re_chain.zip" in offline.page.locator("p.in-use").first.inner_text()
    second.open(app_url)
    second.tab("Data")
    assert "packaged critmin dataset" in second.page.locator("p.in-use").first.inner_text()
    assert second.page.locator("text=your upload").count() == 0


def response_state(page) -> tuple[dict, str, str]:
    """Frontier data, the stockpile table's text and the loss table's text of the Response page."""
    return (
        chart_values(page, "frontier"),
        page.locator("table.portfolio-stock").first.inner_text(),
        page.locator("table.response-losses").first.inner_text(),
    )


def test_response_budget_changes_portfolio_and_frontier(offline, app_url):
    from critmin.app.jobs import RESPONSE_ENGINE, RESPONSE_ENTRY

    offline.open(app_url)
    offline.tab("Response")
    if not engine_available(RESPONSE_ENGINE, RESPONSE_ENTRY):
        assert offline.page.locator("text=cannot be imported in this environment").count() == 1
        return
    page = offline.page
    assert page.locator("text=japan_ree_magnet_halt_6m").count() >= 1  # the default scenarios are chosen
    page.locator("button", has_text="Find the best portfolio").click()
    page.wait_for_selector('svg[data-chart="frontier"]', timeout=120_000)
    frontier, stock, losses = response_state(page)
    assert frontier["chosen_usd"] == 500e6 and 500e6 in frontier["budget_usd"]
    assert "expected loss" in losses and "USD" in stock
    handle = page.locator(".noUi-handle").first
    handle.focus()
    for _ in range(10):  # ten steps of USD 50 m
        handle.press("ArrowRight")
    page.wait_for_selector("text=to optimise for USD 1.00 bn", timeout=10_000)  # the page says the result is stale
    page.locator("button", has_text="Find the best portfolio").click()
    wait_until(page, lambda: chart_values(page, "frontier")["chosen_usd"] != frontier["chosen_usd"], 120_000)
    after, stock_after, losses_after = response_state(page)
    assert after["chosen_usd"] == 1e9 and 1e9 in after["budget_usd"]
    chosen_loss = after["expected loss"][after["budget_usd"].index(1e9)]
    assert chosen_loss <= frontier["expected loss"][frontier["budget_usd"].index(500e6)]
    assert stock_after != stock or losses_after != losses
    page.screenshot(path=str(SCREENSHOTS / "response-run.png"), full_page=True)
    assert offline.blocked == []


def test_glossary_page_uses_the_cli_words(offline, app_url):
    from critmin.glossary import TERMS

    offline.open(app_url)
    offline.tab("Glossary")
    offline.page.wait_for_selector("dl.glossary", timeout=10_000)
    text = offline.page.locator("dl.glossary").first.inner_text()
    assert TERMS["stockpile holder codes"] in text and TERMS["N-1"] in text
