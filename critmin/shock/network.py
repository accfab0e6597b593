"""The supply network the simulator runs on: items (material x stage) x countries, as arrays.

Built from the critmin dataset at one base year, made internally consistent so that with no event
the network is in a steady state:

* sourcing shares of buyer ``b`` for item ``i``: ``trade[i, k -> b]`` for ``k != b`` and
  domestic supply ``max(0, production[i, b] - exports[i, b])``, normalised; a buyer with no data
  sources in proportion to world production;
* final demand: ``demand`` (material, region, sector; t/year) at the material's last stage; where a
  country has no demand row, its apparent consumption (production + imports - exports) not used
  by its own downstream stages (``chain``) is final demand of sector ``"all"``;
* need and baseline production, downstream first:
  ``need[i, b] = final[i, b] + sum_o A[o, i] * P0[o, b]`` and ``P0[i, k] = sum_b need[i, b] *
  share[i, b, k]`` (``A`` = ``chain``, t input per t output);
* capacity: ``capacity`` where known, else ``production / capacity_utilisation``, and never
  below ``P0`` (the count of raised nodes is kept in ``notes``).

All flows are per month (the dataset's t/year divided by 12).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from critmin.shock.material_parameters import resolve_material_values
from critmin.shock.parameters import resolve_parameters
from critmin.shock.sector_levels import sector_levels
from critmin.vocabulary import COUNTRIES, MATERIAL_STAGES, stages_of


@dataclass(frozen=True, eq=False)
class Network:
    """Arrays of the baseline network (I items, C countries, S sectors, E sourcing edges).

    Attributes
    ----------
    items : tuple of (material, stage)
    countries, sectors : tuple of str
    year : int
        Base year of the data.
    level : ndarray (I,)
        0 for items without inputs, else 1 + the deepest input's level.
    chain : ndarray (I, I)
        ``chain[o, j]``: t of item j per t of item o.
    capacity, production, need : ndarray (I, C)
        Monthly capacity, baseline production and baseline need (t/month).
    final_demand : ndarray (I, C, S)
        Monthly baseline final demand by sector (t/month).
    cover_days : ndarray (I, C)
        Users' target inventory in days of need (the final-demand-weighted mean over sectors
        of ``inventory_cover``, else ``user_cover_days``).
    stockpile : ndarray (I, C)
        Strategic stocks by holder country (t).
    sector_cover_days : ndarray (I, C, S) or None
        The dataset's ``inventory_cover`` by sector (NaN where it has none); see
        :meth:`cover_by_sector`.
    price : ndarray (I, 2)
        Baseline price, USD/kg, markets ``(china_domestic, international)``; NaN unknown.
    edge_item, edge_supplier, edge_buyer : ndarray (E,)
        Sourcing edges, sorted by item; ``edge_share`` is the buyer's share from that supplier.
    parameters, provenance : dict
        Parameter values from the dataset (or defaults) and where each came from, with each
        sector's minimum operating level under :func:`critmin.shock.sector_levels.sector_level_key`.
    material_values : dict
        Per-material values of some parameters (``{name: {material: value}}``); their origin is
        in `provenance` under ``"name@material"``.
    """

    items: tuple[tuple[str, str], ...]
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    year: int
    level: np.ndarray
    chain: np.ndarray
    capacity: np.ndarray
    production: np.ndarray
    need: np.ndarray
    final_demand: np.ndarray
    cover_days: np.ndarray
    stockpile: np.ndarray
    price: np.ndarray
    edge_item: np.ndarray
    edge_supplier: np.ndarray
    edge_buyer: np.ndarray
    edge_share: np.ndarray
    parameters: Mapping[str, float] = field(default_factory=dict)
    provenance: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    material_values: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    sector_cover_days: np.ndarray | None = None

    def cover_by_sector(self) -> np.ndarray:
        """Users' target cover by sector (I, C, S) in days: the dataset's ``inventory_cover``
        of the sector, else the node's ``cover_days``."""
        node = np.broadcast_to(self.cover_days[..., None], (*self.shape, len(self.sectors)))
        if self.sector_cover_days is None:
            return node.copy()
        return np.where(np.isfinite(self.sector_cover_days), self.sector_cover_days, node)

    @property
    def final_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(item, country) of the nodes with final demand in some sector, in flat order.

        The engine carries sector detail only for these nodes (the rest have none).
        """
        item, country = np.nonzero(self.final_demand.sum(-1) > 0)
        return item, country

    @property
    def shape(self) -> tuple[int, int]:
        """(items, countries)."""
        return len(self.items), len(self.countries)

    def item_index(self, material: str, stage: str) -> int | None:
        """Position of an item, or None when the network does not carry it."""
        try:
            return self.items.index((material, stage))
        except ValueError:
            return None


def at_year(da: xr.DataArray, year: int) -> xr.DataArray:
    """Values at `year`: the latest year at or before it, else the earliest year after it.

    Examples
    --------
    >>> da = xr.DataArray([1.0, np.nan, 3.0], dims="year", coords={"year": [2020, 2021, 2022]})
    >>> float(at_year(da, 2021)), float(at_year(da, 2019)), float(at_year(da, 2030))
    (1.0, 1.0, 3.0)
    """
    if "year" not in da.dims:
        return da
    da = da.sortby("year")
    before = da.sel(year=slice(None, year))
    later = da.bfill("year").isel(year=0, drop=True)
    if before.sizes["year"] == 0:
        return later
    return before.ffill("year").isel(year=-1, drop=True).fillna(later)


def _grid(da: xr.DataArray | None, items: list[tuple[str, str]], dims: dict[str, list[str]]) -> np.ndarray:
    """Values of `da` on (item, *dims) as a float array; missing -> NaN.

    A variable without a ``stage`` dim (demand, inventory cover) is read at each material's last
    stage only.
    """
    out = np.full((len(items), *(len(v) for v in dims.values())), np.nan)
    if da is None:
        return out
    da = da.reindex(dims)
    for n, (material, stage) in enumerate(items):
        if material not in da["material"].values:
            continue
        if "stage" in da.dims:
            if stage in da["stage"].values:
                out[n] = da.sel(material=material, stage=stage).transpose(*dims).values
        elif stage == stages_of(material)[-1]:
            out[n] = da.sel(material=material).transpose(*dims).values
    return out


def _chain(ds: xr.Dataset, items: list[tuple[str, str]]) -> np.ndarray:
    chain = np.zeros((len(items), len(items)))
    if "chain" not in ds.data_vars:
        return chain
    da = ds["chain"]
    for o, (m, s) in enumerate(items):
        for j, (im, is_) in enumerate(items):
            key = {"material": m, "stage": s, "input_material": im, "input_stage": is_}
            if all(v in da[k].values for k, v in key.items()):
                value = float(da.sel(key))
                chain[o, j] = value if np.isfinite(value) else 0.0
    return chain


def _base_year(ds: xr.Dataset, year: int | None) -> int:
    years = ds["production"]["year"].values if "production" in ds else np.array([2024])
    if year is None:
        return int(years.max())
    at_or_before = years[years <= year]
    return int(at_or_before.max()) if at_or_before.size else int(years.min())


def _var(ds: xr.Dataset, name: str, year: int) -> xr.DataArray | None:
    return at_year(ds[name], year) if name in ds.data_vars else None


def _labels(ds: xr.Dataset, year: int) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    prod, trade, demand = (_var(ds, n, year) for n in ("production", "trade", "demand"))
    countries: set[str] = set()
    materials: set[str] = set()
    for da, dims in ((prod, ("country",)), (trade, ("exporter", "importer")), (demand, ("region",))):
        if da is None:
            continue
        present = da.fillna(0) > 0
        for dim in dims:
            countries |= set(da[dim].values[present.any([d for d in da.dims if d != dim]).values])
        materials |= set(da["material"].values[present.any([d for d in da.dims if d != "material"]).values])
    if "stockpile" in ds and "holder_country" in ds:
        countries |= {str(c) for c in np.atleast_1d(ds["holder_country"].values)}
    items = [(m, s) for m in MATERIAL_STAGES if m in materials for s in stages_of(m)]
    sectors = sorted({str(s) for s in demand["sector"].values} | {"all"}) if demand is not None else ["all"]
    return items, sorted(str(c) for c in countries if c in COUNTRIES), sectors


def _levels(chain: np.ndarray) -> np.ndarray:
    n = chain.shape[0]
    level = np.zeros(n, dtype=int)
    for _ in range(n + 1):
        new = np.array([1 + level[chain[o] > 0].max() if (chain[o] > 0).any() else 0 for o in range(n)])
        if (new == level).all():
            return level
        level = new
    raise ValueError("the chain has a cycle: an item is (indirectly) an input to itself")


def _sourcing(prod: np.ndarray, trade: np.ndarray) -> np.ndarray:
    """Shares ``share[i, b, k]`` of buyer b's supply of item i from supplier k."""
    exports = trade.sum(axis=2)
    raw = trade.transpose(0, 2, 1).copy()  # [i, buyer, supplier]
    idx = np.arange(prod.shape[1])
    raw[:, idx, idx] = np.maximum(0.0, prod - exports)
    total = raw.sum(axis=2, keepdims=True)
    world = prod / np.where(prod.sum(1, keepdims=True) > 0, prod.sum(1, keepdims=True), 1.0)
    return np.where(total > 0, raw / np.where(total > 0, total, 1.0), world[:, None, :])


