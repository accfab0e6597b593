"""Synthetic critmin datasets with the schema's names and dims, for tests and benchmarks.

The numbers are random but shaped like the real market (China dominant at most stages, a few
importers, chain coefficients of the right order). They are not data about any country.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import xarray as xr

from critmin.vocabulary import MATERIAL_STAGES, SECTORS, stages_of

LINKS: Final[dict[tuple[str, str], tuple[tuple[str, str, float], ...]]] = {
    ("ndpr", "separation"): (("rare_earths", "mining", 4.0),),
    ("neodymium", "separation"): (("rare_earths", "mining", 5.0),),
    ("praseodymium", "separation"): (("rare_earths", "mining", 20.0),),
    ("dysprosium", "separation"): (("rare_earths", "mining", 60.0),),
    ("terbium", "separation"): (("rare_earths", "mining", 200.0),),
    ("ndpr", "metal"): (("ndpr", "separation", 1.17),),
    ("neodymium", "metal"): (("neodymium", "separation", 1.17),),
    ("praseodymium", "metal"): (("praseodymium", "separation", 1.2),),
    ("dysprosium", "metal"): (("dysprosium", "separation", 1.15),),
    ("terbium", "metal"): (("terbium", "separation", 1.18),),
    ("ndfeb", "alloy"): (("ndpr", "metal", 0.3), ("dysprosium", "metal", 0.01), ("terbium", "metal", 0.002)),
    ("ndfeb", "magnet"): (("ndfeb", "alloy", 1.05),),
    ("gallium", "metal"): (("gallium", "refining", 1.02),),
    ("graphite_anode", "refining"): (("graphite_natural", "mining", 2.5),),
    ("antimony", "refining"): (("antimony", "mining", 1.05),),
    ("tungsten", "refining"): (("tungsten", "mining", 1.05),),
    ("cobalt", "refining"): (("cobalt", "mining", 1.05),),
    ("lithium", "refining"): (("lithium", "mining", 1.05),),
    ("nickel", "refining"): (("nickel", "mining", 1.05),),
}
"""Synthetic chain: output item -> (input material, input stage, t input per t output)."""

COUNTRY_POOL: Final = [
    "CHN",
    "JPN",
    "USA",
    "KOR",
    "EU27",
    "AUS",
    "MYS",
    "ROW",
    "IND",
    "CAN",
    "VNM",
    "RUS",
    "BRA",
    "ZAF",
    "MMR",
    "IDN",
    "COD",
    "CHL",
    "ARG",
    "MOZ",
    "MDG",
    "TUR",
    "GBR",
    "NOR",
    "MEX",
    "PER",
    "PHL",
    "THA",
    "TWN",
    "SGP",
    "KAZ",
    "MNG",
    "TJK",
    "BOL",
    "ZMB",
    "GAB",
    "RWA",
    "NGA",
    "MAR",
    "SAU",
    "ARE",
    "ISR",
    "NZL",
    "UKR",
]


def _production(rng: np.random.Generator, n_countries: int) -> np.ndarray:
    share = rng.uniform(0.0, 1.0, n_countries) * (rng.uniform(size=n_countries) < 0.6)
    share[0] = 0.0
    china = rng.uniform(0.55, 0.9)
    share = share / share.sum() * (1 - china) if share.sum() > 0 else share
    share[0] = china if share.sum() > 0 else 1.0
    return share * 1_000.0 * rng.lognormal(0.0, 1.0)


def _arrays(rng: np.random.Generator, materials: list[str], countries: list[str]) -> dict[str, np.ndarray]:
    stages = ["mining", "separation", "refining", "metal", "alloy", "magnet"]
    nc = len(countries)
    prod = np.full((len(materials), len(stages), nc), np.nan)
    trade = np.full((len(materials), len(stages), nc, nc), np.nan)
    for m, material in enumerate(materials):
        for stage in stages_of(material):
            s = stages.index(stage)
            prod[m, s] = _production(rng, nc)
            weight = rng.uniform(size=nc) * (rng.uniform(size=nc) < 0.7)
            flows = 0.4 * prod[m, s][:, None] * weight[None, :] / max(weight.sum(), 1e-9)
            np.fill_diagonal(flows, 0.0)
            trade[m, s] = flows
    return {"production": prod, "trade": trade}


def synthetic_dataset(countries: int = 8, materials: int | list[str] = 4, seed: int = 0) -> xr.Dataset:
    """A random dataset with the critmin schema's variable names and dims.

    Parameters
    ----------
    countries : int
        Number of countries, CHN first (at most 44).
    materials : int or list of str
        The first `materials` materials of the vocabulary, or these materials.
    seed : int
        Seed of the random numbers.

    Returns
    -------
    xarray.Dataset
        production, capacity, trade, demand, inventory_cover, stockpile, price, chain,
        parameter (with parameter_low, parameter_high), each with ``<name>_source``.

    Examples
    --------
    >>> ds = synthetic_dataset(countries=3, materials=["gallium"])
    >>> ds["trade"].dims
    ('material', 'stage', 'exporter', 'importer', 'year')
    """
    rng = np.random.default_rng(seed)
    names = list(MATERIAL_STAGES)[:materials] if isinstance(materials, int) else list(materials)
    codes = COUNTRY_POOL[:countries]
    stages = ["mining", "separation", "refining", "metal", "alloy", "magnet"]
    arrays = _arrays(rng, names, codes)
    years = [2023, 2024]
    base = {"material": names, "stage": stages}
    prod = xr.DataArray(
        np.stack([arrays["production"]] * 2, -1),
        dims=(*base, "country", "year"),
        coords={**base, "country": codes, "year": years},
    )
    trade = xr.DataArray(
        np.stack([arrays["trade"]] * 2, -1),
        dims=(*base, "exporter", "importer", "year"),
        coords={**base, "exporter": codes, "importer": codes, "year": years},
    )
    ds = xr.Dataset({"production": prod, "capacity": prod * rng.uniform(1.1, 1.4), "trade": trade})
    ds["demand"] = _demand(rng, names, codes, prod, years)
    ds["inventory_cover"] = xr.DataArray(
        rng.uniform(14, 45, (len(names), len(codes), len(SECTORS))),
        dims=("material", "region", "sector"),
        coords={"material": names, "region": codes, "sector": list(SECTORS)},
    )
    for part in (_stockpile(rng, names, years), _price(rng, names, stages, years), _chain(names), _parameter()):
        ds = ds.merge(part, join="outer", compat="no_conflicts")
    for name in (
        "production",
        "capacity",
        "trade",
        "demand",
        "inventory_cover",
        "stockpile",
        "price",
        "chain",
        "parameter",
    ):
        ds[f"{name}_source"] = xr.full_like(ds[name], "synthetic", dtype=object)
    return ds


def _demand(
    rng: np.random.Generator, names: list[str], codes: list[str], prod: xr.DataArray, years: list[int]
) -> xr.DataArray:
    sectors = list(SECTORS)
    values = np.zeros((len(names), len(codes), len(sectors), len(years)))
    for m, material in enumerate(names):
        last = stages_of(material)[-1]
        world = float(prod.sel(material=material, stage=last).isel(year=0).sum())
        regions = rng.dirichlet(np.ones(len(codes)))
        use = rng.choice(len(sectors) - 1, size=3, replace=False)
        split = np.zeros(len(sectors))
        split[use] = rng.dirichlet(np.ones(3))
        values[m] = world * 0.9 * regions[:, None, None] * split[None, :, None]
    return xr.DataArray(
        values,
        dims=("material", "region", "sector", "year"),
        coords={"material": names, "region": codes, "sector": sectors, "year": years},
    )


def _stockpile(rng: np.random.Generator, names: list[str], years: list[int]) -> xr.Dataset:
    values = rng.uniform(0, 50, (2, len(names), len(years)))
    stock = xr.DataArray(
        values,
        dims=("holder", "material", "year"),
        coords={"holder": ["JOGMEC", "DLA"], "material": names, "year": years},
    )
    return xr.Dataset({"stockpile": stock, "holder_country": ("holder", np.array(["JPN", "USA"], dtype=object))})


def _price(rng: np.random.Generator, names: list[str], stages: list[str], years: list[int]) -> xr.Dataset:
    intl = rng.uniform(10, 500, (len(names), len(stages), 1, len(years)))
    values = np.concatenate([intl * 0.85, intl], axis=2)
    return xr.Dataset(
        {
            "price": xr.DataArray(
                values,
                dims=("material", "stage", "market", "year"),
                coords={
                    "material": names,
                    "stage": stages,
                    "market": ["china_domestic", "international"],
                    "year": years,
                },
            )
        }
    )


def _chain(names: list[str]) -> xr.Dataset:
    rows = [
        (m, s, im, is_, v) for (m, s), inputs in LINKS.items() for im, is_, v in inputs if m in names and im in names
    ]
    if not rows:
        rows = [(names[0], stages_of(names[0])[0], names[0], stages_of(names[0])[0], np.nan)]
    index = {
        k: sorted({r[n] for r in rows}) for n, k in enumerate(("material", "stage", "input_material", "input_stage"))
    }
    da = xr.DataArray(np.full([len(v) for v in index.values()], np.nan), coords=index, dims=list(index))
    for m, s, im, is_, v in rows:
        da.loc[{"material": m, "stage": s, "input_material": im, "input_stage": is_}] = v
    return xr.Dataset({"chain": da})


def _parameter() -> xr.Dataset:
    names = ["ramp_up_rate", "price_lag_months"]
    coords = {"parameter": names, "material": ["all"]}
    value = xr.DataArray([[0.04], [3.0]], coords=coords, dims=list(coords))
    return xr.Dataset({"parameter": value, "parameter_low": value * 0.5, "parameter_high": value * 1.5})
