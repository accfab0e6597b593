"""Hand-written datasets of two or three countries, small enough to solve the engine by hand."""

from __future__ import annotations

import numpy as np
import xarray as xr

from critmin.shock.parameters import DAYS_PER_MONTH


def tiny_dataset(
    production: dict[tuple[str, str, str], float],
    trade: dict[tuple[str, str, str, str], float],
    demand: dict[tuple[str, str, str], float],
    cover_months: float = 2.5,
    chain: dict[tuple[str, str, str, str], float] | None = None,
    parameters: dict[str, float] | None = None,
) -> xr.Dataset:
    """Dataset from dicts: production (material, stage, country), trade (material, stage,
    exporter, importer), demand (material, region, sector), all t/year at 2024; every user
    holds `cover_months` of need; `chain` (material, stage, input material, input stage);
    `parameters` rows for material ``all`` (unit ``1``)."""
    materials = sorted({k[0] for k in production})
    stages = sorted({k[1] for k in production})
    countries = sorted({k[2] for k in production} | {k[3] for k in trade} | {k[1] for k in demand})
    sectors = sorted({k[2] for k in demand})
    prod = xr.DataArray(
        np.zeros((len(materials), len(stages), len(countries), 1)),
        coords={"material": materials, "stage": stages, "country": countries, "year": [2024]},
        dims=("material", "stage", "country", "year"),
    )
    for (m, s, c), v in production.items():
        prod.loc[{"material": m, "stage": s, "country": c}] = v
    flows = xr.DataArray(
        np.zeros((len(materials), len(stages), len(countries), len(countries), 1)),
        coords={"material": materials, "stage": stages, "exporter": countries, "importer": countries, "year": [2024]},
        dims=("material", "stage", "exporter", "importer", "year"),
    )
    for (m, s, e, i), v in trade.items():
        flows.loc[{"material": m, "stage": s, "exporter": e, "importer": i}] = v
    use = xr.DataArray(
        np.full((len(materials), len(countries), len(sectors), 1), np.nan),
        coords={"material": materials, "region": countries, "sector": sectors, "year": [2024]},
        dims=("material", "region", "sector", "year"),
    )
    for (m, r, s), v in demand.items():
        use.loc[{"material": m, "region": r, "sector": s}] = v
    cover = xr.full_like(use.isel(year=0, drop=True), cover_months * DAYS_PER_MONTH)
    ds = xr.Dataset({"production": prod, "trade": flows, "demand": use, "inventory_cover": cover})
    if chain:
        rows = list(chain.items())
        keys = {
            k: sorted({r[0][n] for r in rows})
            for n, k in enumerate(("material", "stage", "input_material", "input_stage"))
        }
        da = xr.DataArray(np.full([len(v) for v in keys.values()], np.nan), coords=keys, dims=list(keys))
        for (m, s, im, is_), v in rows:
            da.loc[{"material": m, "stage": s, "input_material": im, "input_stage": is_}] = v
        ds["chain"] = da
    if parameters:
        names = list(parameters)
        coords = {"parameter": names, "material": ["all"]}
        table = xr.Dataset(
            {
                "parameters": xr.DataArray([[parameters[n]] for n in names], coords=coords, dims=list(coords)),
                "parameters_unit": xr.DataArray([["1"] for _ in names], coords=coords, dims=list(coords)),
            }
        )
        ds = ds.merge(table, join="outer")
    return ds


def germanium(parameters: dict[str, float] | None = None) -> xr.Dataset:
    """Germanium (one stage): JPN buys 80 % from CHN and 20 % from USA; the USA makes 5/6 of
    its own (300 of 360 t) and buys 60 t from CHN."""
    g = ("germanium", "refining")
    return tiny_dataset(
        production={(*g, "CHN"): 1200.0, (*g, "USA"): 400.0},
        trade={(*g, "CHN", "JPN"): 400.0, (*g, "USA", "JPN"): 100.0, (*g, "CHN", "USA"): 60.0},
        demand={
            ("germanium", "JPN", "automotive"): 500.0,
            ("germanium", "USA", "automotive"): 360.0,
            ("germanium", "CHN", "electronics"): 740.0,
        },
        parameters=parameters,
    )
