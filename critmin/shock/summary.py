"""Per-draw headline numbers of a simulation: from a labelled result, or month by month.

:func:`summarise` reads a result with trajectories; :class:`Accumulator` computes the same
numbers on plain arrays as the months run, so Monte Carlo runs without trajectories keep only
(draw, ...) arrays in memory, never (draw, month, ...).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from critmin.shock.network import Network

STOP_SHARES = (0.05, 0.25, 0.5)
"""Shares of a sector's output whose first stop month is reported (``output_stop_month``)."""

STOP_DESCRIPTION = (
    "first month in which at least output_share of the country's sector output has stopped "
    "(firm classes, critmin.shock.firms; the largest share over materials)"
)

SUMMARY_VARIABLES = (
    "first_stop_month",
    "first_stop_offset",
    "output_stop_month",
    "output_stop_offset",
    "cumulative_shortfall",
    "cumulative_final_shortfall",
    "peak_price_ratio",
    "stockpile_months_bought",
    "cumulative_final_gap",
)


def summarise(result: xr.Dataset) -> xr.Dataset:
    """First stop, cumulative shortfall, peak price ratio and stockpile months bought, per draw.

    * ``first_stop_month`` (draw, country, sector): first month in which some of the sector's
      firms stop for any material (NaT if never); ``first_stop_offset`` the same as a month
      offset (-1 never);
    * ``output_stop_month`` (draw, country, sector, output_share): first month in which at least
      ``output_share`` (5, 25, 50 %) of the sector's output has stopped, the largest stopped
      share over materials (NaT if never); ``output_stop_offset`` as a month offset (-1 never);
    * ``cumulative_shortfall`` (draw, material, country): shortfall summed over months and
      stages (t); ``cumulative_final_shortfall`` (draw, country, sector) for final users;
    * ``peak_price_ratio`` (draw, material, stage, market): largest price / baseline price;
    * ``stockpile_months_bought`` (draw, material, country): stockpile release received divided
      by the country's first-month need at the material's stages (months of use covered);
    * ``cumulative_final_gap`` (draw, material, country, sector): final need not met,
      ``max(need - use, 0)`` each month, summed over months (t).

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> from critmin.shock.simulate import simulate
    >>> from critmin.scenarios import load_scenario
    >>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
    >>> s = summarise(simulate(net, load_scenario("backtest_ga_ge_2023"), draws=[0]))
    >>> sorted(s.data_vars)[:3]
    ['cumulative_final_gap', 'cumulative_final_shortfall', 'cumulative_shortfall']
    """
    share = result.stopped.astype(float).max("material")
    months = result["month"].values
    first_month, offset = _first_month(share > 0, months)
    reached = (
        share > xr.DataArray(list(STOP_SHARES), dims="output_share", coords={"output_share": list(STOP_SHARES)}) - 1e-12
    )
    output_month, output_offset = _first_month(reached, months)
    final_short = (result.final_need - result.final_use).sum(["month", "material"])
    baseline_need = result.need.isel(month=0).sum("stage")
    bought = result.release.sum(["month", "stage"]) / baseline_need.where(baseline_need > 0)
    return xr.Dataset(
        {
            "first_stop_month": first_month,
            "first_stop_offset": offset.astype(int),
            "output_stop_month": output_month.transpose(*output_offset.dims).assign_attrs(description=STOP_DESCRIPTION),
            "output_stop_offset": output_offset.astype(int).assign_attrs(units="month", description=STOP_DESCRIPTION),
            "cumulative_shortfall": result.shortfall.sum(["month", "stage"]).assign_attrs(units="t"),
            "cumulative_final_shortfall": final_short.assign_attrs(units="t"),
            "peak_price_ratio": result.price_ratio.max("month").assign_attrs(units="1"),
            "stockpile_months_bought": bought.fillna(0.0).assign_attrs(units="month"),
            "cumulative_final_gap": (result.final_need - result.final_use)
            .clip(min=0.0)
            .sum("month")
            .transpose("draw", "material", "country", "sector")
            .assign_attrs(units="t"),
        }
    )


def _first_month(flag: xr.DataArray, months: np.ndarray) -> tuple[xr.DataArray, xr.DataArray]:
    """First month where `flag` holds (NaT if never) and its offset (-1 if never)."""
    ever = flag.any("month")
    offset = flag.argmax("month").where(ever, -1)
    first = months[offset.clip(0).values]
    return xr.DataArray(
        np.where(ever.values, first, np.datetime64("NaT")), dims=offset.dims, coords=offset.coords
    ), offset


