"""The public entry points: :func:`optimise` one budget, :func:`frontier` over many."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd
import xarray as xr

from critmin.errors import DataError
from critmin.optimise import frontier as _frontier
from critmin.optimise.burden import burden_shares, burden_table
from critmin.optimise.options import Options, check_budget, validate_options
from critmin.optimise.portfolio import build
from critmin.optimise.prepare import ModelData, Settings, prepare
from critmin.optimise.results import collect, months_of_cover
from critmin.optimise.solve import solve


def _equal_weights(baseline_shortfall: xr.DataArray) -> xr.DataArray:
    n = baseline_shortfall.sizes["scenario"]
    return xr.full_like(baseline_shortfall.scenario, 1.0 / n, dtype=float).rename("weight")


def model_data(
    baseline_shortfall: xr.DataArray,
    price_path: xr.DataArray,
    loss_per_tonne: xr.DataArray,
    options: Options,
    budget: float,
    scenario_weight: xr.DataArray | None = None,
    settings: Settings | None = None,
) -> tuple[ModelData, Settings]:
    """Validated options and arrays, ready for :func:`critmin.optimise.portfolio.build`."""
    settings = settings or Settings()
    regions = baseline_shortfall.region.values.tolist()
    checked = validate_options(options, [str(r) for r in regions], budget)
    weight = _equal_weights(baseline_shortfall) if scenario_weight is None else scenario_weight
    data = prepare(baseline_shortfall, weight, price_path, loss_per_tonne, checked, settings)
    return data, settings


def optimise(
    baseline_shortfall: xr.DataArray,
    price_path: xr.DataArray,
    loss_per_tonne: xr.DataArray,
    options: Options,
    budget: float,
    *,
    scenario_weight: xr.DataArray | None = None,
    monthly_use: xr.DataArray | None = None,
    burden_basis: pd.Series | None = None,
    burden_rule: Literal["consumption", "gdp"] = "consumption",
    marginal: Literal["dual", "fd", "both", "none"] = "dual",
    settings: Settings | None = None,
    **overrides: Any,
) -> xr.Dataset:
    """The portfolio of stockpiles, backed projects and research with least cost plus loss.

    Parameters
    ----------
    baseline_shortfall : xarray.DataArray
        (scenario, month, region, material) t unmet with no new policy.
    price_path : xarray.DataArray
        (scenario, month, material) international price, USD/kg.
    loss_per_tonne : xarray.DataArray
        (region, material) USD of lost production per tonne short.
    options : Options
        Stockpile, project, instrument and research tables.
    budget : float
        Programme budget in USD (outlays; see :mod:`critmin.optimise.instruments`).
    scenario_weight : xarray.DataArray, optional
        (scenario) probabilities summing to 1; equal if omitted.
    monthly_use : xarray.DataArray, optional
        (region, material) t/month; adds ``months_of_cover``.
    burden_basis, burden_rule
        Consumption or GDP by ally; adds ``burden_*`` variables (dim ``ally``).
    marginal : {"dual", "fd", "both", "none"}
        How to value every option per USD at the optimum.
    settings : Settings, optional
        Model settings; keyword `overrides` (``cvar_weight=0.5``, ``aggregate=("quarter",)``)
        replace single fields.

    Returns
    -------
    xarray.Dataset
        Portfolio (``buy_t``, ``choice``, ``fund``), costs, ``expected_loss_usd``, ``cvar_usd``,
        do-nothing loss, shortfalls, solver report (``mip_gap``), and the extras asked for.

    Examples
    --------
    >>> from critmin.optimise.testing import tiny_inputs
    >>> result = optimise(**tiny_inputs(), budget=1.5e6)
    >>> float(result.buy_t.sum()), float(result.expected_loss_usd)
    (10.0, 5000000.0)
    """
    settings = Settings(**{**(settings or Settings()).__dict__, **overrides})
    started = time.perf_counter()
    data, settings = model_data(
        baseline_shortfall, price_path, loss_per_tonne, options, budget, scenario_weight, settings
    )
    m = build(data, budget, settings)
    build_seconds = time.perf_counter() - started
    report = solve(m, mip_rel_gap=settings.mip_rel_gap, time_limit=settings.time_limit)
    result = collect(m, data, report, budget, settings.cvar_alpha)
    result["build_seconds"] = xr.DataArray(build_seconds, attrs={"units": "s"})
    if marginal != "none":
        values = _frontier.first_stage(result)
        result = result.merge(_frontier.marginal_values(data, settings, values, marginal), compat="no_conflicts")
    if monthly_use is not None:
        shares = None if burden_basis is None else burden_shares(burden_basis, burden_rule)
        result["months_of_cover"] = months_of_cover(result, monthly_use, shares)
    if burden_basis is not None:
        result = result.merge(burden_table(result, burden_shares(burden_basis, burden_rule)), compat="no_conflicts")
        result.attrs["burden_rule"] = burden_rule
    return result


def frontier(
    baseline_shortfall: xr.DataArray,
    price_path: xr.DataArray,
    loss_per_tonne: xr.DataArray,
    options: Options,
    budgets: Sequence[float],
    *,
    scenario_weight: xr.DataArray | None = None,
    settings: Settings | None = None,
    **overrides: Any,
) -> xr.Dataset:
    """Expected loss, CVaR and the portfolio for each budget in `budgets` (dim ``budget``).

    Examples
    --------
    >>> from critmin.optimise.testing import tiny_inputs
    >>> f = frontier(**tiny_inputs(), budgets=[0.0, 512_500.0, 1.5e6])
    >>> f.expected_loss_usd.values.tolist()
    [10000000.0, 7500000.0, 5000000.0]
    """
    settings = Settings(**{**(settings or Settings()).__dict__, **overrides})
    issues = [issue for budget in budgets for issue in check_budget(float(budget))]
    if issues:
        raise DataError(issues)
    data, settings = model_data(baseline_shortfall, price_path, loss_per_tonne, options, 0.0, scenario_weight, settings)
    return _frontier.frontier(data, list(budgets), settings)
