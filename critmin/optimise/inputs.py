"""From the dataset and the shock simulator's results to the optimiser's inputs.

Three conversions, each a pure function of labelled data:

- :func:`options_from_dataset`: the default option tables (stockpiles, projects, instruments,
  research) packaged as ``response_*.csv`` by ``tools/build_dataset.py``, with the purchase price
  and today's holdings taken from the dataset itself (so a user's override of prices or
  stockpiles flows through).
- :func:`loss_per_tonne_from_dataset`: USD of lost production per tonne short by region and
  material, the sector values of the dataset's parameters (value-added multiple x price) averaged
  with weights (sector demand by default, or the simulated shortfall by sector).
- :func:`baseline_from_shock`: the final users' unmet need of one or several scenario runs as
  ``(scenario, month, region, material)`` tonnes, the international price path in USD/kg and the
  scenario weights.

Regions are the allies (:data:`critmin.vocabulary.ALLIES`) plus ``ROW``; EU member states map to
``EU27`` and every other country (China included) to ``ROW``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import xarray as xr

from critmin.errors import DataError, Issue
from critmin.optimise.options import (
    INSTRUMENT_PARAMETERS,
    PROJECT_COLUMNS,
    RESEARCH_COLUMNS,
    STOCKPILE_COLUMNS,
    Options,
)
from critmin.vocabulary import ALLIES, EU27_MEMBERS, MATERIAL_STAGES, stages_of

REGIONS: Final = (*ALLIES, "ROW")
"""Regions of the optimiser: the allies, then the rest of the world."""

KG_PER_T: Final = 1_000.0
TINY_T: Final = 1e-6
"""Monthly shortfalls below this many tonnes are the simulator's rounding, counted as zero."""
LOSS_PREFIX: Final = "value_lost_production_"
OPTION_FILES: Final = {
    "stockpiles": "response_stockpiles.csv",
    "projects": "response_projects.csv",
    "instruments": "response_instruments.csv",
    "research": "response_research.csv",
}
"""Packaged default option tables, written by ``tools/build_dataset.py``."""


def region_of(country: str) -> str:
    """Optimiser region of a country code: an ally, ``EU27`` for a member state, else ``ROW``.

    Examples
    --------
    >>> region_of("DEU"), region_of("JPN"), region_of("CHN")
    ('EU27', 'JPN', 'ROW')
    """
    if country in ALLIES:
        return country
    if country in EU27_MEMBERS:
        return "EU27"
    return "ROW"


def _packaged_dir() -> Path:
    from critmin.data.load import packaged_path

    return packaged_path()


def _read(name: str, folder: Path | None) -> pd.DataFrame:
    path = (folder or _packaged_dir()) / name
    if not path.exists():
        raise DataError(
            [
                Issue(
                    str(path),
                    0,
                    "(file)",
                    "option table is missing",
                    "rebuild the packaged data with tools/build_dataset.py",
                )
            ]
        )
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def latest_price(ds: xr.Dataset, material: str) -> tuple[float, int, str, str]:
    """Latest price of `material` in USD/kg: (value, year, stage, market).

    The international market first (the last stage of the material preferred, then the latest
    year), else the China-domestic price; raises DataError if the dataset has none.

    Examples
    --------
    >>> import critmin
    >>> latest_price(critmin.load(), "gallium")[:3]
    (580.0, 2025, 'metal')
    """
    price = ds["price"].sel(material=material)
    last = stages_of(material)[-1]
    for market in ("international", "china_domestic"):
        if market not in price.market.values:
            continue
        frame = price.sel(market=market).to_series().dropna()
        if frame.empty:
            continue
        ranked = sorted(frame.items(), key=lambda kv: (kv[0][0] == last, int(kv[0][1])))
        (stage, year), value = ranked[-1]
        return float(value), int(year), str(stage), market
    raise DataError(
        [Issue("price.csv", 0, "material", f"no price for {material}", "add an international or China-domestic price")]
    )


