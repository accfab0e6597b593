"""In Chromium, offline: the world maps, a Sankey per material, CSV links, view links, progress within 1 s."""

from __future__ import annotations

import io
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from critmin.report import maps

from .test_browser import PACKAGE, chart_values, wait_until

pytestmark = pytest.mark.browser


def test_world_maps_drawn_from_local_outlines_and_follow_the_selectors(offline, app_url):
    offline.open(app_url)
    page = offline.page
    page.wait_for_selector('svg[data-chart="share-map"]', timeout=30_000)
    assert page.locator('svg[data-chart="share-map"] path[data-iso3]').count() == len(maps.world().shapes)
    assert page.locator('svg[data-chart="share-map"] path[data-iso3="CHN"]').get_attribute("fill") in maps.RAMP
    assert page.locator('svg[data-chart="flow-map"] path.flow').count() >= 1  # NdFeB magnets to the first ally
    page.locator("select").first.select_option(label="cobalt")
    label = 'svg[data-chart="share-map"][aria-label^="cobalt refining"]'
    wait_until(page, lambda: page.locator(label).count() == 1, 60_000)
    assert chart_values(page, "share-map")[0][0] == "CHN"
    page.locator("select").nth(1).select_option(label="EU-27")
    germany = page.locator('svg[data-chart="flow-map"] path[data-iso3="DEU"]')
    wait_until(page, lambda: germany.get_attribute("fill") == "#9ec5e8", 60_000)  # a member of the importer
    assert "cobalt mining to cobalt refining" in page.locator(".chart-sankey h3").first.inner_text()
    assert page.locator('.chart-sankey svg[data-chart="sankey"]').count() == 1
    assert offline.blocked == []


def test_every_table_has_a_csv_link_with_its_rows(offline, app_url):
    offline.open(app_url)
    page = offline.page
    page.wait_for_selector("table.dependence", timeout=30_000)
    tables = page.locator("table.ctable")
    assert tables.count() >= 3 and page.locator("a.csv").count() >= tables.count()
    link = page.locator("table.dependence + a.csv").first
    text = urllib.parse.unquote(link.get_attribute("href").split(",", 1)[1])
    header = page.locator("table.dependence th").all_inner_texts()
    assert text.splitlines()[0] == ",".join(header)
    assert len(text.strip().splitlines()) == 1 + page.locator("table.dependence tbody tr").count()


def test_a_link_reopens_the_view_and_a_bad_one_is_named(offline, app_url):
    page = offline.page
    page.goto(app_url + "?material=cobalt&ally=usa&page=Response&scenario=myanmar_heavy_ree_outage", timeout=90_000)
    page.wait_for_selector("text=Find the best portfolio", timeout=90_000)
    assert page.locator("text=myanmar_heavy_ree_outage").count() >= 1  # chosen on the Response page
    href = page.locator("p.view-link a").first.get_attribute("href")
    assert href == "?material=cobalt&ally=USA&scenario=myanmar_heavy_ree_outage&page=Response"
    offline.tab("Exposure")
    # The tab's own selector, once drawn: the Response page's selects stay in the DOM, hidden.
    expect(page.locator("select:visible").first).to_have_value("cobalt", timeout=20_000)
    page.goto(app_url + "?material=gold&tab=2", timeout=90_000)
    page.wait_for_selector("text=Part of the link was not used", timeout=60_000)
    text = page.locator("div.errors").first.inner_text()
    assert "link: material 'gold' is not a material with data here. Fix: use one of rare_earths, ndpr" in text
    assert "link: unknown parameter 'tab'. Fix: use material, ally, scenario or page." in text


def seconds_until_visible(page, click, selector: str) -> float:
    start = time.monotonic()
    click()
    page.wait_for_selector(selector, timeout=10_000)
    return time.monotonic() - start


def test_a_run_and_the_optimiser_show_progress_within_a_second(offline, app_url):
    page = offline.page
    offline.open(app_url)
    offline.tab("Scenario")
    run = page.locator("button", has_text="Run scenario")
    if run.is_disabled():
        pytest.skip("the shock simulator is not installed here")
    waited = seconds_until_visible(page, run.click, "text=/\\d+%: starting the engine/")
    assert waited < 1.0
    page.locator("button", has_text="Cancel").first.click()
    page.wait_for_selector("text=Cancelled; no result was kept", timeout=30_000)
    offline.tab("Response")
    optimise = page.locator("button", has_text="Find the best portfolio")
    waited = seconds_until_visible(page, optimise.click, "text=/\\d+%: starting the engine/")
    assert waited < 1.0
    page.locator("button", has_text="Cancel").last.click()
    page.wait_for_selector("text=Cancelled; no result was kept", timeout=30_000)


def test_an_upload_shows_its_progress_within_a_second(offline, app_url):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in Path(PACKAGE).iterdir():
            archive.write(path, f"re_chain/{path.name}")
    page = offline.page
    offline.open(app_url)
    offline.tab("Data")
    files = [{"name": "re_chain.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}]
    waited = seconds_until_visible(
        page, lambda: page.locator('input[type="file"]').set_input_files(files), "text=/Checking the upload: \\d+%/"
    )
    assert waited < 1.0
    page.wait_for_selector("text=Every page now uses it", timeout=60_000)
    assert offline.blocked == []


SENDING_SEEN = """() => {
  // From the moment the file is chosen (the input event), the first frame that shows the sending note.
  const find = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.classList.contains("sending")) return el;
      const hit = el.shadowRoot ? find(el.shadowRoot) : null;
      if (hit) return hit;
    }
    return null;
  };
  document.addEventListener("input", () => {
    const chosen = performance.now();
    window.sendingSeen = null;
    const look = () => {
      const note = find(document);
      if (note && note.getBoundingClientRect().height > 0) {
        window.sendingSeen = [performance.now() - chosen, note.textContent, !!note.querySelector(".spinner")];
      } else if (performance.now() - chosen < 5000) {
        requestAnimationFrame(look);
      }
    };
    requestAnimationFrame(look);
  }, true);
}"""


def test_a_chosen_file_is_named_with_its_size_while_the_browser_sends_it(offline, app_url):
    # The browser sends the file as one message, so the server can say nothing until it has all of it:
    # the page itself names the file at once; the server's answer replaces that note, also the second
    # time the same file is chosen (whose answer is the same text as the first's).
    import numpy as np

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in Path(PACKAGE).iterdir():
            archive.write(path, f"re_chain/{path.name}")
        archive.writestr("re_chain/scan.pdf", np.random.default_rng(0).bytes(2 * 2**20))
    data = buffer.getvalue()
    files = [{"name": "big package.zip", "mimeType": "application/zip", "buffer": data}]
    note = f"Sending big package.zip ({len(data) / 2**20:.1f} MB) to the server"
    page = offline.page
    offline.open(app_url)
    offline.tab("Data")
    page.evaluate(SENDING_SEEN)
    for _ in range(2):
        page.locator('input[type="file"]').set_input_files(files)
        page.wait_for_function("() => window.sendingSeen", timeout=10_000)
        waited_ms, text, spinner = page.evaluate("() => window.sendingSeen")
        assert waited_ms < 1000 and text.startswith(note) and spinner
        page.wait_for_selector("text=nothing was loaded", timeout=60_000)
        assert page.locator("text=Sending big package.zip").count() == 0
        assert (
            "big package.zip: 'scan.pdf' is not a .csv or .json file" in page.locator("div.errors").first.inner_text()
        )
    assert offline.blocked == []
