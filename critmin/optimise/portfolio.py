"""The portfolio model: a two-stage stochastic program built with linopy from labelled arrays.

Sets: scenarios s (weight w_s), periods t (months or quarters), regions r, materials k,
stockpile options o (holder x material, material k_o), projects p (material k_p), instruments i,
research programmes g (material k_g).

First stage (decided now, the same in every scenario)::

    buy_o        in [0, rate_o H / 12]       t bought by option o over the horizon of H months
    choice_pi    in {0, 1}  (or [0, 1])      project p backed through instrument i (if offered)
    fund_g       in {0, 1}  (or [0, 1])      research programme g funded

Second stage (per scenario and period)::

    release_stor >= 0     only if o serves r and t starts >= onset_sk + lead_o
    inventory_sto >= 0    stock left at the end of t
    delivery_stpr >= 0    output of project p sent to region r (only if p serves r)
    shortfall_strk >= 0   (only where baseline_strk > 0: indexed by those cells alone)

Constraints (names as in the model)::

    stock_balance   inventory_sto = inventory_s,t-1,o - sum_r release_stor
                                    (+ start_o + buy_o in the first period)
    purchase_rate   inventory_sto >= buy_o - cap_to  (cap_to: rate_o x months to the end of t / 12)
    one_instrument  sum_i choice_pi <= 1
    project_output  sum_r delivery_stpr <= supply_stp x sum_i choice_pi
                                    (supply: capacity/12 x completion x months after lead)
    cover           shortfall_strk + sum_{o: k_o=k} release_stor + sum_{p: k_p=k} delivery_stpr
                    + sum_{g: k_g=k} cut_strg fund_g >= baseline_strk
    budget          sum_o unitcost_o buy_o + sum_pi outlay_pi choice_pi + sum_g cost_g fund_g
                    <= B
    cvar_excess     excess_s >= L_s - eta,  L_s = sum_trk loss_rk shortfall_strk
    cvar_cap        eta + sum_s w_s excess_s / (1 - alpha) <= cap          (if a cap is given)

Objective::

    min  cost_weight x (sum_o unitcost_o buy_o + sum_pi netcost_pi choice_pi + sum_g cost_g fund_g)
         + sum_s w_s L_s + cvar_weight x (eta + sum_s w_s excess_s / (1 - alpha))

``unitcost`` is the purchase price plus holding cost over the horizon; ``netcost`` and ``outlay``
come from :mod:`critmin.optimise.instruments`. No Python loop runs over scenarios or periods.
"""

from __future__ import annotations

from collections.abc import Mapping

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from critmin.optimise.prepare import ModelData, Settings

FIRST_STAGE = ("buy", "choice", "fund")
"""Names of the first-stage variables."""


def _group(
    expr: linopy.LinearExpression | linopy.Variable, key: xr.DataArray, materials: pd.Index
) -> linopy.LinearExpression:
    """Sum `expr` over the dim of `key` by material, on every material of the model."""
    summed = expr.groupby(key.rename("material")).sum()
    return summed.reindex(material=materials).fillna(0)


def add_first_stage(m: linopy.Model, d: ModelData, relax: bool, free: bool = False) -> None:
    """Variables buy (option), choice (project, instrument), fund (programme).

    With `free`, the variables have no bounds and no ``one_instrument`` constraint: the first
    stage is then fixed by constraints alone, so their duals carry the whole marginal value.
    """
    if d.stock.sizes.get("option", 0):
        bounds = {} if free else {"lower": 0, "upper": d.stock.max_buy}
        m.add_variables(coords=[d.stock.indexes["option"]], name="buy", **bounds)
    if d.project.sizes.get("project", 0):
        offered = d.project.net_cost.notnull()
        if free:
            m.add_variables(coords=offered.coords, name="choice", mask=offered)
        elif relax:
            m.add_variables(lower=0, upper=1, coords=offered.coords, name="choice", mask=offered)
        else:
            m.add_variables(binary=True, coords=offered.coords, name="choice", mask=offered)
        if not free:
            m.add_constraints(m.variables["choice"].fillna(0).sum("instrument") <= 1, name="one_instrument")
    if d.research.sizes.get("programme", 0):
        coords = [d.research.indexes["programme"]]
        if free:
            m.add_variables(coords=coords, name="fund")
        elif relax:
            m.add_variables(lower=0, upper=1, coords=coords, name="fund")
        else:
            m.add_variables(binary=True, coords=coords, name="fund")