def _holdings(ds: xr.Dataset, holder: str, material: str) -> float:
    if "stockpile" not in ds.data_vars or holder not in ds["stockpile"].holder.values:
        return 0.0
    series = ds["stockpile"].sel(holder=holder, material=material).to_series().dropna()
    return float(series.sort_index().iloc[-1]) if len(series) else 0.0


def options_from_dataset(ds: xr.Dataset, folder: Path | None = None, materials: Sequence[str] | None = None) -> Options:
    """The default option tables, priced and stocked from `ds`.

    Parameters
    ----------
    ds : xarray.Dataset
        The critmin dataset (``critmin.load()``).
    folder : pathlib.Path, optional
        Folder holding the ``response_*.csv`` tables (default: the packaged data).
    materials : sequence of str, optional
        Keep only options on these materials.

    Returns
    -------
    Options
        Stockpiles with ``purchase_price_usd_per_t`` = latest price x 1000 and ``start_t`` = the
        holder's latest holding in ``ds.stockpile`` (0 where none); projects, instruments and
        research as packaged.

    Examples
    --------
    >>> import critmin
    >>> opts = options_from_dataset(critmin.load())
    >>> sorted(opts.stockpiles.holder.unique())[:2]
    ['ALLIANCE', 'AUS-CMSR']
    >>> float(opts.stockpiles.set_index(["holder", "material"]).loc[("KOR-KOMIR", "gallium"),
    ...       "start_t"]) > 0
    True
    """
    stock = _read(OPTION_FILES["stockpiles"], folder)
    prices = {m: latest_price(ds, m)[0] * KG_PER_T for m in stock.material.unique()}
    stock["purchase_price_usd_per_t"] = stock.material.map(prices)
    stock["start_t"] = [_holdings(ds, h, m) for h, m in zip(stock.holder, stock.material, strict=True)]
    projects = _read(OPTION_FILES["projects"], folder)
    instruments = _read(OPTION_FILES["instruments"], folder)
    research = _read(OPTION_FILES["research"], folder)
    params = sorted({p for ps in INSTRUMENT_PARAMETERS.values() for p in ps} | {"amount_usd"})
    for column in params:
        if column in instruments:
            instruments[column] = pd.to_numeric(instruments[column], errors="coerce")
    if materials is not None:
        keep = set(materials)
        stock = stock[stock.material.isin(keep)]
        projects = projects[projects.material.isin(keep)]
        instruments = instruments[instruments.project_id.isin(projects.project_id)]
        research = research[research.material.isin(keep)]
    return Options(
        stockpiles=stock[list(STOCKPILE_COLUMNS)].reset_index(drop=True),
        projects=projects[[*PROJECT_COLUMNS]].reset_index(drop=True),
        instruments=instruments[["project_id", "instrument", *params]].reset_index(drop=True),
        research=research[list(RESEARCH_COLUMNS)].reset_index(drop=True),
    )


def sector_values(ds: xr.Dataset) -> xr.DataArray:
    """USD lost per tonne short, (material, sector), for every material and sector.

    The dataset's ``value_lost_production_<sector>`` parameters where present; elsewhere the same
    method (``est-value-lost-production``): latest price x 1000 x the sector's value-added
    multiple, the multiple read back from the dataset (median over materials of value / price).
    China-domestic prices stand in where no international price exists (terbium, graphite anode).
    """
    materials = [m for m in MATERIAL_STAGES if m in ds.material.values]
    sectors = [str(s) for s in ds.sector.values]
    values = np.full((len(materials), len(sectors)), np.nan)
    params = ds["parameters"]
    names = [str(p) for p in params.parameter.values]
    price = np.array([latest_price(ds, m)[0] * KG_PER_T for m in materials])
    for j, sector in enumerate(sectors):
        name = LOSS_PREFIX + sector
        if name in names:
            row = params.sel(parameter=name).reindex(material=materials).values.astype(float)
            values[:, j] = row
    multiple = np.nanmedian(values / price[:, None], axis=0)
    overall = float(np.nanmedian(multiple)) if np.isfinite(multiple).any() else 20.0
    multiple = np.where(np.isfinite(multiple), multiple, overall)
    filled = np.where(np.isnan(values), price[:, None] * multiple[None, :], values)
    return xr.DataArray(
        filled, coords={"material": materials, "sector": sectors}, dims=("material", "sector"), attrs={"units": "USD/t"}
    )


