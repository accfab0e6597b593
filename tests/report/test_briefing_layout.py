"""The HTML briefing in Chromium: every legend and label inside its figure; the control note only where it applies."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import critmin
from critmin.report.html import render_html
from critmin.report.shock_charts import CONTROL_NOTE

from .conftest import shock_like

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
OUTSIDE = """
svg => {
  const box = svg.getBoundingClientRect();
  const out = [];
  for (const mark of svg.querySelectorAll("text, rect")) {
    const b = mark.getBoundingClientRect();
    if (b.width === 0 && b.height === 0) continue;
    if (b.left < box.left - 1 || b.right > box.right + 1 || b.top < box.top - 1 || b.bottom > box.bottom + 1)
      out.push(mark.tagName + " " + (mark.textContent || mark.getAttribute("fill")));
  }
  return out;
}
"""


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser.new_page(viewport={"width": 900, "height": 1200})
        browser.close()


def show(page, html: str, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page.goto(path.as_uri())


def test_every_legend_and_label_is_inside_its_figure(page, tmp_path):
    show(page, render_html(critmin.load()), tmp_path, "packaged")
    charts = page.locator("figure svg.chart")
    assert charts.count() >= 30  # stage control per material, two maps, a Sankey per chain, dependence
    for anchor in ("control-cobalt", "control-lithium", "control-nickel", "map-shares", "sankey-ndfeb-magnet"):
        figure, swatches = page.locator(f"figure#{anchor}"), page.locator(f"figure#{anchor} svg rect[width='12']")
        box = figure.locator("svg").bounding_box()
        assert swatches.count() >= 1 or anchor.startswith("sankey")
        for i in range(swatches.count()):  # the legend swatches, box by box
            mark = swatches.nth(i).bounding_box()
            assert box["y"] <= mark["y"] and mark["y"] + mark["height"] <= box["y"] + box["height"] + 0.5, anchor
    outside = {
        charts.nth(i).get_attribute("data-chart") + f" #{i}": charts.nth(i).evaluate(OUTSIDE)
        for i in range(charts.count())
    }
    assert {k: v for k, v in outside.items() if v} == {}


def price_shock(events: list) -> xr.Dataset:
    shock = shock_like()
    rng = np.random.default_rng(3)
    ratio = xr.DataArray(
        1 + rng.uniform(0, 0.5, (shock.sizes["draw"], shock.sizes["month"], 2, 2)),
        dims=("draw", "month", "material", "market"),
        coords={"material": shock.material.values, "market": ["inside", "outside"]},
    )
    return shock.assign(price_ratio=ratio).assign_attrs(events=json.dumps(events))


def test_the_control_note_appears_only_on_scenarios_with_a_control(page, tmp_path, chain_ds):
    captions = {}
    for name, events in {"control": [[2, "CHN export control"]], "outage": [[2, "MMR outage"]]}.items():
        show(page, render_html(chain_ds, shock=price_shock(events)), tmp_path, name)
        captions[name] = page.locator("section#shock figcaption").all_inner_texts()
        assert any("inside the controlling country" in c for c in captions[name])  # the price charts are drawn
    assert sum(CONTROL_NOTE in c for c in captions["control"]) >= 2
    assert [c for c in captions["outage"] if CONTROL_NOTE in c] == []
    assert pd.Series(captions["outage"]).str.contains("Simulated price").any()