def add_stockpiles(m: linopy.Model, d: ModelData) -> linopy.LinearExpression | None:
    """Releases, inventories, their balance and purchase rate; returns released t by material."""
    s = d.stock
    if not s.sizes.get("option", 0):
        return None
    buy = m.variables["buy"]
    coords = [d.base.indexes["scenario"], d.base.indexes["period"], s.indexes["option"], d.base.indexes["region"]]
    allowed = (s.release_ok & s.serves).transpose("scenario", "period", "option", "region")
    release = m.add_variables(lower=0, coords=coords, name="release", mask=allowed)
    inventory = m.add_variables(lower=0, coords=coords[:3], name="inventory")
    first = xr.DataArray(d.base.indexes["period"] == d.base.period.values[0], coords=[d.base.indexes["period"]])
    released = release.fillna(0)
    out = released.sum("region")
    m.add_constraints(
        inventory - inventory.shift(period=1).fillna(0) + out - first * buy == first * s.start_t, name="stock_balance"
    )
    binding = s.bought_cap < s.max_buy
    if bool(binding.any()):
        m.add_constraints(
            inventory - buy >= -s.bought_cap, name="purchase_rate", mask=binding.broadcast_like(inventory.labels)
        )
    return _group(released, s.material, d.base.indexes["material"])


def add_projects(m: linopy.Model, d: ModelData) -> linopy.LinearExpression | None:
    """Deliveries of backed projects and their output limit; returns delivered t by material."""
    p = d.project
    if not p.sizes.get("project", 0):
        return None
    coords = [d.base.indexes["scenario"], d.base.indexes["period"], p.indexes["project"], d.base.indexes["region"]]
    allowed = ((p.supply > 0) & p.serves).transpose("scenario", "period", "project", "region")
    delivery = m.add_variables(lower=0, coords=coords, name="delivery", mask=allowed)
    backed = m.variables["choice"].fillna(0).sum("instrument")
    delivered = delivery.fillna(0)
    m.add_constraints(
        delivered.sum("region") - p.supply * backed <= 0,
        name="project_output",
        mask=(p.supply > 0).transpose("scenario", "period", "project"),
    )
    return _group(delivered, p.material, d.base.indexes["material"])


def research_cut(m: linopy.Model, d: ModelData) -> linopy.LinearExpression | None:
    """Shortfall cut (scenario, period, region, material) by funded programmes."""
    r = d.research
    if not r.sizes.get("programme", 0):
        return None
    return _group(r.cut * m.variables["fund"], r.material, d.base.indexes["material"])


CELL_DIMS = ("scenario", "period", "region", "material")
"""Dims of a baseline shortfall cell; the model holds only cells with a shortfall (``cell``)."""


def shortfall_cells(d: ModelData) -> dict[str, xr.DataArray]:
    """Positions along each of :data:`CELL_DIMS` of the cells whose baseline shortfall is positive.

    A dense (scenario, period, region, material) cover constraint would hold every cell, most of
    them with nothing to cover (padding that cost ~14x the memory of the cells used); the model
    indexes shortfall and cover by ``cell`` instead.

    Examples
    --------
    >>> from critmin.optimise.prepare import prepare
    >>> from critmin.optimise.testing import tiny_inputs
    >>> d = prepare(**tiny_inputs(), settings=Settings())
    >>> cells = shortfall_cells(d)
    >>> int(cells["scenario"].size) == int((d.base > 0).sum())
    True
    """
    where = np.nonzero(d.base.transpose(*CELL_DIMS).values > 0)
    return {dim: xr.DataArray(pos, dims="cell") for dim, pos in zip(CELL_DIMS, where, strict=True)}


def dense_shortfall(d: ModelData, values: np.ndarray | float) -> xr.DataArray:
    """Cell values (in :func:`shortfall_cells` order) as a (scenario, period, region, material) array."""
    cells = shortfall_cells(d)
    out = np.zeros(tuple(d.base.sizes[dim] for dim in CELL_DIMS))
    out[tuple(cells[dim].values for dim in CELL_DIMS)] = values
    return xr.DataArray(out, coords={dim: d.base.indexes[dim] for dim in CELL_DIMS}, dims=CELL_DIMS)


def _at_cells(expr: linopy.LinearExpression, cells: Mapping[str, xr.DataArray]) -> linopy.LinearExpression:
    """`expr` (scenario, period, region, material) taken at the shortfall cells, labelled by cell only."""
    picked = expr.isel({dim: cells[dim] for dim in CELL_DIMS})
    return picked.drop_vars([c for c in CELL_DIMS if c in picked.coords])


