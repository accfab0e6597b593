"""Instances solved by hand, then by HiGHS through the public API."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from critmin.optimise import Settings, optimise
from critmin.optimise.prepare import completion_factors, prepare
from critmin.optimise.testing import tiny_inputs

# Tiny instance (critmin.optimise.testing.tiny_inputs): embargo (weight 0.5) is 10 t short in
# months 0 and 1; calm is never short. JOGMEC buys at 100,000 USD/t + 2.5% holding over the
# 3-month horizon = 102,500 USD/t, at most 5 t a month (15 t in all). Loss: 1 m USD/t.
# Each tonne released in the embargo saves 0.5 x 1 m = 500,000 USD of expected loss > 102,500.
# Purchase rate: by the end of month 0 only 5 t are in store, by the end of month 1 10 t; the
# shortfall is over by month 2, so at most 10 t can ever be used. Optimum with enough budget:
# buy 10 t; expected loss 0.5 x 1 m x (20 - 10) = 5 m; cost 1.025 m; objective 6.025 m.


def test_tiny_stockpile_by_hand() -> None:
    result = optimise(**tiny_inputs(), budget=1.5e6, marginal="none")
    assert result.buy_t.sel(option="JOGMEC/ndpr").item() == pytest.approx(10.0)
    assert float(result.expected_loss_usd) == pytest.approx(5e6)
    assert float(result.programme_cost_usd) == pytest.approx(1.025e6)
    assert float(result.objective_usd) == pytest.approx(6.025e6)
    assert float(result.do_nothing_loss_usd) == pytest.approx(1e7)
    assert float(result.mip_gap) == 0.0
    # released 5 t in month 0 and 5 t in month 1 of the embargo, half-weighted in expectation
    release = result.expected_release_t.sel(option="JOGMEC/ndpr", region="JPN")
    assert release.values.tolist() == pytest.approx([2.5, 2.5, 0.0])


def test_tiny_budget_binds() -> None:
    # 512,500 USD buys 5 t: the loss falls by 0.5 x 1 m x 5 = 2.5 m, from 10 m to 7.5 m.
    result = optimise(**tiny_inputs(), budget=512_500.0, marginal="none")
    assert result.buy_t.item() == pytest.approx(5.0)
    assert float(result.expected_loss_usd) == pytest.approx(7.5e6)


def test_tiny_lead_time_delays_release() -> None:
    # With a 1-month lead the month-0 shortfall cannot be met; month 1 can take 10 t (all
    # bought by then). Loss: 0.5 x 1 m x 10 = 5 m, buying 10 t, as before; with a 2-month lead
    # nothing can be released in time: buy nothing, loss stays 10 m.
    inputs = tiny_inputs()
    stock = inputs["options"].stockpiles.assign(release_lead_months=1)
    one = optimise(**{**inputs, "options": type(inputs["options"])(stockpiles=stock)}, budget=1.5e6, marginal="none")
    assert one.buy_t.item() == pytest.approx(10.0)
    assert float(one.expected_loss_usd) == pytest.approx(5e6)
    stock = stock.assign(release_lead_months=2)
    two = optimise(**{**inputs, "options": type(inputs["options"])(stockpiles=stock)}, budget=1.5e6, marginal="none")
    assert two.buy_t.item() == pytest.approx(0.0)
    assert float(two.expected_loss_usd) == pytest.approx(1e7)


def test_tiny_cvar_by_hand() -> None:
    # CVaR at alpha = 0.5 is the embargo's loss: 1 m x 10 t = 10 m. Weighting it by 1 raises each
    # tonne's value to 1.5 m, the same 10 t are bought: objective 1.025 m + 5 m + 10 m.
    result = optimise(**tiny_inputs(), budget=1.5e6, cvar_alpha=0.5, cvar_weight=1.0, marginal="none")
    assert result.buy_t.item() == pytest.approx(10.0)
    assert float(result.cvar_usd) == pytest.approx(1e7)
    assert float(result.do_nothing_cvar_usd) == pytest.approx(2e7)
    assert float(result.objective_usd) == pytest.approx(16.025e6)


def test_quarterly_aggregation_loses_timing() -> None:
    # One quarter: 20 t short, 15 t can be bought in it, and within a quarter timing is lost,
    # so all 15 t count: loss 0.5 x 1 m x 5 = 2.5 m (monthly: 5 m). Cost 15 x 102,500.
    result = optimise(**tiny_inputs(), budget=2e6, aggregate=("quarter",), marginal="none")
    assert result.sizes["period"] == 1
    assert result.buy_t.item() == pytest.approx(15.0)
    assert float(result.expected_loss_usd) == pytest.approx(2.5e6)


def test_region_groups_pool_shortfall() -> None:
    # Japan and Korea grouped: a JOGMEC stock serving Japan can then cover Korea's shortfall.
    inputs = tiny_inputs()
    base = inputs["baseline_shortfall"]
    kor = base.assign_coords(region=["KOR"])
    inputs["baseline_shortfall"] = xr.concat([base, kor], "region")
    inputs["loss_per_tonne"] = xr.DataArray(
        [[1e6], [1e6]], coords={"region": ["JPN", "KOR"], "material": ["ndpr"]}, dims=("region", "material")
    )
    alone = optimise(**inputs, budget=2e6, marginal="none")
    pooled = optimise(
        **inputs, budget=2e6, aggregate=("region",), region_groups={"JPN": "NEA", "KOR": "NEA"}, marginal="none"
    )
    assert float(alone.expected_loss_usd) == pytest.approx(0.5 * 1e6 * (40 - 10))
    assert float(pooled.expected_loss_usd) == pytest.approx(float(alone.expected_loss_usd))
    assert pooled.region.values.tolist() == ["NEA"]


def test_price_floor_by_hand(floor_case: dict) -> None:
    # Expected deliveries 0.5 x 10 = 5 t/month for 12 months.
    # Floor payout, calm: (110 - 100) x 1,000 x 60 t = 600,000; embargo upside to the state:
    # 0.3 x (130 - 110) x 1,000 x 60 t = 360,000. Net cost 0.5 x 600k - 0.5 x 360k = 120,000;
    # outlay (budget) 0.5 x 600k = 300,000.
    # Loss avoided: 0.5 x 10,000 USD/t x 60 t = 300,000 > 120,000, so the floor is chosen;
    # the grant (200,000) loses to it. Objective 120,000 + 0.5 x 10,000 x 60 = 420,000.
    result = optimise(**floor_case, budget=1e6, marginal="none")
    assert result.instrument_net_cost_usd.sel(instrument="price_floor").item() == pytest.approx(120_000.0)
    assert result.instrument_outlay_usd.sel(instrument="price_floor").item() == pytest.approx(300_000.0)
    assert result.choice.sel(project="MP10X", instrument="price_floor").item() == 1.0
    assert result.choice.sel(project="MP10X", instrument="grant").item() == 0.0
    assert float(result.expected_loss_usd) == pytest.approx(300_000.0)
    assert float(result.objective_usd) == pytest.approx(420_000.0)


def test_price_floor_budget_and_value_decide(floor_case: dict, make_floor_case: Any) -> None:
    # 250,000 USD cannot cover the floor's 300,000 outlay; the grant fits: 200k + 300k < 600k.
    tight = optimise(**floor_case, budget=250_000.0, marginal="none")
    assert tight.choice.sel(project="MP10X", instrument="grant").item() == 1.0
    assert float(tight.objective_usd) == pytest.approx(500_000.0)
    # At 2,000 USD/t the project avoids 0.5 x 2,000 x 60 = 60,000 < 120,000: nothing is backed.
    cheap = optimise(**make_floor_case(2_000.0), budget=1e6, marginal="none")
    assert float(cheap.backed.sum()) == 0.0
    assert float(cheap.expected_loss_usd) == pytest.approx(0.5 * 2_000 * 120)


def test_bernoulli_completion_is_seeded_and_unbiased() -> None:
    scenarios = pd.Index(range(4000), name="scenario")
    settings = Settings(completion="bernoulli", seed=7)
    draws, _ = completion_factors(np.array([0.3]), np.array([]), scenarios, settings)
    again, _ = completion_factors(np.array([0.3]), np.array([]), scenarios, settings)
    assert np.array_equal(draws, again)
    assert set(np.unique(draws)) == {0.0, 1.0}
    assert draws.mean() == pytest.approx(0.3, abs=0.03)
    first = np.random.default_rng([7, 0]).random(1)[0] < 0.3
    assert draws[0, 0] == float(first)


def test_bernoulli_project_delivers_only_where_completed(floor_case: dict) -> None:
    settings = Settings(completion="bernoulli", seed=1)
    data = prepare(**floor_case, settings=settings)
    drawn = completion_factors(np.array([0.5]), np.array([]), data.base.indexes["scenario"], settings)[0][:, 0]
    supply = data.project.supply.sel(project="MP10X").sum("period").values
    assert supply.tolist() == pytest.approx((120.0 * drawn).tolist())


def test_cover_holds_only_cells_with_a_shortfall() -> None:
    # A dense (scenario, period, region, material) cover constraint padded every cell with nothing
    # to cover (93% of its terms on the default-sized instance); the model indexes shortfall and
    # cover by the cells whose baseline shortfall is positive, and reports them densely again.
    from critmin.optimise.portfolio import build

    inputs = tiny_inputs()
    settings = Settings()
    data = prepare(**inputs, settings=settings)
    model = build(data, 1.5e6, settings)
    positive = int((data.base > 0).sum())
    assert positive == 2  # the embargo's months 0 and 1
    assert dict(model.constraints["cover"].labels.sizes) == {"cell": positive}
    assert dict(model.variables["shortfall"].labels.sizes) == {"cell": positive}
    result = optimise(**inputs, budget=1.5e6, marginal="none")
    by_scenario = result.shortfall_t.sum(["period", "region", "material"]).to_series()
    assert by_scenario.to_dict() == pytest.approx({"calm": 0.0, "embargo": 10.0})  # 20 t short, 10 released
