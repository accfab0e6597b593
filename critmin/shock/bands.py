"""Monthly quantile bands across draws, for any number of draws, computed as the months run.

Each month the step's flows are reduced to the few series the briefing and the app chart:

* ``shortfall`` (material): final need not met, ``max(final need - final use, 0)`` per material,
  country and sector, summed over countries and sectors (t/month);
* ``inventory``, ``stockpile`` (material): users' inventory and strategic stockpile at the
  material's last stage, summed over countries (t);
* ``imports`` (material): goods received from other countries at the last stage (t/month), the
  shipments aggregated as the charts would read them;
* ``price_ratio`` (material, market) and ``price`` (material, price_market) at the last stage;
* ``stopped`` (country, sector): whether the sector stands idle for any material.

Per draw these are kept whole, (draw, month, ...) in float64, and the quantiles are taken once
over all draws at the end (:func:`band_dataset`), so a band is bit-identical however the draws
were split into batches: every per-draw value is computed from that draw's row alone (sums
run with :func:`numpy.add.reduceat` or along a row, never a BLAS product whose blocking could
depend on the batch size), and the quantile sees the same array either way.

Memory: with M materials, C countries and S sectors a draw keeps ``8 x months x 7 x M`` bytes of
series plus ``months x C x S`` bytes of stops and ``8 x M x C x S`` bytes of cumulative final
gap. On the default data (16 materials, 69 countries, 11 sectors) and 24 months that is
21 KB + 18 KB + 97 KB = 137 KB a draw: 137 MB for 1,000 draws, 2.7 GB for the 20,000 of
:data:`critmin.limits.MAX_DRAWS`. Full trajectories cost ~25 MB a draw on the same run.

Examples
--------
>>> from critmin.shock.synthetic import synthetic_dataset
>>> from critmin.shock.network import build_network
>>> from critmin.shock.montecarlo import simulate_draws
>>> from critmin.scenarios import load_scenario
>>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
>>> out = simulate_draws(net, load_scenario("backtest_ga_ge_2023"), range(5), trajectories=False)
>>> out.band_shortfall.dims
('quantile', 'month', 'material')
>>> [float(q) for q in out["quantile"].values]
[0.05, 0.25, 0.5, 0.75, 0.95]
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from critmin.shock.network import Network
from critmin.vocabulary import STAGES, stages_of

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles across draws kept for every banded series (and the mean beside them)."""
BANDED = {
    "shortfall": ("final need not met, summed over countries and sectors", "t/month"),
    "inventory": ("users' working inventory at the last stage, summed over countries", "t"),
    "stockpile": ("strategic stockpile at the last stage, summed over countries", "t"),
    "imports": ("goods received from other countries at the last stage, summed over countries", "t/month"),
    "price_ratio": ("price / baseline price at the last stage", "1"),
    "price": ("price at the last stage", "USD/kg"),
}
"""Banded series: (what, units)."""
PREFIX = "monthly_"
"""Per-draw monthly series of a batch, before :func:`band_dataset` turns them into bands."""


def last_stage_items(net: Network, materials: list[str]) -> np.ndarray:
    """Per material, the item index of its last stage in the network, -1 when it has none.

    The last stage is the last of the material's stages among the stages the network has (the
    stage a briefing chart of one material selects).
    """
    present = [s for s in STAGES if any(s == st for _, st in net.items)]
    out = []
    for material in materials:
        last = [s for s in stages_of(material) if s in present]
        out.append(net.items.index((material, last[-1])) if last and (material, last[-1]) in net.items else -1)
    return np.asarray(out, dtype=np.int64)