def _baseline(
    chain: np.ndarray, level: np.ndarray, final: np.ndarray, share: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    need = np.zeros(final.shape[:2])
    prod = np.zeros_like(need)
    for lev in sorted(set(level.tolist()), reverse=True):
        idx = np.flatnonzero(level == lev)
        need[idx] = final[idx].sum(-1) + np.einsum("oi,oc->ic", chain[:, idx], prod)
        prod[idx] = np.einsum("ib,ibk->ik", need[idx], share[idx])
    return need, prod


def _final_demand(
    ds: xr.Dataset,
    year: int,
    items: list[tuple[str, str]],
    countries: list[str],
    sectors: list[str],
    chain: np.ndarray,
    prod: np.ndarray,
    trade: np.ndarray,
) -> np.ndarray:
    """Final demand (I, C, S) in t/month.

    ``demand`` is a sector's *use* of a material, which for an input material (natural graphite,
    Dy, NdPr) includes the feed to the downstream material's stage that ``chain`` already
    carries as input need. That feed (``chain`` x the dataset's production of the downstream
    item) is taken out of the demand row, by the sector mix of the downstream material's
    demand, so it is not counted twice.
    """
    demand = _var(ds, "demand", year)
    dem = (
        _grid(
            demand.rename(region="country") if demand is not None else None,
            items,
            {"country": countries, "sector": sectors},
        )
        / 12.0
    )  # t/year -> t/month
    has = np.asarray(np.isfinite(dem).any(-1))
    dem = np.nan_to_num(dem)
    material = np.array([m for m, _ in items])
    mix = np.zeros((len(items), len(sectors)))
    for o in range(len(items)):
        world = dem[material == material[o]].sum((0, 1))
        mix[o] = world / world.sum() if world.sum() > 0 else 0.0
    cross = chain * (material[:, None] != material[None, :])
    feed = np.einsum("oj,oc,os->jcs", cross, prod, mix)
    apparent = prod + trade.sum(1) - trade.sum(2)
    own_use = np.einsum("oi,oc->ic", chain, prod)
    final = np.where(has[..., None], np.maximum(0.0, dem - feed), 0.0)
    residual = np.maximum(0.0, apparent - own_use)
    final[..., sectors.index("all")] += np.where(has, 0.0, residual)
    return final


def _cover_days(
    ds: xr.Dataset,
    items: list[tuple[str, str]],
    countries: list[str],
    sectors: list[str],
    final: np.ndarray,
    default: float,
) -> np.ndarray:
    cover = ds["inventory_cover"].rename(region="country") if "inventory_cover" in ds else None
    days = _grid(cover, items, {"country": countries, "sector": sectors})
    weight = np.where(np.isfinite(days), final, 0.0)
    total = weight.sum(-1)
    mean = np.nansum(np.nan_to_num(days) * weight, -1) / np.where(total > 0, total, 1.0)
    return np.where(total > 0, mean, default)


def _stockpile(ds: xr.Dataset, year: int, items: list[tuple[str, str]], countries: list[str]) -> np.ndarray:
    out = np.zeros((len(items), len(countries)))
    if "stockpile" not in ds.data_vars or "holder_country" not in ds:
        return out
    stock = at_year(ds["stockpile"], year).fillna(0.0)
    holder_country = np.broadcast_to(ds["holder_country"].values, stock["holder"].shape)
    for h, country in enumerate(holder_country):
        if country not in countries:
            continue
        for material in stock["material"].values:
            index = (
                items.index((material, stages_of(material)[-1]))
                if material in MATERIAL_STAGES and (material, stages_of(material)[-1]) in items
                else None
            )
            if index is not None:
                out[index, countries.index(country)] += float(stock.isel(holder=h).sel(material=material))
    return out


def _edges(share: np.ndarray, need: np.ndarray) -> tuple[np.ndarray, ...]:
    active = (share > 0) & (need[:, :, None] > 0)
    item, buyer, supplier = np.nonzero(active)
    return item, supplier, buyer, share[item, buyer, supplier]


def build_network(dataset: xr.Dataset, year: int | None = None) -> Network:
    """Build the consistent baseline network from a critmin dataset.

    Parameters
    ----------
    dataset : xarray.Dataset
        Variables named as in :data:`critmin.model.schema.SCHEMA` (any may be missing but
        ``production``).
    year : int, optional
        Base year; default the latest year of ``production``. The latest value at or before
        it is used for every variable, else the earliest after it.

    Returns
    -------
    Network

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> net = build_network(synthetic_dataset(countries=3, materials=["rare_earths", "ndpr"]))
    >>> net.shape, net.items
    ((3, 3), (('rare_earths', 'mining'), ('ndpr', 'separation'), ('ndpr', 'metal')))
    """
    base = _base_year(dataset, year)
    items, countries, sectors = _labels(dataset, base)
    parameters, provenance = resolve_parameters(dataset)
    material_values, material_origin = resolve_material_values(dataset)
    levels, origin = sector_levels(
        dataset, sectors, parameters["min_operating_level"], provenance["min_operating_level"]
    )
    parameters.update(levels)
    provenance.update(origin)
    dims_c = {"country": countries}
    prod = np.nan_to_num(_grid(_var(dataset, "production", base), items, dims_c)) / 12
    trade_da = _var(dataset, "trade", base)
    trade = np.nan_to_num(_grid(trade_da, items, {"exporter": countries, "importer": countries}))
    trade /= 12
    chain = _chain(dataset, items)
    level = _levels(chain)
    final = _final_demand(dataset, base, items, countries, sectors, chain, prod, trade)
    share = _sourcing(prod, trade)
    need, production = _baseline(chain, level, final, share)
    cap_data = _grid(_var(dataset, "capacity", base), items, dims_c) / 12
    cap = np.where(np.isfinite(cap_data), cap_data, prod / parameters["capacity_utilisation"])
    raised = int(((production > cap) & (production > 0)).sum())
    price = _grid(_var(dataset, "price", base), items, {"market": ["china_domestic", "international"]})
    e_item, e_sup, e_buy, e_share = _edges(share, need)
    return Network(
        items=tuple(items),
        countries=tuple(countries),
        sectors=tuple(sectors),
        year=base,
        level=level,
        chain=chain,
        capacity=np.maximum(cap, production),
        production=production,
        need=need,
        final_demand=final,
        cover_days=_cover_days(dataset, items, countries, sectors, final, parameters["user_cover_days"]),
        sector_cover_days=_grid(
            dataset["inventory_cover"].rename(region="country") if "inventory_cover" in dataset else None,
            items,
            {"country": countries, "sector": sectors},
        ),
        stockpile=_stockpile(dataset, base, items, countries),
        price=price,
        edge_item=e_item,
        edge_supplier=e_sup,
        edge_buyer=e_buy,
        edge_share=e_share,
        parameters=parameters,
        provenance={**provenance, **material_origin},
        notes={"capacity_raised_to_baseline": str(raised)},
        material_values=material_values,
    )
