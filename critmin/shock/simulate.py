"""Run the monthly model over a batch of draws: a loop over months around the pure `step`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from critmin.scenarios.spec import Scenario
from critmin.shock.balance import max_relative_residual
from critmin.shock.context import build_context
from critmin.shock.events import batch_parameters, compile_events, draw_values, month_drivers
from critmin.shock.network import Network
from critmin.shock.parameters import PARAMETERS
from critmin.shock.step import gather, initial_state, step
from critmin.vocabulary import STAGES

NODE_VARIABLES = {
    "production": "output of the stage (t/month)",
    "receipts": "goods received by users, own country included, incl. redirected (t/month)",
    "imports": "goods received from other countries (t/month)",
    "need": "input plus final need (t/month)",
    "use": "input plus final use (t/month)",
    "shortfall": "need not met: input scarcity plus final need not used (t/month)",
    "inventory": "users' working inventory at month end (t)",
    "stockpile": "strategic stockpile of holder countries at month end (t)",
    "release": "stockpile release received by users (t/month)",
    "drawn": "stockpile drawn from holders (t/month)",
    "redirect_in": "supply redirected from non-controlled suppliers, received (t/month)",
    "redirect_out": "supply redirected to short buyers, sent (t/month)",
    "stock_sold": "sold from producers' and traders' stock beyond capacity (t/month)",
    "producer_stock": "producers' and traders' stock at month end (t)",
}
SECTOR_VARIABLES = ("final_need", "final_use", "stopped")
TOLERANCE = 1e-7


def _month_record(d: dict[str, np.ndarray], net: Network, self_edges: np.ndarray,
                  to_material: np.ndarray) -> dict[str, np.ndarray]:
    shape = d["receipts"].shape
    own = gather(d["shipments"][:, self_edges],
                 net.edge_item[self_edges] * shape[2] + net.edge_buyer[self_edges], shape)
    rec = {k: d[k] for k in NODE_VARIABLES if k != "imports"}
    rec["imports"] = d["receipts"] - own
    for k in ("final_need", "final_use"):
        rec[k] = np.einsum("bics,im->bmcs", d[k], to_material)
    rec["stopped"] = np.einsum("bics,im->bmcs", d["stopped"].astype(float), to_material) > 0
    rec["price_ratio"], rec["shipments"] = d["price"], d["shipments"]
    return rec


def materials_of(net: Network) -> tuple[list[str], np.ndarray]:
    """Materials of the network, in item order, and the item -> material 0/1 matrix."""
    materials = list(dict.fromkeys(m for m, _ in net.items))
    matrix = np.array([[m == name for name in materials] for m, _ in net.items], dtype=float)
    return materials, matrix


def run_batch(net: Network, scenario: Scenario, draws: Sequence[int]
              ) -> dict[str, np.ndarray]:
    """Arrays (draw, month, ...) of one batch of draws; checks mass balance every month.

    Raises
    ------
    AssertionError
        If the user mass residual exceeds 1e-7 of the largest flow in any month.
    """
    values = draw_values(scenario, draws)
    params = batch_parameters(net.parameters, scenario, values, len(draws))
    ctx = build_context(net, scenario, params)
    events = compile_events(scenario, net, params, values, len(draws))
    state = initial_state(ctx)
    out: dict[str, list[np.ndarray]] = {}
    self_edges = np.flatnonzero(net.edge_supplier == net.edge_buyer)
    _, to_material = materials_of(net)
    initial = {"inventory_initial": state.inventory, "stockpile_initial": state.stockpile,
               "producer_stock_initial": state.producer_stock}
    for t in range(scenario.horizon_months):
        before = state.inventory
        state, d = step(state, month_drivers(events, t), ctx)
        residual = max_relative_residual(d["receipts"], d["release"], d["use"], d["inventory"],
                                         before)
        assert residual < TOLERANCE, f"mass not conserved in month {t}: {residual:.2e}"
        for k, v in _month_record(d, net, self_edges, to_material).items():
            out.setdefault(k, []).append(v)
    stacked = {k: np.stack(v, axis=1) for k, v in out.items()}
    stacked.update(initial)
    stacked.update({f"parameter_{k}": v for k, v in params.items()})
    return stacked


def _unstack(arr: np.ndarray, net: Network, axis: int) -> tuple[np.ndarray, list[str], list[str]]:
    """Item axis -> (material, stage) axes, NaN where the material has no such stage."""
    materials, _ = materials_of(net)
    stages = [s for s in STAGES if any(s == st for _, st in net.items)]
    shape = list(arr.shape)
    shape[axis:axis + 1] = [len(materials), len(stages)]
    out = np.full(shape, np.nan)
    moved = np.moveaxis(out.reshape(*shape[:axis], -1, *shape[axis + 2:]), axis, 0)
    src = np.moveaxis(arr, axis, 0)
    for i, (m, s) in enumerate(net.items):
        moved[materials.index(m) * len(stages) + stages.index(s)] = src[i]
    return out, materials, stages


def months(scenario: Scenario) -> pd.DatetimeIndex:
    """Month-start dates of the scenario's horizon."""
    return pd.date_range(f"{scenario.start}-01", periods=scenario.horizon_months, freq="MS")


