"""Tidy tables for people: who makes what at each stage, each row with its source."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from critmin import vocabulary as vocab
from critmin.exposure.concentration import stage_shares


def latest_year(production: xr.DataArray) -> xr.DataArray:
    """Per material and stage, the latest year with any value (NaN where none)."""
    has_value = production.notnull().any("country")
    return production.year.where(has_value).max("year")


def stage_share_table(ds: xr.Dataset, year: int | None = None) -> pd.DataFrame:
    """World shares of production per material × stage × country, with each value's source.

    Uses the latest year with data for each material and stage unless `year` is given.
    Columns: material, stage, basis, year, country, country_name, production_t, share,
    source_id, grade. Rows run upstream first, largest producer first.

    Examples
    --------
    >>> from critmin.data import load
    >>> table = stage_share_table(load("tests/data/mini"))
    >>> table.loc[table.material == "rare_earths", ["country", "share"]].round(3).values.tolist()
    [['CHN', 0.711], ['ROW', 0.17], ['USA', 0.12]]
    """
    production = ds.production
    years = latest_year(production) if year is None else xr.full_like(latest_year(production), year)
    frames = []
    for material in production.material.values:
        for stage in production.stage.values:
            chosen = years.sel(material=material, stage=stage).item()
            if pd.isna(chosen) or stage not in vocab.MATERIAL_STAGES.get(str(material), {}):
                continue
            cell = production.sel(material=material, stage=stage, year=int(chosen))
            shares = stage_shares(cell.where(cell.notnull(), drop=True), dim="country")
            frame = shares.to_dataframe(name="share").reset_index()
            frame["production_t"] = cell.sel(country=frame.country.to_numpy()).to_numpy()
            frame["source_id"] = ds.production_source.sel(material=material, stage=stage, year=int(chosen), country=frame.country.to_numpy()).to_numpy()
            frame["year"] = int(chosen)
            frame["material"], frame["stage"] = str(material), str(stage)
            frames.append(frame.sort_values("share", ascending=False))
    table = pd.concat(frames, ignore_index=True)
    table["basis"] = [vocab.MATERIAL_STAGES[m][s] for m, s in zip(table.material, table.stage, strict=True)]
    table["country_name"] = table.country.map(vocab.country_name)
    table["grade"] = ds.source_grade.sel(source=table.source_id.to_numpy()).to_numpy()
    columns = ["material", "stage", "basis", "year", "country", "country_name", "production_t", "share", "source_id", "grade"]
    return table[columns]


def format_stage_shares(table: pd.DataFrame, top: int = 3) -> str:
    """The stage-share table as text: per material and stage, the `top` producers with sources."""
    lines = []
    for (material, stage), rows in table.groupby(["material", "stage"], sort=False):
        first = rows.iloc[0]
        total = rows.production_t.sum()
        lines.append(f"{material} / {stage} ({first.basis}, {first.year}; world {total:,.0f} t)")
        for row in rows.head(top).itertuples():
            lines.append(f"    {row.country:<5} {row.share:6.1%}  {row.production_t:>12,.0f} t  [{row.grade}] {row.source_id}")
        if len(rows) > top:
            lines.append(f"    ... {len(rows) - top} more")
    return "\n".join(lines)
