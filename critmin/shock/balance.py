"""Conservation of mass, as functions: zero residuals mean no tonne was created or lost.

Per node (item, country) and month, with ``use`` = input use + final use::

    user residual      = receipts + project supply + release - (use + inventory change)
    producer residual  = production + sold from producer stock - (shipments out + redirected out)
    stockpile residual = -(stockpile change) - drawn
    producer stock residual = -(producer stock change) - sold from producer stock

Shortfall is need that was not used (``need = use + shortfall`` for final users), so the user
residual is the brief's ``inflows - (use + stock change)`` with ``use = need - shortfall``.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import xarray as xr

A = TypeVar("A", np.ndarray, xr.DataArray)


def user_residual(receipts: A, release: A, use: A, inventory: A, inventory_before: A) -> A:
    """``receipts + release - (use + inventory - inventory_before)``; works on arrays or labels.

    Examples
    --------
    >>> float(user_residual(np.array(10.0), np.array(2.0), np.array(9.0), np.array(4.0),
    ...                     np.array(1.0)))
    0.0
    """
    return receipts + release - (use + (inventory - inventory_before))


def _before(var: xr.DataArray, initial: xr.DataArray) -> xr.DataArray:
    shifted = var.shift(month=1)
    first = shifted["month"].values[0]
    return shifted.where(shifted["month"] != first, initial)


def mass_residual(result: xr.Dataset) -> xr.Dataset:
    """Residuals of every node and month of a simulation result (zero when mass is conserved).

    Parameters
    ----------
    result : xarray.Dataset
        Output of :func:`critmin.shock.simulate.simulate` with trajectories.

    Returns
    -------
    xarray.Dataset
        ``user``, ``producer``, ``stockpile`` and ``producer_stock`` residuals (t/month) on the
        result's dims.

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> from critmin.shock.simulate import simulate
    >>> from critmin.scenarios import load_scenario
    >>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
    >>> r = mass_residual(simulate(net, load_scenario("backtest_ga_ge_2023"), draws=[0]))
    >>> bool(abs(r.user).max() < 1e-6)
    True
    """
    supplied = result.get("project_supply", 0.0)
    user = user_residual(
        result.receipts + supplied,
        result.release,
        result.use,
        result.inventory,
        _before(result.inventory, result.inventory_initial),
    )
    producer = result.production + result.stock_sold - result.redirect_out - shipped_by_node(result)
    stock = _before(result.stockpile, result.stockpile_initial) - result.stockpile - result.drawn
    pstock = _before(result.producer_stock, result.producer_stock_initial) - result.producer_stock - result.stock_sold
    return xr.Dataset({"user": user, "producer": producer.fillna(0.0), "stockpile": stock, "producer_stock": pstock})


def shipped_by_node(result: xr.Dataset) -> xr.DataArray:
    """Shipments summed by (material, stage, exporter), on the grid of ``production``."""
    prod = result.production
    where = tuple(
        prod.indexes[dim].get_indexer(result.shipments[coord].values)
        for dim, coord in (("material", "edge_material"), ("stage", "edge_stage"), ("country", "exporter"))
    )
    dims = ("material", "stage", "country")
    other = [d for d in prod.dims if d not in dims]
    total = np.zeros([prod.sizes[d] for d in (*dims, *other)])
    np.add.at(total, where, result.shipments.transpose("edge", *other).values)
    return xr.DataArray(total, dims=(*dims, *other), coords=prod.coords).transpose(*prod.dims)


def max_relative_residual(
    receipts: np.ndarray, release: np.ndarray, use: np.ndarray, inventory: np.ndarray, inventory_before: np.ndarray
) -> float:
    """Largest user residual relative to the largest flow; used by `simulate` before returning."""
    residual = user_residual(receipts, release, use, inventory, inventory_before)
    scale = max(float(np.abs(receipts).max(initial=0.0)), float(np.abs(use).max(initial=0.0)), 1e-12)
    return float(np.abs(residual).max(initial=0.0)) / scale
