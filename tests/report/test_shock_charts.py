"""Shock charts name the price market, state the release rule, mark the events and draw the baseline."""

from __future__ import annotations

import re

import critmin
from critmin.report import shock_charts
from critmin.scenarios import load_scenario
from critmin.shock import run


def test_real_run_charts_carry_their_context():
    result = run(critmin.load(), load_scenario("japan_ree_magnet_halt_6m"), draws=2)
    prices = shock_charts.charts(result, "price_ratio", "ndfeb")
    assert [c.key for c in prices] == ["price_ratio-ndfeb-inside", "price_ratio-ndfeb-outside"]
    assert (
        prices[1].title
        == "Simulated price of ndfeb outside the controlling country, ratio to the baseline price, by month"
    )
    assert "inside the controlling country" in prices[0].title
    svg = prices[1].svg()
    assert re.search(r'<line class="baseline"[^>]*><title>baseline \(no shock\): 1', svg)
    assert "<title>CHN export control</title>" in svg and "<title>CHN control lifted</title>" in svg
    stock = shock_charts.charts(result, "stockpile", "ndfeb")[0]
    assert stock.note == (
        "Release rule: stockpiles release 25% of their stock a month once a holder's users have less than 30 days "
        "of cover; own country's users first"
    )