def demand_weights(ds: xr.Dataset, regions: Sequence[str] = REGIONS) -> xr.DataArray:
    """Latest-year demand (region, material, sector) in t/year, regions mapped to the optimiser's."""
    demand = ds["demand"]
    years = [int(y) for y in demand.year.values if bool(demand.sel(year=y).notnull().any())]
    latest = demand.sel(year=max(years)).fillna(0.0)
    key = xr.DataArray(
        [region_of(str(r)) for r in latest.region.values],
        dims="region",
        coords={"region": latest.region.values},
        name="group",
    )
    grouped = latest.groupby(key).sum().rename(group="region")
    return grouped.reindex(region=list(regions), fill_value=0.0).transpose("region", "material", "sector")


def loss_per_tonne_from_dataset(
    ds: xr.Dataset, weights: xr.DataArray | None = None, regions: Sequence[str] = REGIONS
) -> xr.DataArray:
    """USD of lost production per tonne short, (region, material).

    Parameters
    ----------
    ds : xarray.Dataset
        The critmin dataset.
    weights : xarray.DataArray, optional
        (region, material, sector) weights of the sector values, e.g. the expected simulated
        shortfall by sector; cells with no weight fall back to the region's demand by sector, then
        to world demand, then to the plain mean over sectors.
    regions : sequence of str
        Regions of the result (default: allies + ROW).

    Examples
    --------
    >>> import critmin
    >>> loss = loss_per_tonne_from_dataset(critmin.load())
    >>> loss.dims, bool((loss > 0).all())
    (('region', 'material'), True)
    """
    values = sector_values(ds)
    demand = demand_weights(ds, regions).reindex_like(values.expand_dims(region=list(regions))).fillna(0.0)
    has_value = values.notnull()
    world = demand.sum("region")

    def average(w: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
        w = w.where(has_value, 0.0)
        total = w.sum("sector")
        return (w * values.fillna(0.0)).sum("sector") / total.where(total > 0), total > 0

    plain = values.mean("sector")
    out, _ = average(world)
    out = out.fillna(plain).broadcast_like(demand.isel(sector=0, drop=True)).copy()
    by_demand, ok = average(demand)
    out = xr.where(ok, by_demand, out)
    if weights is not None:
        w = weights.reindex_like(demand).fillna(0.0)
        by_weight, ok = average(w)
        out = xr.where(ok, by_weight, out)
    return (
        out.transpose("region", "material")
        .rename("loss_per_tonne")
        .assign_attrs(units="USD/t", long_name="value of lost production per tonne short")
    )


def _check_results(results: Sequence[xr.Dataset]) -> list[Issue]:
    issues = []
    if not results:
        issues.append(Issue("shock results", 0, "results", "no results given", "run at least one scenario"))
    for i, r in enumerate(results):
        name = str(r.attrs.get("scenario", f"result {i}"))
        if "final_shortfall" not in r and not {"final_need", "final_use"} <= set(r.data_vars):
            issues.append(
                Issue(
                    name,
                    0,
                    "final_need",
                    "monthly trajectories are missing",
                    "run at most 50 draws per call of critmin.shock.run",
                )
            )
        if "price_ratio" not in r and "price_usd_per_kg" not in r:
            issues.append(
                Issue(
                    name,
                    0,
                    "price_ratio",
                    "price trajectories are missing",
                    "run at most 50 draws per call of critmin.shock.run",
                )
            )
    return issues


def reduce_result(result: xr.Dataset, ds: xr.Dataset, regions: Sequence[str] = REGIONS) -> xr.Dataset:
    """The few arrays the optimiser needs from one shock result, by optimiser region.

    ``final_shortfall`` (draw, month, region, material, sector) t/month and ``price_usd_per_kg``
    (draw, month, material): the outside-China price ratio at the stage of the dataset's price
    times that price. Keeps ``attrs``. Small enough to hold 1,000 draws in memory.
    """
    issues = _check_results([result])
    if issues:
        raise DataError(issues)
    if "final_shortfall" in result:
        return result
    short = result["final_need"] - result["final_use"]
    short = short.where(short > TINY_T, 0.0)
    key = xr.DataArray(
        [region_of(str(c)) for c in short.country.values], dims="country", coords={"country": short.country.values}
    )
    short = short.groupby(key.rename("region")).sum().reindex(region=list(regions), fill_value=0.0)
    materials = [str(m) for m in result.material.values]
    ratio = (
        result["price_ratio"].sel(market="outside") if "market" in result["price_ratio"].dims else result["price_ratio"]
    )
    paths = []
    for m in materials:
        value, _, stage, _ = latest_price(ds, m)
        r = ratio.sel(material=m)
        at = r.sel(stage=stage) if stage in r.stage.values else r.isel(stage=0)
        if bool(at.isnull().all()):
            at = r.max("stage")
        paths.append((at.fillna(1.0) * value).drop_vars(["stage", "material"], errors="ignore"))
    price = xr.concat(paths, dim=pd.Index(materials, name="material")).transpose("draw", "month", "material")
    out = xr.Dataset(
        {
            "final_shortfall": short.transpose("draw", "month", "region", "material", "sector").assign_attrs(
                units="t/month"
            ),
            "price_usd_per_kg": price.assign_attrs(units="USD/kg"),
        }
    )
    return out.assign_attrs(result.attrs)


def baseline_from_shock(
    results: Sequence[xr.Dataset],
    ds: xr.Dataset | None = None,
    weights: Mapping[str, float] | None = None,
    regions: Sequence[str] = REGIONS,
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """Baseline shortfall, price path and scenario weights from shock results.

    Parameters
    ----------
    results : list of xarray.Dataset
        Outputs of :func:`critmin.shock.run` (with monthly trajectories: at most 50 draws per
        call), or of :func:`reduce_result`. Several results of the same scenario file (other
        seeds) add draws.
    ds : xarray.Dataset, optional
        The dataset whose prices turn price ratios into USD/kg (default ``critmin.load()``).
    weights : mapping, optional
        Weight of each scenario file by its ``name`` (default equal); a file's weight is split
        equally among its draws. The weights are normalised to sum to 1.
    regions : sequence of str
        Regions (default allies + ROW).

    Returns
    -------
    baseline_shortfall : xarray.DataArray
        (scenario, month, region, material) t unmet by final users with no new policy.
    price_path : xarray.DataArray
        (scenario, month, material) international (outside-China) price, USD/kg.
    scenario_weight : xarray.DataArray
        (scenario) probabilities summing to 1.

    Scenario labels are ``"<name>/s<seed>/d<draw>"``. ``month`` counts months from each
    scenario's start (0, 1, ...); shorter horizons are padded with no shortfall and their last
    price.
    """
    issues = _check_results(results)
    if issues:
        raise DataError(issues)
    if ds is None:
        import critmin

        ds = critmin.load()
    reduced = [reduce_result(r, ds, regions) for r in results]
    horizon = max(r.sizes["month"] for r in reduced)
    materials = sorted({str(m) for r in reduced for m in r.material.values}, key=list(MATERIAL_STAGES).index)
    names = [str(r.attrs.get("scenario", f"scenario{i}")) for i, r in enumerate(reduced)]
    draws_of = {n: sum(r.sizes["draw"] for r, k in zip(reduced, names, strict=True) if k == n) for n in set(names)}
    file_weight = {n: float((weights or {}).get(n, 1.0)) for n in draws_of}
    bad = [n for n, w in file_weight.items() if not np.isfinite(w) or w < 0]
    if bad or sum(file_weight.values()) <= 0:
        raise DataError(
            [
                Issue(
                    "scenario weights",
                    0,
                    "weight",
                    f"bad weights for {bad or names}",
                    "give finite weights of zero or more, not all zero",
                )
            ]
        )
    shorts, prices, labels, wts = [], [], [], []
    for r, name in zip(reduced, names, strict=True):
        month = np.arange(r.sizes["month"])
        short = (
            r["final_shortfall"]
            .sum("sector")
            .assign_coords(month=month)
            .reindex(month=np.arange(horizon), fill_value=0.0)
            .reindex(material=materials, fill_value=0.0)
        )
        price = (
            r["price_usd_per_kg"]
            .assign_coords(month=month)
            .reindex(month=np.arange(horizon))
            .ffill("month")
            .reindex(material=materials)
        )
        seed = r.attrs.get("seed", 0)
        label = [f"{name}/s{seed}/d{int(d)}" for d in r.draw.values]
        shorts.append(short.rename(draw="scenario").assign_coords(scenario=label))
        prices.append(price.rename(draw="scenario").assign_coords(scenario=label))
        labels += label
        wts += [file_weight[name] / draws_of[name]] * len(label)
    base = xr.concat(shorts, dim="scenario").transpose("scenario", "month", "region", "material")
    price = xr.concat(prices, dim="scenario").transpose("scenario", "month", "material")
    if price.isnull().any():
        fill = xr.DataArray(
            [latest_price(ds, m)[0] for m in materials], dims="material", coords={"material": materials}
        )
        price = price.fillna(fill)
    if len(set(labels)) != len(labels):
        raise DataError(
            [
                Issue(
                    "shock results",
                    0,
                    "scenario",
                    "the same draws appear twice",
                    "give each run of a scenario file its own seed",
                )
            ]
        )
    w = np.asarray(wts) / np.sum(wts)
    weight = xr.DataArray(w, dims="scenario", coords={"scenario": labels}, name="weight")
    return (
        base.rename("baseline_shortfall").assign_attrs(units="t"),
        price.rename("price_path").assign_attrs(units="USD/kg"),
        weight,
    )


def sector_shortfall(results: Sequence[xr.Dataset], ds: xr.Dataset, regions: Sequence[str] = REGIONS) -> xr.DataArray:
    """Shortfall summed over draws and months, (region, material, sector) t: loss weights."""
    parts = [reduce_result(r, ds, regions)["final_shortfall"].sum(["draw", "month"]) for r in results]
    total = parts[0]
    for part in parts[1:]:
        total = total.reindex_like(total.combine_first(part), fill_value=0.0) + part.reindex_like(
            total.combine_first(part), fill_value=0.0
        )
    return total.transpose("region", "material", "sector")


def monthly_use(ds: xr.Dataset, regions: Sequence[str] = REGIONS) -> xr.DataArray:
    """Final use (region, material) in t/month: the latest year's demand over 12."""
    return (demand_weights(ds, regions).sum("sector") / 12.0).assign_attrs(units="t/month")


def consumption_value(ds: xr.Dataset, allies: Sequence[str] = ALLIES) -> pd.Series:
    """Each ally's consumption of the materials valued at latest prices (USD/yr): burden basis.

    Tonnes of graphite and of germanium are not comparable, so the consumption rule of the
    IEA oil system is applied to the value of the allies' use of the materials.
    """
    use = demand_weights(ds).sum("sector")
    use = use.sel(material=[m for m in use.material.values if m in MATERIAL_STAGES])
    price = xr.DataArray(
        [latest_price(ds, str(m))[0] * KG_PER_T for m in use.material.values],
        dims="material",
        coords={"material": use.material.values},
    )
    value = (use * price).sum("material")
    return value.sel(region=list(allies)).to_series().astype(float)