def add_cover(m: linopy.Model, d: ModelData, supplies: list[linopy.LinearExpression | None]) -> linopy.Variable:
    """Shortfall variables and the cover constraint, per cell; returns the shortfall variable."""
    cells = shortfall_cells(d)
    index = pd.RangeIndex(cells["scenario"].size, name="cell")
    shortfall = m.add_variables(lower=0, coords=[index], name="shortfall")
    lhs = 1 * shortfall
    for supply in supplies:
        if supply is not None:
            lhs = lhs + _at_cells(supply, cells)
    base = d.base.isel({dim: cells[dim] for dim in CELL_DIMS}).drop_vars(list(CELL_DIMS))
    m.add_constraints(lhs >= base.assign_coords(cell=index), name="cover")
    return shortfall


def programme_cost(m: linopy.Model, d: ModelData, kind: str) -> linopy.LinearExpression | None:
    """Programme cost in USD: ``kind="net"`` (objective) or ``"outlay"`` (budget); None if no option."""
    terms: list[linopy.LinearExpression] = []
    if "buy" in m.variables:
        terms.append((d.stock.unit_cost * m.variables["buy"]).sum())
    if "choice" in m.variables:
        cost = d.project.net_cost if kind == "net" else d.project.outlay
        terms.append((cost.fillna(0) * m.variables["choice"].fillna(0)).sum())
    if "fund" in m.variables:
        terms.append((d.research.cost * m.variables["fund"]).sum())
    if not terms:
        return None
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def scenario_loss(shortfall: linopy.Variable, d: ModelData) -> linopy.LinearExpression:
    """Loss L_s (USD) of each scenario: loss per tonne times shortfall, summed over its cells."""
    cells = shortfall_cells(d)
    per_tonne = d.loss.isel(region=cells["region"], material=cells["material"]).drop_vars(["region", "material"])
    scenario = xr.DataArray(d.base.scenario.values[cells["scenario"].values], dims="cell", name="scenario")
    priced = per_tonne.assign_coords(cell=shortfall.labels.indexes["cell"]) * shortfall
    by_scenario = priced.groupby(scenario.assign_coords(cell=shortfall.labels.indexes["cell"])).sum()
    return by_scenario.reindex(scenario=d.base.indexes["scenario"]).fillna(0)


def add_risk(
    m: linopy.Model, d: ModelData, loss: linopy.LinearExpression, settings: Settings
) -> linopy.LinearExpression | None:
    """Rockafellar-Uryasev CVaR of scenario loss at `cvar_alpha`, if weighted or capped."""
    if settings.cvar_weight == 0 and settings.cvar_cap is None:
        return None
    eta = m.add_variables(name="var_level")
    excess = m.add_variables(lower=0, coords=[d.base.indexes["scenario"]], name="excess")
    m.add_constraints(excess - loss + eta >= 0, name="cvar_excess")
    cvar = eta + (d.weight * excess).sum() / (1 - settings.cvar_alpha)
    if settings.cvar_cap is not None:
        m.add_constraints(cvar <= settings.cvar_cap, name="cvar_cap")
    return cvar


def fix_first_stage(m: linopy.Model, values: Mapping[str, xr.DataArray]) -> None:
    """Constraints ``fix_<name>: <name> == value`` for each first-stage variable present."""
    for name in FIRST_STAGE:
        if name in m.variables:
            var = m.variables[name]
            m.add_constraints(var.fillna(0) == values[name].fillna(0), name=f"fix_{name}", mask=var.labels != -1)


def build(
    d: ModelData, budget: float, settings: Settings, fixed: Mapping[str, xr.DataArray] | None = None
) -> linopy.Model:
    """The portfolio model; with `fixed`, first stage fixed (relaxed, no budget) for duals.

    Examples
    --------
    >>> from critmin.optimise.prepare import prepare
    >>> from critmin.optimise.testing import tiny_inputs
    >>> m = build(prepare(**tiny_inputs(), settings=Settings()), budget=1.5e6, settings=Settings())
    >>> sorted(m.constraints)
    ['budget', 'cover', 'purchase_rate', 'stock_balance']
    """
    m = linopy.Model(force_dim_names=True)
    add_first_stage(m, d, relax=settings.relax, free=fixed is not None)
    supplies = [add_stockpiles(m, d), add_projects(m, d), research_cut(m, d)]
    shortfall = add_cover(m, d, supplies)
    loss = scenario_loss(shortfall, d)
    outlay, net = programme_cost(m, d, "outlay"), programme_cost(m, d, "net")
    if fixed is not None:
        fix_first_stage(m, fixed)
    elif outlay is not None:
        m.add_constraints(outlay <= budget, name="budget")
    objective = (d.weight * loss).sum()
    if net is not None:
        objective = settings.cost_weight * net + objective
    cvar = add_risk(m, d, loss, settings)
    if cvar is not None:
        objective = objective + settings.cvar_weight * cvar
    m.add_objective(objective)
    return m
