"""Demand outlook: the packaged base-year demand grown year by year at the scenario's rates.

``demand[m, r, s, y] = demand[m, r, s, y - 1] x (1 + rate(m, s, r, y))`` from the base year;
the rate and its source come from :meth:`OutlookScenario.rate` (the most specific entry).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..vocabulary import EU27_MEMBERS
from .scenario import OutlookScenario

__all__ = ["demand_outlook", "demand_table", "growth_factors", "region_of"]


def demand_outlook(data: xr.Dataset, scenario: OutlookScenario, base_year: int, years: Sequence[int]) -> xr.Dataset:
    """Projected demand (material, region, sector, year) in t/year, with each cell's source.

    ``rate_source`` is the growth rate's source for later years and the packaged demand row's
    source in the base year.

    Examples
    --------
    >>> from critmin.data import load
    >>> from critmin.outlook import load_scenario
    >>> d = demand_outlook(load(), load_scenario("steps"), 2024, range(2025, 2036))
    >>> jp = d["demand"].sel(material="ndfeb", region="JPN", sector="wind")
    >>> round(float(jp.sel(year=2027) / jp.sel(year=2024)), 6) == round(1.064 ** 3, 6)
    True
    >>> str(d["rate_source"].sel(material="ndfeb", region="USA", sector="defence", year=2027).item())
    'asm-outlook-default-growth'
    """
    base = data["demand"].sel(year=base_year).reset_coords(drop=True)
    base = base.where(base.notnull().any(["region", "sector"]), drop=True) if base.notnull().any() else base
    all_years = [base_year, *years]
    materials, regions, sectors = (base[d].values.tolist() for d in ("material", "region", "sector"))
    values = np.full((len(materials), len(regions), len(sectors), len(all_years)), np.nan)
    source = np.full(values.shape, "", dtype=object)
    values[..., 0] = base.transpose("material", "region", "sector").to_numpy()
    if "demand_source" in data:  # the base year's own source: the packaged demand row
        cited = data["demand_source"].sel(year=base_year).reindex(material=materials, region=regions, sector=sectors)
        source[..., 0] = cited.transpose("material", "region", "sector").fillna("").to_numpy()
    for i, m in enumerate(materials):
        for j, r in enumerate(regions):
            for k, s in enumerate(sectors):
                if np.isnan(values[i, j, k, 0]):
                    continue
                for t, year in enumerate(years, start=1):
                    rate, ref = scenario.rate(m, s, r, year)
                    values[i, j, k, t] = values[i, j, k, t - 1] * (1.0 + rate)
                    source[i, j, k, t] = ref
    coords = {"material": materials, "region": regions, "sector": sectors, "year": all_years}
    dims = ("material", "region", "sector", "year")
    return xr.Dataset(
        {
            "demand": xr.DataArray(values, dims=dims, coords=coords, attrs={"units": "t/year"}),
            "rate_source": xr.DataArray(source, dims=dims, coords=coords),
        },
        attrs={"scenario": scenario.name},
    )


def region_of(country: str, regions: Sequence[str]) -> str:
    """The demand region a country's consumption is in (EU members -> EU27, others -> ROW).

    >>> region_of("DEU", ["EU27", "JPN", "ROW"]), region_of("MYS", ["EU27", "ROW"]), region_of("JPN", ["JPN"])
    ('EU27', 'ROW', 'JPN')
    """
    if country in regions:
        return country
    if country in EU27_MEMBERS and "EU27" in regions:
        return "EU27"
    return "ROW"


def growth_factors(demand: xr.DataArray, material: str, countries: Sequence[str], years: Sequence[int]) -> np.ndarray:
    """(year, country) factor of each country's demand for `material` over the base year.

    A region without base demand for the material grows like the world; a material without
    demand rows does not grow (factor 1).

    >>> d = xr.DataArray([[[[10.0, 12.0]], [[5.0, 5.0]]]], dims=("material", "region", "sector", "year"),
    ...                  coords={"material": ["m"], "region": ["JPN", "ROW"], "sector": ["all"], "year": [2024, 2025]})
    >>> growth_factors(d, "m", ["JPN", "MYS", "USA"], [2025]).round(4).tolist()
    [[1.2, 1.0, 1.0]]
    """
    if material not in demand["material"].values:
        return np.ones((len(years), len(countries)))
    frame = pd.DataFrame(
        demand.sel(material=material).sum("sector", min_count=1).transpose("region", "year").to_pandas()
    )
    base_year = int(frame.columns[0])
    world = frame.sum(axis=0, min_count=1)
    world_factor = np.asarray(world[list(years)] / world[base_year], dtype=float)
    regions = frame.index.tolist()
    start = np.asarray(frame[base_year], dtype=float)
    later = np.asarray(frame[list(years)], dtype=float)
    out = np.empty((len(years), len(countries)))
    for c, country in enumerate(countries):
        region = region_of(country, regions)
        r = regions.index(region) if region in regions else -1
        known = r >= 0 and np.isfinite(start[r]) and start[r] > 0
        out[:, c] = later[r] / start[r] if known else world_factor
    return np.nan_to_num(out, nan=1.0)


def demand_table(outlook: xr.Dataset) -> pd.DataFrame:
    """Tidy rows material, region, sector, year, value, unit, rate_source (known cells only)."""
    frame = outlook.to_dataframe().reset_index().dropna(subset=["demand"])
    return frame.rename(columns={"demand": "value"}).assign(unit="t/year")
