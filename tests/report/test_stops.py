"""Who stops first is ranked by loss in USD (allies first), tonnes are never added across materials,
and the sector the simulator books unassigned demand under is named for what it is."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from critmin.cli import format_stops
from critmin.report import results
from critmin.report.html import render_html


def result_like(countries=("AUS", "BRA", "JPN", "KOR", "USA"), sectors=("all", "automotive", "wind")) -> xr.Dataset:
    """Final need and use for two materials; each country's gap is set below."""
    months = pd.date_range("2025-01-01", periods=6, freq="MS").values
    coords = {"draw": [0, 1, 2], "month": months, "material": ["ndfeb", "dysprosium"], "country": list(countries)}
    coords["sector"] = list(sectors)
    shape = tuple(len(v) for v in coords.values())
    need = np.full(shape, 100.0)
    use = need.copy()
    gap = {  # country: (first month short, tonnes short per month of ndfeb in automotive)
        "AUS": (1, 1.0),  # stops first, loses little
        "BRA": (1, 90.0),  # not an ally: listed after every ally whatever its loss
        "JPN": (3, 40.0),
        "KOR": (4, 40.0),  # same loss as JPN, later: after JPN
        "USA": (2, 80.0),  # the largest allied loss
    }
    for i, country in enumerate(countries):
        first, tonnes = gap[country]
        use[:, first:, 0, i, 1] -= tonnes
        use[:, first:, 1, i, 0] -= 3.0  # dysprosium short in unassigned demand
    dims = tuple(coords)
    return xr.Dataset(
        {
            "final_need": (dims, need, {"units": "t/month"}),
            "final_use": (dims, use, {"units": "t/month"}),
            "downtime": (dims, (need - use > 0).astype(float)),
        },
        coords=coords,
        attrs={"scenario": "ranked", "start": "2025-01"},
    )


VALUE = xr.DataArray(
    [[1e6, 1e6, 1e6], [2e6, 2e6, 2e6]],
    coords={"material": ["ndfeb", "dysprosium"], "sector": ["all", "automotive", "wind"]},
    dims=("material", "sector"),
)


def test_stops_are_ranked_by_loss_then_first_month_allies_first():
    stops = results.stop_times(result_like(), VALUE)
    automotive = stops[stops.sector == "automotive"]
    assert automotive.country.tolist() == ["USA", "JPN", "KOR", "AUS", "BRA"]
    assert stops.country.tolist()[-2:] == ["BRA", "BRA"]  # not an ally: last
    usa = automotive.iloc[0]
    assert usa.loss_usd == pytest.approx(4 * 80.0 * 1e6)
    assert usa.short_t == {"ndfeb": pytest.approx(320.0)}


def test_worst_scenario_keeps_every_stop_and_lists_tonnes_per_material():
    outcome = results.worst_scenario({"ranked": result_like()})
    assert len(outcome.stops) == 10  # five countries x two sectors short: no cut
    assert outcome.shortfall_material == "ndfeb"  # ranked on one material's tonnes, not a sum
    assert outcome.shortfall_median == pytest.approx(4 * 80 + 3 * 40 + 2 * 40 + 5 * 1.0)
    assert "tonnes of different materials are not added" in outcome.basis_note


def test_briefing_ranks_first_to_stop_by_loss_and_has_the_whole_table():
    import critmin
    from critmin.report import results as r

    ds = critmin.load()
    shock = result_like(countries=("AUS", "JPN", "USA", "KOR", "BRA"))
    html = render_html(ds, shock={"ranked": shock})
    summary = html.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    first = re.search(r"<p>First to stop, allies with the largest loss first: .*?</p>", summary.replace("\n", " "))
    assert first is not None
    line = first.group(0)
    assert line.index("United States") < line.index("Japan") < line.index("Korea")  # by loss, not alphabet
    assert "Australia" not in line  # first to stop, but loses least
    appendix = html.split('<section id="stops" class="appendix">', 1)[1].split("</section>", 1)[0]
    assert appendix.count("<tr><td>") == len(r.stop_times(shock, r.value_per_tonne(ds))) == 10
    assert "demand not assigned to a sector" in appendix and "<td>all</td>" not in html
    assert "dysprosium 15 t" in appendix  # tonnes per material


def test_cli_stop_lines_name_unassigned_demand_and_never_add_tonnes():
    from critmin.report.stops import rank

    table = rank(
        pd.DataFrame(
            {
                "country": ["AUS", "USA"],
                "sector": ["all", "automotive"],
                "stop_share": [1.0, 1.0],
                "median_first_stop": ["2025-02", "2025-03"],
                "loss_usd": [5e6, 2.4e10],
                "short_t": [{"rare_earths": 10.0, "dysprosium": 2.0}, {"ndfeb": 1200.0}],
            }
        ),
        month="median_first_stop",
    )
    text = format_stops(table, "x").splitlines()
    assert text[1].startswith("  USA  automotive") and "USD 24.00 bn" in text[1]
    assert text[2].startswith("  AUS  demand not assigned to a sector")
    assert text[2].endswith("short rare_earths 10 t; dysprosium 2 t")
