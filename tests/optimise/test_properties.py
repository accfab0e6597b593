"""Properties: monotone frontier, zero budget = do nothing, marginal values agree."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xarray as xr

from critmin.optimise import frontier, model_data, optimise
from critmin.optimise.frontier import dual_gradient, fd_gradient, marginal_values
from critmin.optimise.testing import synthetic_inputs, tiny_inputs

BUDGETS = [0.0, 5e7, 2e8, 5e8, 1e9, 5e9]


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    """A synthetic instance: 6 scenarios, 12 months, 15 materials, 8 regions, 3 projects."""
    return synthetic_inputs(6, n_months=12, seed=3, n_projects=3)


@pytest.mark.parametrize("cost_weight", [0.0, 1.0])
def test_frontier_is_monotone(small: dict[str, Any], cost_weight: float) -> None:
    # More budget never raises the optimal objective; with cost_weight 0 (least loss within the
    # budget) it never raises the expected loss, and the budget spent never exceeds the budget.
    f = frontier(**small, budgets=BUDGETS, cost_weight=cost_weight)
    objective = f.objective_usd.values
    assert np.all(np.diff(objective) <= 1e-6 * np.abs(objective[:-1]) + 1e-6)
    if cost_weight == 0.0:
        loss = f.expected_loss_usd.values
        assert np.all(np.diff(loss) <= 1e-6 * loss[:-1] + 1e-6)
        assert loss[-1] < loss[0]
    assert np.all(f.outlay_usd.values <= f.budget.values * (1 + 1e-9) + 1e-6)


def test_zero_budget_is_do_nothing_exactly(small: dict[str, Any]) -> None:
    result = optimise(**small, budget=0.0, marginal="none")
    base = small["baseline_shortfall"]
    by_hand = float(
        (small["scenario_weight"] * (small["loss_per_tonne"] * base).sum(["month", "region", "material"])).sum()
    )
    assert float(result.expected_loss_usd) == pytest.approx(by_hand, rel=1e-12)
    assert float(result.do_nothing_loss_usd) == pytest.approx(by_hand, rel=1e-12)
    assert float(result.outlay_usd) == 0.0


def test_tiny_marginal_value_by_hand_dual_equals_fd() -> None:
    # At 512,500 USD the budget binds at 5 t: one more tonne saves 0.5 x 1 m = 500,000 USD,
    # 500,000 / 102,500 = 4.878 USD of expected loss per USD, both ways.
    result = optimise(**tiny_inputs(), budget=512_500.0, marginal="both")
    assert result.marginal_value_per_usd_buy.item() == pytest.approx(500_000 / 102_500)
    assert result.marginal_value_fd_per_usd_buy.item() == pytest.approx(500_000 / 102_500)


def test_marginal_values_agree_on_unchosen_options(floor_case: dict[str, Any]) -> None:
    # Nothing backed at a zero budget. Backing a share x of MP10X saves 0.5 x 10,000 x 60 x x:
    # 300,000 USD per unit of backing either way, whatever the instrument; per USD of budget that
    # is 300,000 / 300,000 = 1 for the floor (outlay) and 300,000 / 200,000 = 1.5 for the grant.
    result = optimise(**floor_case, budget=0.0, marginal="both")
    dual = result.marginal_value_per_usd_choice.sel(project="MP10X")
    fd = result.marginal_value_fd_per_usd_choice.sel(project="MP10X")
    assert dual.sel(instrument="price_floor").item() == pytest.approx(1.0)
    assert dual.sel(instrument="grant").item() == pytest.approx(1.5)
    np.testing.assert_allclose(fd.dropna("instrument"), dual.dropna("instrument"), rtol=1e-6)
    assert np.isnan(dual.sel(instrument="equity").item())  # not offered


def test_dual_lies_between_one_sided_differences(small: dict[str, Any]) -> None:
    # V is convex in the first stage: backward difference <= dual <= forward difference.
    # Evaluated at an interior first stage: half of every purchase bound and half-backing.
    data, settings = model_data(**small, budget=5e8)
    values = {
        "buy": data.stock.max_buy * 0.5,
        "choice": xr.where(data.project.net_cost.notnull(), 0.1, 0.0),
        "fund": xr.full_like(data.research.cost, 0.5),
    }
    dual = dual_gradient(data, settings, values)
    forward = fd_gradient(data, settings, values, {"buy": 1e-4, "choice": 1e-4, "fund": 1e-4})
    backward = fd_gradient(data, settings, values, {"buy": -1e-4, "choice": -1e-4, "fund": -1e-4})
    for name in dual:
        d, f, b = (x[name].values.ravel() for x in (dual, forward, backward))
        keep = np.isfinite(f)
        scale = np.abs(d[keep]).max() + 1.0
        assert np.all(b[keep] <= d[keep] + 1e-6 * scale), name
        assert np.all(d[keep] <= f[keep] + 1e-6 * scale), name
        smooth = np.isclose(f[keep], b[keep], rtol=1e-6, atol=1e-6 * scale)
        np.testing.assert_allclose(d[keep][smooth], f[keep][smooth], rtol=1e-5, atol=1e-6 * scale)


def test_marginal_values_cover_every_option(small: dict[str, Any]) -> None:
    data, settings = model_data(**small, budget=2e8)
    result = optimise(**small, budget=2e8, marginal="none")
    mv = marginal_values(data, settings, {"buy": result.buy_t, "choice": result.choice, "fund": result.fund})
    assert mv.marginal_value_per_usd_buy.notnull().all()
    offered = result.instrument_net_cost_usd.notnull() & (result.instrument_outlay_usd > 0)
    assert bool(mv.marginal_value_per_usd_choice.notnull().where(offered, True).all())
    assert isinstance(mv, xr.Dataset)
