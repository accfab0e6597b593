"""Budget frontier and the marginal value per dollar of every option.

Marginal values are taken with the first stage fixed at a portfolio (binaries relaxed, budget
dropped, first-stage variables unbounded so only the ``fix_*`` constraints hold them). Let V be
the expected loss (plus ``cvar_weight`` x CVaR) as a function of the first-stage values x. Then

- from duals: the dual of ``fix_j`` is d(objective)/d(x_j) = cost_weight c_j + dV/dx_j, so
  dV/dx_j = dual_j - cost_weight c_j (c_j the net unit cost in the objective);
- by finite differences: dV/dx_j ~ (V(x + h e_j) - V(x)) / h, one LP per option.

The value of option j per dollar is -dV/dx_j divided by its budget cost per unit (USD per tonne
bought, outlay of the instrument, cost of the programme): USD of expected loss avoided per USD
of budget, for every option, chosen or not. V is convex in x (an LP value function of its
right-hand side), so the dual lies between the backward and forward differences; at a kink
(buying exactly what a scenario needs) the two one-sided values differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import xarray as xr

from critmin.optimise.portfolio import FIRST_STAGE, build
from critmin.optimise.prepare import ModelData, Settings
from critmin.optimise.results import collect
from critmin.optimise.solve import solve

RESULT_NAMES = {"buy": "buy_t", "choice": "choice", "fund": "fund"}


def first_stage(result: xr.Dataset) -> dict[str, xr.DataArray]:
    """First-stage values of a result: buy (option), choice (project, instrument), fund.

    Examples
    --------
    >>> ds = xr.Dataset({"buy_t": ("option", [2.0])})
    >>> sorted(first_stage(ds))
    ['buy']
    """
    return {name: result[key].fillna(0.0) for name, key in RESULT_NAMES.items() if key in result}


def unit_costs(d: ModelData) -> dict[str, tuple[xr.DataArray, xr.DataArray]]:
    """(net cost in the objective, budget cost) per unit of each first-stage variable."""
    return {
        "buy": (d.stock.unit_cost, d.stock.unit_cost),
        "choice": (d.project.net_cost, d.project.outlay),
        "fund": (d.research.cost, d.research.cost),
    }


def _risk_value(objective: float, values: Mapping[str, xr.DataArray], d: ModelData, settings: Settings) -> float:
    """V: the objective less the weighted programme cost of the fixed first stage."""
    cost = sum(float((unit_costs(d)[n][0].fillna(0) * v).sum()) for n, v in values.items())
    return objective - settings.cost_weight * cost


def dual_gradient(d: ModelData, settings: Settings, values: Mapping[str, xr.DataArray]) -> dict[str, xr.DataArray]:
    """dV/dx for every first-stage variable, from the duals of the ``fix_*`` constraints."""
    m = build(d, 0.0, settings, fixed=values)
    solve(m, model_name="fixed-portfolio")
    out = {}
    for name in FIRST_STAGE:
        if f"fix_{name}" in m.constraints:
            dual = m.constraints[f"fix_{name}"].dual
            out[name] = dual - settings.cost_weight * unit_costs(d)[name][0]
    return out


def fd_gradient(
    d: ModelData, settings: Settings, values: Mapping[str, xr.DataArray], step: Mapping[str, float] | None = None
) -> dict[str, xr.DataArray]:
    """dV/dx for every first-stage variable by forward differences (negative step: backward).

    `step` per variable name: tonnes for ``buy`` (default 1e-3 x the purchase bound), a share
    of full backing for ``choice`` and ``fund`` (default 1e-3).
    """
    steps = {"buy": 1e-3, "choice": 1e-3, "fund": 1e-3, **(step or {})}
    m = build(d, 0.0, settings, fixed=values)
    base = _risk_value(solve(m, model_name="fixed-portfolio").objective, values, d, settings)
    out = {}
    for name, value in values.items():
        if f"fix_{name}" not in m.constraints:
            continue
        scale = d.stock.max_buy.clip(min=1.0) if name == "buy" else xr.ones_like(value)
        grad = xr.full_like(value, np.nan, dtype=float)
        for flat in np.flatnonzero(np.isfinite(unit_costs(d)[name][0].values).ravel()):
            h = float(steps[name] * scale.values.ravel()[flat % scale.size])
            moved = value.copy(deep=True)
            moved.values.reshape(-1)[flat] += h
            m.constraints[f"fix_{name}"].update(rhs=moved)
            objective = solve(m, model_name="fixed-portfolio").objective
            grad.values.reshape(-1)[flat] = (_risk_value(objective, {**values, name: moved}, d, settings) - base) / h
        m.constraints[f"fix_{name}"].update(rhs=value)
        out[name] = grad
    return out


def marginal_values(
    d: ModelData, settings: Settings, values: Mapping[str, xr.DataArray], method: Literal["dual", "fd", "both"] = "dual"
) -> xr.Dataset:
    """Expected loss avoided per USD of budget for every option, at the first stage `values`.

    Returns variables ``marginal_value_per_usd_<var>`` (from duals) and, with ``"fd"`` or
    ``"both"``, ``marginal_value_fd_per_usd_<var>`` (forward differences), for var in buy,
    choice, fund. NaN where the option has no positive budget cost or is not offered.
    """
    out = xr.Dataset()
    grads = {}
    if method in ("dual", "both"):
        grads["marginal_value_per_usd"] = dual_gradient(d, settings, values)
    if method in ("fd", "both"):
        grads["marginal_value_fd_per_usd"] = fd_gradient(d, settings, values)
    for prefix, gradient in grads.items():
        for name, grad in gradient.items():
            budget_cost = unit_costs(d)[name][1]
            out[f"{prefix}_{name}"] = (-grad / budget_cost.where(budget_cost > 0)).assign_attrs(
                units="USD/USD", long_name=f"expected loss avoided per USD of {name}"
            )
    if method == "fd" and grads:
        out = out.rename({k: str(k).replace("_fd", "") for k in out.data_vars})
    return out


def frontier(d: ModelData, budgets: Sequence[float], settings: Settings) -> xr.Dataset:
    """Optimal portfolio, expected loss and CVaR for each budget (USD), one model re-solved.

    The model is built once; only the budget's right-hand side changes between solves.
    """
    m = build(d, float(budgets[0]) if budgets else 0.0, settings)
    results = []
    for budget in budgets:
        if "budget" in m.constraints:
            m.constraints["budget"].update(rhs=float(budget))
        report = solve(m, mip_rel_gap=settings.mip_rel_gap, time_limit=settings.time_limit)
        results.append(collect(m, d, report, budget, settings.cvar_alpha))
    keep = [
        "expected_loss_usd",
        "cvar_usd",
        "programme_cost_usd",
        "outlay_usd",
        "objective_usd",
        "mip_gap",
        "buy_t",
        "choice",
        "fund",
    ]
    stacked = xr.concat(
        [r[[k for k in keep if k in r]] for r in results],
        dim="budget",
        coords="minimal",
        compat="override",
        join="outer",
    )
    return stacked.assign_coords(budget=np.asarray(budgets, float))
