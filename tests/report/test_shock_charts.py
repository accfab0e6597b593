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
        == "Simulated price of NdFeB outside the controlling country, ratio to the baseline price, by month"
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


OUTAGE = """
name = "magnet_outage"
horizon_months = 12
start = "2026-01"
seed = 1
draws = 2
[[events]]
kind = "outage"
country = "CHN"
material = "ndfeb"
stage = "magnet"
capacity_lost = 0.8
start = 2
duration_months = 6
"""


def test_magnet_outage_shortfall_builds_up_without_a_whole_sector_stop_start_cycle():
    # Firm classes with their own cover (and their sector's own) stop at different months, so
    # the shortfall builds up instead of sawing 8k -> 3k -> 8k as whole sectors stopping and
    # restarting together did; no stop-start note is then attached.
    from critmin.scenarios.spec import parse_scenario

    result = run(critmin.load(), parse_scenario(OUTAGE), draws=2)
    chart = shock_charts.charts(result, "shortfall", "ndfeb")[0]
    months = chart.band.median
    assert max(months) > 5_000 and not shock_charts._alternates(months)
    assert chart.note == ""
    assert chart.marks == [(2, "CHN outage")]


def test_a_shortfall_that_saws_is_explained_on_its_chart():
    import numpy as np
    import pandas as pd
    import xarray as xr

    months = pd.date_range("2026-01-01", periods=6, freq="MS").values
    saw = np.array([0.0, 8000.0, 3000.0, 8000.0, 3000.0, 8000.0])
    shortfall = xr.DataArray(
        np.stack([saw, saw])[:, :, None],
        dims=("draw", "month", "material"),
        coords={"month": months, "material": ["ndfeb"]},
    )
    shock = xr.Dataset({"shortfall": shortfall}, attrs={"parameter:min_operating_level": "0.6 (dataset)"})
    chart = shock_charts.charts(shock, "shortfall", "ndfeb")[0]
    assert chart.note.startswith("The shortfall alternates because users stop and restart: a user whose supply")
    assert "(0.6 of need)" in chart.note
