"""Which year a figure is for: one base year for every command, and concentration over time.

A fact such as "China's share of rare-earth mining" must be one number wherever critmin shows
it. Every table therefore reads a (material, stage) at the same year: the dataset's *base
year* (the latest year with measured or modelled bilateral trade, i.e. the latest complete
year) unless the user names another, and where a stage has no production value in that year,
the latest year before it that has one. The year actually used is a column of every table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from .. import vocabulary as vocab
from .summary import stage_control_table

MIN_ITEMISED = 3
"""Named producers (besides ROW) a year must list for its top-3 share and HHI to be computed."""

__all__ = ["base_year", "concentration_over_time", "data_years", "stage_control_as_of"]


def base_year(ds: xr.Dataset) -> int:
    """The latest year with any trade value (else with any production value).

    Examples
    --------
    >>> from critmin.data import load
    >>> base_year(load())
    2024
    """
    for name in ("trade", "production"):
        if name in ds:
            has = ds[name].notnull().any([d for d in ds[name].dims if d != "year"])
            if bool(has.any()):
                return int(ds["year"].where(has, drop=True).max())
    raise ValueError("base_year: the dataset has neither trade nor production values")


def data_years(production: xr.DataArray, year: int) -> xr.DataArray:
    """Per (material, stage), the latest year at or before `year` with any production value.

    NaN where a stage has no value at or before `year`.

    Examples
    --------
    >>> p = xr.DataArray([[[[1.0, None, None]]]], dims=("material", "stage", "country", "year"),
    ...                  coords={"material": ["m"], "stage": ["s"], "country": ["A"], "year": [2020, 2021, 2022]})
    >>> float(data_years(p, 2022).item()), float(data_years(p, 2019).fillna(-1).item())
    (2020.0, -1.0)
    """
    has = production.notnull().any("country") & (production["year"] <= year)
    return production["year"].where(has).max("year")


def stage_control_as_of(production: xr.DataArray, year: int, demand: xr.DataArray | None = None) -> pd.DataFrame:
    """:func:`stage_control_table` with each stage read at its latest year at or before `year`.

    The ``year`` column is the year each row's production is for.
    """
    chosen = data_years(production, year)
    frames = []
    for data_year in sorted({int(y) for y in chosen.values.ravel() if pd.notna(y)}):
        subset = production.where(chosen == data_year)
        frames.append(stage_control_table(subset, data_year, demand=demand))
    if not frames:
        return stage_control_table(production, year, demand=demand)
    table = pd.concat(frames, ignore_index=True)
    return _upstream_first(table)


def _upstream_first(table: pd.DataFrame) -> pd.DataFrame:
    """Rows in the vocabulary's order: materials as listed, stages upstream first, then by year."""
    rank = {m: n for n, m in enumerate(vocab.MATERIALS)}
    stage_rank = {s: n for n, s in enumerate(vocab.STAGES)}
    key = table["material"].map(rank).fillna(len(rank)) * 100 + table["stage"].map(stage_rank).fillna(99)
    ordered = table.assign(_key=key).sort_values(["_key", "year"], kind="stable")
    return ordered.drop(columns="_key").reset_index(drop=True)