def to_dataset(stacked: dict[str, np.ndarray], net: Network, scenario: Scenario,
               draws: Sequence[int]) -> xr.Dataset:
    """Label a batch's arrays: dims draw, month, material, stage, country, sector, market."""
    base = {"draw": np.asarray(draws), "month": months(scenario)}
    data: dict[str, tuple] = {}
    for name, long_name in NODE_VARIABLES.items():
        arr, materials, stages = _unstack(stacked[name], net, 2)
        unit = "t" if name in ("inventory", "stockpile", "producer_stock") else "t/month"
        data[name] = (("draw", "month", "material", "stage", "country"), arr,
                      {"units": unit, "long_name": long_name})
    for name in ("inventory_initial", "stockpile_initial", "producer_stock_initial"):
        arr, _, _ = _unstack(stacked[name], net, 1)
        data[name] = (("draw", "material", "stage", "country"), arr, {"units": "t"})
    for name in SECTOR_VARIABLES:
        data[name] = (("draw", "month", "material", "country", "sector"), stacked[name],
                      {"units": "1" if name == "stopped" else "t/month"})
    ratio, _, _ = _unstack(stacked["price_ratio"], net, 2)
    data["price_ratio"] = (("draw", "month", "material", "stage", "market"), ratio,
                           {"units": "1", "long_name": "price / baseline price"})
    data["shipments"] = (("draw", "month", "edge"), stacked["shipments"], {"units": "t/month"})
    coords = {**base, "material": materials, "stage": stages, "country": list(net.countries),
              "sector": list(net.sectors), "market": ["inside", "outside"],
              "edge": np.arange(len(net.edge_item)),
              "edge_material": ("edge", [net.items[i][0] for i in net.edge_item]),
              "edge_stage": ("edge", [net.items[i][1] for i in net.edge_item]),
              "exporter": ("edge", [net.countries[k] for k in net.edge_supplier]),
              "importer": ("edge", [net.countries[k] for k in net.edge_buyer])}
    ds = xr.Dataset(data, coords=coords)
    for name in PARAMETERS:
        ds[f"parameter_{name}"] = ("draw", stacked[f"parameter_{name}"])
    return ds.assign_attrs(result_attrs(net, scenario))


def result_attrs(net: Network, scenario: Scenario) -> dict[str, str | int]:
    """Scenario, base year and every parameter's value and provenance, as NetCDF-safe attrs."""
    fixed = dict(scenario.parameters)
    attrs: dict[str, str | int] = {"scenario": scenario.name, "start": scenario.start,
                                   "seed": scenario.seed, "base_year": net.year}
    for name in PARAMETERS:
        where = "scenario" if name in fixed else net.provenance.get(name, "assumption")
        value = fixed.get(name, net.parameters.get(name, PARAMETERS[name].default))
        attrs[f"parameter:{name}"] = f"{value:g} ({where})"
    attrs.update({f"note:{k}": v for k, v in net.notes.items()})
    return attrs


def simulate(network: Network, scenario: Scenario, draws: Sequence[int] | None = None
             ) -> xr.Dataset:
    """Simulate `draws` (default ``range(scenario.draws)``) in one batch, as labelled arrays.

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> from critmin.scenarios import load_scenario
    >>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
    >>> out = simulate(net, load_scenario("backtest_ga_ge_2023"), draws=[0, 1])
    >>> out.production.dims
    ('draw', 'month', 'material', 'stage', 'country')
    """
    draws = list(range(scenario.draws)) if draws is None else list(draws)
    return to_dataset(run_batch(network, scenario, draws), network, scenario, draws)
