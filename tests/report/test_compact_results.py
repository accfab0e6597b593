"""The briefing and the app read results without trajectories (bands across draws) as they read
full trajectories: same bands, same stop table, same worst scenario; 1 and 20 draws render."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import critmin
from critmin.app.views_runs import shock_charts as app_charts
from critmin.report import results, shock_charts
from critmin.report.html import _shock_section, render_html
from critmin.report.sources import Citations
from critmin.report.tables import stop_table
from critmin.scenarios import load_scenario
from critmin.shock import run
from critmin.shock.io import compact


@pytest.fixture(scope="module")
def ds():
    return critmin.load()


@pytest.fixture(scope="module")
def full(ds):
    return run(ds, load_scenario("japan_ree_magnet_halt_6m"), draws=6, trajectories=True)


@pytest.mark.parametrize(
    ("variable", "labels"),
    [
        ("shortfall", {"material": "ndfeb"}),
        ("inventory", {"material": "ndfeb"}),
        ("stockpile", {"material": "cobalt"}),
        ("price_ratio", {"material": "ndfeb", "market": "outside"}),
        ("price", {"material": "gallium", "price_market": "international"}),
    ],
)
def test_stored_bands_equal_the_bands_read_from_trajectories(full, variable, labels):
    lean = compact(full)
    assert results.banded_only(lean, variable) and not results.banded_only(full, variable)
    read, stored = results.shock_band(full, variable, **labels), results.shock_band(lean, variable, **labels)
    assert stored.units == read.units and stored.months == read.months
    for a, b in [
        (stored.median, read.median),
        *zip(stored.outer, read.outer, strict=True),
        *zip(stored.inner, read.inner, strict=True),
    ]:
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)
    assert max(read.outer[1]) > 0


def test_stop_times_from_bands_equal_those_from_trajectories(full, ds):
    value = results.value_per_tonne(ds)
    read, stored = results.stop_times(full, value), results.stop_times(compact(full), value)
    assert len(read) > 0
    columns = ["country", "sector", "first_month", "months_idle", "share_of_draws"]
    pd.testing.assert_frame_equal(stored[columns], read[columns])
    np.testing.assert_allclose(stored.loss_usd, read.loss_usd, rtol=1e-9)
    table, lean_table = stop_table(full, ds=ds), stop_table(compact(full), ds=ds)
    pd.testing.assert_frame_equal(lean_table.drop(columns="short_t"), table.drop(columns="short_t"))


def test_a_median_of_idle_draws_follows_the_share_of_draws_idle(full):
    # 6 draws: a month idle in exactly 3 has median 0.5 (numpy's median of 0, 0, 0, 1, 1, 1)
    lean = compact(full).isel(draw=slice(0, 4))
    lean["stopped_share"] = lean.stopped_share * 0 + 0.5
    rows = results._stops_from_shares(lean)
    assert rows and all(r["months_idle"] == 0.5 * lean.sizes["month"] for r in rows)
    assert all(r["first_month"] == results.month_labels(lean)[0] for r in rows)


def test_worst_scenario_is_the_same_from_bands(full, ds):
    read, stored = results.worst_scenario(full, ds), results.worst_scenario(compact(full), ds)
    assert isinstance(read, results.ScenarioOutcome) and isinstance(stored, results.ScenarioOutcome)
    assert stored.name == read.name and stored.basis == read.basis == "USD"
    assert stored.loss_median_usd == pytest.approx(read.loss_median_usd, rel=1e-9)
    assert stored.shortfall_by_material == pytest.approx(read.shortfall_by_material, rel=1e-9)


def test_charts_of_bands_without_a_material_are_one_per_material(full):
    lean = compact(full)
    keys = [c.key for c in shock_charts.charts(lean, "shortfall")]
    assert keys == [f"shortfall-{m}" for m in results.split_labels(lean)]
    with pytest.raises(ValueError, match="the bands of shortfall are kept per material: choose one of material="):
        results.shock_band(lean, "shortfall")


@pytest.mark.parametrize("draws", [1, 20])
def test_the_briefing_and_the_app_render_from_a_run_without_trajectories(ds, draws):
    shock = run(ds, load_scenario("japan_ree_magnet_halt_6m"), draws=draws, trajectories=False)
    assert "production" not in shock and shock.sizes["draw"] == draws
    if draws > 1:  # the whole briefing (slow); for 1 draw its shock section
        html = render_html(ds, shock=shock)
    else:
        section = _shock_section(ds, shock, Citations(ds))
        html = "".join(f'id="{f.anchor}" {f.svg}' for f in section["figures"])
        assert section["stops"] and section["worst"].loss_median_usd > 0
    assert 'id="shock-shortfall-ndfeb"' in html and 'id="shock-price_ratio-ndfeb-outside"' in html
    assert ("5-95 % of draws" in html) == (draws > 1)
    page = app_charts(ds, shock, shock, "ndfeb")
    assert "previous run (median)" in page and ("5-95 % of draws" in page) == (draws > 1)
    assert "Who stops when" in page and "Japan" in page
