"""Who stops first, ranked by what it costs: allies first, then loss in USD, then month of first stop.

Tonnes of different materials are never added here: a country × sector's shortfall is valued in
USD per material (the dataset's value of lost production per tonne) and only the dollars are
summed; the tonnes are listed material by material.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from critmin import vocabulary as vocab

FINAL = ("final_need", "final_use")


def is_ally(country: str) -> bool:
    """Whether `country` belongs to the alliance (an EU member counts through ``EU27``).

    >>> is_ally("JPN"), is_ally("DEU"), is_ally("CHN")
    (True, True, False)
    """
    from critmin.optimise.inputs import region_of

    return region_of(country) in vocab.ALLIES


def final_gap(result: xr.Dataset) -> xr.DataArray | None:
    """Final need not met, (…, material, country, sector) in t/month, or None without final need and use.

    Results without trajectories give it summed over months (``cumulative_final_gap``, t).
    """
    if not all(v in result for v in FINAL):
        return result.get("cumulative_final_gap", None)
    return (result["final_need"] - result["final_use"]).clip(min=0.0)


def pair_losses(result: xr.Dataset, value: xr.DataArray | str | None) -> pd.DataFrame:
    """Per country × sector: median-draw loss in USD and cumulative shortfall per material (t).

    Columns ``country``, ``sector``, ``loss_usd`` (NaN when `value` is not a (material, sector)
    USD/t array) and ``short_t`` (a dict material -> median cumulative tonnes, materials with
    less than half a tonne left out). Empty when the result has no final need and use.
    """
    gap = final_gap(result)
    if gap is None:
        return pd.DataFrame(columns=["country", "sector", "loss_usd", "short_t"])
    cumulative = gap.sum("month") if "month" in gap.dims else gap
    tonnes = cumulative.median("draw") if "draw" in cumulative.dims else cumulative
    if isinstance(value, xr.DataArray):
        per_t = value.reindex(material=cumulative.material.values, sector=cumulative.sector.values).fillna(0.0)
        loss = (cumulative * per_t).sum("material")
        loss = loss.median("draw") if "draw" in loss.dims else loss
    else:
        loss = xr.full_like(tonnes.isel(material=0, drop=True), np.nan)
    materials = [str(m) for m in tonnes.material.values]
    by_pair = tonnes.transpose("country", "sector", "material").values
    usd = loss.transpose("country", "sector").values
    rows = []
    for i, country in enumerate(tonnes.country.values):
        for j, sector in enumerate(tonnes.sector.values):
            short = {m: float(t) for m, t in zip(materials, by_pair[i, j], strict=True) if t > 0.5}
            rows.append(
                {
                    "country": str(country),
                    "sector": str(sector),
                    "loss_usd": float(usd[i, j]),
                    "short_t": short,
                }
            )
    return pd.DataFrame(rows)


def rank(table: pd.DataFrame, month: str = "first_month") -> pd.DataFrame:
    """Order a stop table: allies first, then loss in USD (largest first), then month of first stop.

    Rows without a loss (no valuation) follow those with one; rows that never stop come last
    within their loss. `month` names the column holding ``YYYY-MM`` ('' when never).

    >>> t = pd.DataFrame({"country": ["AUS", "USA", "CHN"], "first_month": ["2025-02", "2025-05", "2025-01"],
    ...                   "loss_usd": [1e6, 2.4e10, 5e10]})
    >>> rank(t).country.tolist()
    ['USA', 'AUS', 'CHN']
    """
    if table.empty:
        return table.reset_index(drop=True)
    keys = pd.DataFrame(
        {
            "ally": [0 if is_ally(str(c)) else 1 for c in table.country],
            "loss": -table["loss_usd"].astype(float).fillna(-np.inf) if "loss_usd" in table else 0.0,
            "month": table[month].replace("", "9999") if month in table else "",
        },
        index=table.index,
    )
    order = keys.sort_values(["ally", "loss", "month"], kind="stable").index
    return table.loc[order].reset_index(drop=True)


def tonnes_by_material(short: dict[str, float]) -> str:
    """Tonnes short listed per material, never added across materials.

    >>> tonnes_by_material({"ndfeb": 1249.6, "dysprosium": 3.2})
    'ndfeb 1,250 t; dysprosium 3 t'
    >>> tonnes_by_material({})
    '–'
    """
    if not short:
        return "–"
    ordered = sorted(short.items(), key=lambda item: -item[1])
    return "; ".join(f"{m} {t:,.0f} t" for m, t in ordered)