def concentration_over_time(
    production: xr.DataArray, materials: Sequence[str] | None = None, stages: Sequence[str] | None = None
) -> pd.DataFrame:
    """Top-1 share, top-3 share and HHI per (material, stage) for every year with production data.

    Only years with a value for the stage are listed (no carrying forward). ``china_share`` is
    China's share of the world total in every year. A year whose source names fewer than
    ``MIN_ITEMISED`` countries besides ``ROW`` (USGS series that give only the world and China)
    is not itemised: its top-1, top-3 and HHI are NaN rather than computed on "China and the
    rest of the world" as if the rest were one producer.

    Examples
    --------
    >>> p = xr.DataArray([[[[60.0, 50.0], [40.0, 50.0]]]], dims=("material", "stage", "country", "year"),
    ...                  coords={"material": ["gallium"], "stage": ["refining"], "country": ["CHN", "JPN"],
    ...                          "year": [2023, 2024]})
    >>> p = xr.DataArray([[[[60.0, 50.0], [30.0, 50.0], [10.0, 0.0]]]], dims=("material", "stage", "country", "year"),
    ...                  coords={"material": ["gallium"], "stage": ["refining"], "country": ["CHN", "JPN", "KOR"],
    ...                          "year": [2023, 2024]})
    >>> t = concentration_over_time(p)
    >>> t[["year", "dominant", "dominant_share", "china_share", "itemised"]].values.tolist()
    [[2023, 'CHN', 0.6, 0.6, True], [2024, '', nan, 0.5, False]]
    >>> round(float(t.hhi[0]), 2)
    0.46
    """
    if materials:
        production = production.sel(material=[m for m in materials if m in production.material.values])
    if stages:
        production = production.sel(stage=[s for s in stages if s in production.stage.values])
    frames = []
    for year in production["year"].values:
        table = stage_control_table(production, int(year))
        if table.empty:
            continue
        cell = production.sel(year=year)
        named = (cell.fillna(0) > 0) & (cell["country"] != "ROW")
        table["n_named"] = [
            int(named.sel(material=m, stage=s).sum()) for m, s in zip(table.material, table.stage, strict=True)
        ]
        china = cell.sel(country="CHN") if "CHN" in cell["country"].values else xr.zeros_like(cell.isel(country=0))
        table["china_share"] = [
            float(china.sel(material=m, stage=s).fillna(0)) / t
            for m, s, t in zip(table.material, table.stage, table.total, strict=True)
        ]
        frames.append(table)
    if not frames:
        return stage_control_table(production, int(production["year"].values[0]))
    table = pd.concat(frames, ignore_index=True).drop(columns="n1_coverage")
    itemised = table["n_named"] >= MIN_ITEMISED
    table["itemised"] = itemised
    for column in ("dominant_share", "hhi", "top3_share"):
        table[column] = table[column].where(itemised)
    table["dominant"] = table["dominant"].where(itemised, "")
    return _upstream_first(table)


def import_origins_over_time(
    import_value: xr.DataArray,
    materials: Sequence[str] | None = None,
    stages: Sequence[str] | None = None,
    importers: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each importer's imports by value per year: total, largest origin and China's share.

    Reads the ``import_value`` variable (customs value of the HS code that measures the stage),
    so every year is measured, including years without quantities. ``ROW`` (origins summed for
    being small) is never named the largest origin.

    Examples
    --------
    >>> v = xr.DataArray([[[[[30.0, 20.0]], [[70.0, 60.0]], [[0.0, 20.0]]]]],
    ...                  dims=("material", "stage", "exporter", "importer", "year"),
    ...                  coords={"material": ["ndfeb"], "stage": ["magnet"], "exporter": ["CHN", "PHL", "ROW"],
    ...                          "importer": ["JPN"], "year": [2023, 2024]})
    >>> t = import_origins_over_time(v)
    >>> t[["year", "top_origin", "top_share", "china_share"]].values.tolist()
    [[2023, 'PHL', 0.7, 0.3], [2024, 'PHL', 0.6, 0.2]]
    """
    cols = ["material", "stage", "importer", "year", "total_usd", "top_origin", "top_share", "china_share"]
    sel = {
        dim: [v for v in values if v in import_value[dim].values]
        for dim, values in (("material", materials), ("stage", stages), ("importer", importers))
        if values
    }
    values = import_value.sel(sel).fillna(0.0)
    rows = []
    for m in values["material"].values:
        for s in values["stage"].values:
            for i in values["importer"].values:
                for y in values["year"].values:
                    cell = values.sel(material=m, stage=s, importer=i, year=y)
                    total = float(cell.sum())
                    if total <= 0:
                        continue
                    named = cell.drop_sel(exporter="ROW") if "ROW" in cell["exporter"].values else cell
                    top = str(named["exporter"].values[int(np.argmax(named.values))])
                    china = float(cell.sel(exporter="CHN")) if "CHN" in cell["exporter"].values else 0.0
                    rows.append([str(m), str(s), str(i), int(y), total, top, float(cell.sel(exporter=top)) / total,
                                 china / total])  # fmt: skip
    return pd.DataFrame(rows, columns=cols)
