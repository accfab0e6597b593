"""Per-draw headline numbers of a simulation result."""

from __future__ import annotations

import numpy as np
import xarray as xr


def summarise(result: xr.Dataset) -> xr.Dataset:
    """First stop, cumulative shortfall, peak price ratio and stockpile months bought, per draw.

    * ``first_stop_month`` (draw, country, sector): first month in which the sector stops for
      any material (NaT if never); ``first_stop_offset`` the same as a month offset (-1 never);
    * ``cumulative_shortfall`` (draw, material, country): shortfall summed over months and
      stages (t); ``cumulative_final_shortfall`` (draw, country, sector) for final users;
    * ``peak_price_ratio`` (draw, material, stage, market): largest price / baseline price;
    * ``stockpile_months_bought`` (draw, material, country): stockpile release received divided
      by the country's baseline monthly need at the material's stages (months of use covered).

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> from critmin.shock.simulate import simulate
    >>> from critmin.scenarios import load_scenario
    >>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
    >>> s = summarise(simulate(net, load_scenario("backtest_ga_ge_2023"), draws=[0]))
    >>> sorted(s.data_vars)[:2]
    ['cumulative_final_shortfall', 'cumulative_shortfall']
    """
    stopped = result.stopped.any("material")
    ever = stopped.any("month")
    offset = stopped.argmax("month").where(ever, -1)
    first = result["month"].values[offset.clip(0).values]
    first_month = xr.DataArray(np.where(ever.values, first, np.datetime64("NaT")),
                               dims=offset.dims, coords=offset.coords)
    final_short = (result.final_need - result.final_use).sum(["month", "material"])
    baseline_need = result.need.isel(month=0).sum("stage")
    bought = result.release.sum(["month", "stage"]) / baseline_need.where(baseline_need > 0)
    return xr.Dataset({
        "first_stop_month": first_month,
        "first_stop_offset": offset.astype(int),
        "cumulative_shortfall": result.shortfall.sum(["month", "stage"]).assign_attrs(units="t"),
        "cumulative_final_shortfall": final_short.assign_attrs(units="t"),
        "peak_price_ratio": result.price_ratio.max("month").assign_attrs(units="1"),
        "stockpile_months_bought": bought.fillna(0.0).assign_attrs(units="month"),
    })