def group_max(x: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """(B, F, S) non-negative -> (B, n, S): the largest value over the F rows of each group.

    Examples
    --------
    >>> group_max(np.array([[[0.2], [0.5], [0.1]]]), np.array([1, 1, 0]), 3).ravel().tolist()
    [0.1, 0.5, 0.0]
    """
    out = np.zeros((x.shape[0], n, x.shape[2]))
    np.maximum.at(out.transpose(1, 0, 2), groups, x.transpose(1, 0, 2))
    return out


def _by_country(x: np.ndarray, pair_country: np.ndarray) -> np.ndarray:
    """(B, F, S) on final-demand nodes -> (B, C, S) summed by country (a BLAS matmul)."""
    return np.matmul(x.transpose(0, 2, 1), pair_country).transpose(0, 2, 1)


def _by_material(x: np.ndarray, to_material: np.ndarray) -> np.ndarray:
    """(B, I, C) -> (B, M, C) summed over each material's stages."""
    return np.matmul(x.transpose(0, 2, 1), to_material).transpose(0, 2, 1)


class Accumulator:
    """The numbers of :func:`summarise`, updated in place from each month's flows.

    Month flows carry sector detail on the F nodes with final demand, (B, F, S).
    Arrays: ``first_stop`` (B, C, S) month offset or -1; ``output_stop`` (B, C, S, 3) the
    same for each of :data:`STOP_SHARES`; ``shortfall`` (B, M, C);
    ``final_shortfall`` (B, C, S); ``peak_price`` (B, I, 2); ``released`` and ``need0``
    (B, M, C).
    """

    def __init__(self, net: Network, draws: int, to_material: np.ndarray) -> None:
        nm, (_, nc), ns = to_material.shape[1], net.shape, len(net.sectors)
        item, country = net.final_pairs
        self.to_material = to_material
        self.pair_country = np.eye(nc)[country]
        self.country = country
        self.first_stop = np.full((draws, nc, ns), -1, dtype=np.int64)
        self.output_stop = np.full((draws, nc, ns, len(STOP_SHARES)), -1, dtype=np.int64)
        self.shortfall = np.zeros((draws, nm, nc))
        self.final_shortfall = np.zeros((draws, nc, ns))
        self.peak_price = np.full((draws, len(net.items), 2), -np.inf)
        self.released = np.zeros((draws, nm, nc))
        self.need0 = np.zeros((draws, nm, nc))

    def add(self, t: int, d: dict[str, np.ndarray]) -> None:
        """Fold month `t`'s flows (the dict `step` returns) into the running numbers."""
        share = group_max(d["stopped"], self.country, self.first_stop.shape[1])
        self.first_stop[(self.first_stop < 0) & (share > 0)] = t
        reached = share[..., None] > np.array(STOP_SHARES) - 1e-12
        self.output_stop[(self.output_stop < 0) & reached] = t
        self.shortfall += _by_material(d["shortfall"], self.to_material)
        self.final_shortfall += _by_country(d["final_need"] - d["final_use"], self.pair_country)
        np.maximum(self.peak_price, d["price"], out=self.peak_price)
        self.released += _by_material(d["release"], self.to_material)
        if t == 0:
            self.need0 = _by_material(d["need"], self.to_material)

    def arrays(self) -> dict[str, np.ndarray]:
        """The accumulated arrays by name."""
        bought = np.where(self.need0 > 0, self.released / np.where(self.need0 > 0, self.need0, 1.0), 0.0)
        return {
            "summary_first_stop": self.first_stop,
            "summary_output_stop": self.output_stop,
            "summary_shortfall": self.shortfall,
            "summary_final_shortfall": self.final_shortfall,
            "summary_peak_price": self.peak_price,
            "summary_bought": bought,
        }


def summary_dataset(
    arrays: dict[str, np.ndarray],
    net: Network,
    materials: Sequence[str],
    stages: Sequence[str],
    peak: np.ndarray,
    months: pd.DatetimeIndex,
    draws: Sequence[int],
) -> xr.Dataset:
    """Label an :class:`Accumulator`'s arrays like :func:`summarise` (`peak` already unstacked)."""
    coords = {
        "draw": np.asarray(draws),
        "material": list(materials),
        "stage": list(stages),
        "country": list(net.countries),
        "sector": list(net.sectors),
        "market": ["inside", "outside"],
        "output_share": list(STOP_SHARES),
    }
    offset = arrays["summary_first_stop"]
    first = np.where(offset >= 0, months.values[np.clip(offset, 0, None)], np.datetime64("NaT"))
    stop = arrays["summary_output_stop"]
    stop_month = np.where(stop >= 0, months.values[np.clip(stop, 0, None)], np.datetime64("NaT"))
    dcsq = ("draw", "country", "sector", "output_share")
    dcs, dmc = ("draw", "country", "sector"), ("draw", "material", "country")
    ds = xr.Dataset(
        {
            "first_stop_month": (dcs, first),
            "first_stop_offset": (dcs, offset.astype(int)),
            "output_stop_month": (dcsq, stop_month, {"description": STOP_DESCRIPTION}),
            "output_stop_offset": (dcsq, stop.astype(int), {"units": "month", "description": STOP_DESCRIPTION}),
            "cumulative_shortfall": (dmc, arrays["summary_shortfall"], {"units": "t"}),
            "cumulative_final_shortfall": (dcs, arrays["summary_final_shortfall"], {"units": "t"}),
            "peak_price_ratio": (("draw", "material", "stage", "market"), peak, {"units": "1"}),
            "stockpile_months_bought": (dmc, arrays["summary_bought"], {"units": "month"}),
        },
        coords={k: v for k, v in coords.items()},
    )
    if "summary_final_gap" in arrays:
        ds["cumulative_final_gap"] = (
            ("draw", "material", "country", "sector"),
            arrays["summary_final_gap"],
            {"units": "t", "long_name": "final need not met, max(need - use, 0) by month, summed over months"},
        )
    return ds