class MonthReducer:
    """Reduce one month's flows of a batch to the banded series, row by row (draw by draw).

    Final need and use are summed per (material, country) pair present (G of them, from the F
    nodes with final demand) and kept as (B, G, S); :meth:`dense` spreads a (B, G, S) array
    over (B, M, C, S) once, at the end of a batch.
    """

    def __init__(self, net: Network, materials: list[str], to_material: np.ndarray) -> None:
        item, country = net.final_pairs
        nc = len(net.countries)
        self.shape = (len(materials), nc, len(net.sectors))
        key = to_material[item].argmax(axis=1) * nc + country
        self.order = np.argsort(key, kind="stable")
        self.groups, self.starts = np.unique(key[self.order], return_index=True)
        # groups are sorted by material, so each material's groups are consecutive
        self.group_materials, self.material_starts = np.unique(self.groups // nc, return_index=True)
        self.by_country = np.argsort(country, kind="stable")
        self.countries, self.country_starts = np.unique(country[self.by_country], return_index=True)
        self.last = last_stage_items(net, materials)
        self.has_last = self.last >= 0

    def gap_zeros(self, draws: int) -> np.ndarray:
        """A (B, G, S) array of zeros to add final gaps to."""
        return np.zeros((draws, len(self.groups), self.shape[2]))

    def dense(self, per_group: np.ndarray) -> np.ndarray:
        """(B, G, S) per (material, country) pair present -> (B, M, C, S), zero elsewhere."""
        nm, nc, ns = self.shape
        out = np.zeros((per_group.shape[0], nm * nc, ns))
        out[:, self.groups] = per_group
        return out.reshape(per_group.shape[0], nm, nc, ns)

    def _per_group(self, x: np.ndarray) -> np.ndarray:
        return np.add.reduceat(x[:, self.order], self.starts, axis=1)

    def _last(self, x: np.ndarray) -> np.ndarray:
        """(B, I, ...) -> (B, M, ...) at each material's last stage, NaN without one."""
        out = x[:, np.where(self.has_last, self.last, 0)]
        out[:, ~self.has_last] = np.nan
        return out

    def reduce(self, d: dict[str, np.ndarray], imports: np.ndarray, usd: np.ndarray) -> dict[str, np.ndarray]:
        """This month's banded series (B, ...) and the final gap (B, G, S) from `step`'s flows,
        with the month's `imports` (B, I, C) and prices in USD/kg `usd` (B, I, 2)."""
        b = d["final_need"].shape[0]
        nm, nc, ns = self.shape
        gap = np.clip(self._per_group(d["final_need"]) - self._per_group(d["final_use"]), 0.0, None)
        shortfall = np.zeros((b, nm))
        shortfall[:, self.group_materials] = np.add.reduceat(gap.sum(axis=2), self.material_starts, axis=1)
        stopped = np.zeros((b, nc, ns), dtype=bool)
        stopped[:, self.countries] = np.logical_or.reduceat(
            d["stopped"][:, self.by_country], self.country_starts, axis=1
        )
        return {
            "final_gap": gap,
            "shortfall": shortfall,
            "inventory": self._last(d["inventory"]).sum(axis=2),
            "stockpile": self._last(d["stockpile"]).sum(axis=2),
            "imports": self._last(imports).sum(axis=2),
            "price_ratio": self._last(d["price"]),
            "price": self._last(usd),
            "stopped": stopped,
        }


def monthly_variables(stacked: dict[str, np.ndarray]) -> dict[str, tuple]:
    """Label a batch's per-draw monthly series (``monthly_*`` arrays, (B, T, ...)) for :func:`to_dataset`."""
    dims = {
        "price_ratio": ("draw", "month", "material", "market"),
        "price": ("draw", "month", "material", "price_market"),
        "stopped": ("draw", "month", "country", "sector"),
    }
    return {
        PREFIX + name: (dims.get(name, ("draw", "month", "material")), stacked[PREFIX + name])
        for name in (*BANDED, "stopped")
    }


def band_dataset(result: xr.Dataset) -> xr.Dataset:
    """Replace the per-draw monthly series by bands: ``band_<name>`` (quantile, month, ...),
    ``mean_<name>`` (month, ...) and ``stopped_share`` (month, country, sector), the share of
    draws in which a country's sector stands idle that month.

    Quantiles are numpy's default (linear) over all draws at once, NaN where a draw is NaN (a
    material without a price in the dataset).
    """
    if PREFIX + "shortfall" not in result:
        return result
    out: dict[str, tuple] = {}
    for name, (what, units) in BANDED.items():
        per_draw = result[PREFIX + name]
        values = per_draw.transpose("draw", ...).values
        others = tuple(str(d) for d in per_draw.dims if d != "draw")
        attrs = {"units": units, "long_name": what, "stage": "each material's last stage in the network"}
        out[f"band_{name}"] = (("quantile", *others), np.quantile(values, QUANTILES, axis=0), attrs)
        out[f"mean_{name}"] = (others, values.mean(axis=0), attrs)
    stopped = result[PREFIX + "stopped"].transpose("draw", ...)
    out["stopped_share"] = (
        stopped.dims[1:],
        stopped.values.mean(axis=0),
        {"units": "1", "long_name": "share of draws in which the sector stands idle (any material)"},
    )
    banded = result.drop_vars([v for v in result.data_vars if str(v).startswith(PREFIX)])
    return banded.assign_coords(quantile=list(QUANTILES)).assign(out)
