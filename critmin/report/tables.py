"""Tidy tables for people: who makes what at each stage, each row with its source."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from critmin import vocabulary as vocab
from critmin.exposure.concentration import stage_shares
from critmin.exposure.summary import dependence_table
from critmin.exposure.years import (
    base_year,
    concentration_over_time,
    data_years,
    import_origins_over_time,
    stage_control_as_of,
)


def stage_share_table(ds: xr.Dataset, year: int | None = None) -> pd.DataFrame:
    """World shares of production per material × stage × country, with each value's source.

    Each material and stage is read at its latest year with data at or before `year` (default:
    the dataset's base year, so that every command shows the same share for the same fact).
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
    years = data_years(production, base_year(ds) if year is None else year)
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
            frame["source_id"] = ds.production_source.sel(
                material=material, stage=stage, year=int(chosen), country=frame.country.to_numpy()
            ).to_numpy()
            frame["year"] = int(chosen)
            frame["material"], frame["stage"] = str(material), str(stage)
            frames.append(frame.sort_values(["share", "country"], ascending=[False, True], kind="stable"))
    table = pd.concat(frames, ignore_index=True)
    table = _with_reserves(ds, table)
    table["basis"] = [vocab.MATERIAL_STAGES[m][s] for m, s in zip(table.material, table.stage, strict=True)]
    table["country_name"] = table.country.map(vocab.country_name)
    table["grade"] = ds.source_grade.sel(source=table.source_id.to_numpy()).to_numpy()
    columns = [
        "material",
        "stage",
        "basis",
        "year",
        "country",
        "country_name",
        "production_t",
        "share",
        "source_id",
        "grade",
        "reserves_t",
        "reserves_share",
        "reserves_year",
    ]
    return table[columns]


def _with_reserves(ds: xr.Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """Reserves (latest year) beside each mining row: tonnes and share of the listed reserves."""
    table = table.assign(reserves_t=np.nan, reserves_share=np.nan, reserves_year=pd.NA)
    if "reserves" not in ds:
        return table
    for material in table.loc[table.stage == "mining", "material"].unique():
        if material not in ds.reserves.material.values:
            continue
        cell = ds.reserves.sel(material=material)
        years = cell.year.where(cell.notnull().any("country"), drop=True)
        if years.size == 0:
            continue
        latest = cell.sel(year=int(years.max())).dropna("country")
        rows = (table.material == material) & (table.stage == "mining")
        by_country = latest.to_series()
        table.loc[rows, "reserves_t"] = table.loc[rows, "country"].map(by_country)
        table.loc[rows, "reserves_share"] = table.loc[rows, "reserves_t"] / float(latest.sum())
        table.loc[rows, "reserves_year"] = int(years.max())
    return table


def format_stage_shares(table: pd.DataFrame, top: int = 3) -> str:
    """The stage-share table as text: per material and stage, the `top` producers with sources."""
    lines = []
    for (material, stage), rows in table.groupby(["material", "stage"], sort=False):
        first = rows.iloc[0]
        total = rows.production_t.sum()
        lines.append(f"{material} / {stage} ({first.basis}, {first.year}; world {total:,.0f} t)")
        for row in rows.head(top).itertuples():
            reserves = (
                f"  reserves {row.reserves_t:>13,.0f} t ({row.reserves_share:.0%} of listed, {row.reserves_year})"
                if pd.notna(row.reserves_t)
                else ""
            )
            lines.append(
                f"    {row.country:<5} {row.share:6.1%}  {row.production_t:>12,.0f} t  [{row.grade}] {row.source_id}"
                + reserves
            )
        if len(rows) > top:
            lines.append(f"    ... {len(rows) - top} more")
    return "\n".join(lines)


def _cited(ds: xr.Dataset, variable: str, **labels: object) -> set[str]:
    selection = ds[f"{variable}_source"].sel({k: v for k, v in labels.items() if v in ds[k].values})
    return {str(s) for s in np.unique(selection.values) if s}


def control_with_sources(ds: xr.Dataset, year: int) -> pd.DataFrame:
    """Per material × stage: dominant country, share, HHI, top-3, N-1 coverage, and its source."""
    demand = ds.demand.sum(["region", "sector"], min_count=1) if "demand" in ds else None
    table = stage_control_as_of(ds.production, year, demand=demand)
    sources = []
    for row in table.itertuples():
        cell = ds.production_source.sel(material=row.material, stage=row.stage, year=row.year)
        sources.append(";".join(sorted({str(s) for s in cell.values if s})))
    return table.assign(sources=sources)


ULTIMATE_LEGEND = ("direct (last shipper)", "ultimate (any stage; origins overlap)")
"""Legend of every direct-vs-ultimate chart."""
NOT_EXCLUSIVE = (
    "Ultimate shares are not exclusive: a tonne mined in one country and refined in another counts "
    "for both, so one ally's ultimate shares over its origins can add to more than 100%"
)
"""Why an ally's ultimate shares per origin can sum past 100%: said beside every such number."""


def dependence_with_sources(
    ds: xr.Dataset, year: int, targets: list[tuple[str, str]], importers: list[str]
) -> pd.DataFrame:
    """Direct, ultimate and hidden dependence per importer, each row with the sources it rests on."""
    table = dependence_table(ds, year, targets, importers=importers)
    # Rows repeat the same trade cell for every origin and the same production cell for every
    # importer: each cell is read once (a selection per row made the packaged exposure take minutes).
    trade = functools.cache(lambda m, s, i: _cited(ds, "trade", material=m, stage=s, importer=i, year=year))
    made = functools.cache(lambda m, s, c: _cited(ds, "production", material=m, stage=s, country=c, year=year))
    sources = [
        ";".join(sorted(trade(r.material, r.stage, r.importer) | made(r.material, r.stage, r.origin)))
        for r in table.itertuples()
    ]
    return table.assign(sources=sources)


def last_stages(ds: xr.Dataset, materials: list[str] | None = None) -> list[tuple[str, str]]:
    """(material, stage) of each material's most downstream stage with production data."""
    targets = []
    for material in materials or [str(m) for m in ds.material.values if m in vocab.MATERIAL_STAGES]:
        stages = [
            s
            for s in vocab.stages_of(material)
            if s in ds.production.stage.values and bool(ds.production.sel(material=material, stage=s).notnull().any())
        ]
        if stages:
            targets.append((material, stages[-1]))
    return targets


def format_exposure(control: pd.DataFrame, dependence: pd.DataFrame, year: int, top: int = 3) -> str:
    """Exposure as text: stage control per material, then each importer's largest dependences."""
    lines = [
        f"Stage control as of {year} (share of the world's output at each stage; the year column is the year of"
        " the production data, the latest at or before it)"
    ]
    for row in control.itertuples():
        n1 = f"{row.n1_coverage:6.0%}" if pd.notna(row.n1_coverage) else "     -"
        lines.append(
            f"  {row.material:<17}{row.stage:<11}{row.year:<5} {row.dominant:<5}{row.dominant_share:6.1%}"
            f"  HHI {row.hhi:5.3f}"
            f"  top-3 {row.top3_share:6.1%}  N-1 {n1}  [{row.sources}]"
        )
    lines.append(f"\nDependence by origin, {year}: direct (last shipper) vs ultimate (through any upstream stage)")
    lines.append(f"  {NOT_EXCLUSIVE}.")
    for (importer, target), rows in dependence.groupby(["importer", "target"], sort=False):
        final = rows[(rows.material + "/" + rows.stage) == target].sort_values("ultimate", ascending=False).head(top)
        for row in final.itertuples():
            flag = " (sourcing assumed)" if row.assumed else ""
            lines.append(
                f"  {importer:<5}{target:<22}{row.origin:<5} direct {row.direct:6.1%}  ultimate {row.ultimate:6.1%}"
                f"  hidden {row.hidden:+6.1%}{flag}  [{row.sources}]"
            )
    return "\n".join(lines)


def stop_table(result: xr.Dataset, countries: list[str] | None = None, ds: xr.Dataset | None = None) -> pd.DataFrame:
    """Who stops producing when: per country × sector, the share of draws in which it stops,
    the median first month it stops (over those draws), the median-draw loss in USD (final
    shortfall valued with `ds`'s value of lost production per tonne; NaN without `ds`) and the
    median cumulative final shortfall per material (``short_t``; tonnes are never added across
    materials).

    Only country × sector pairs with any need are listed; `countries` defaults to the allies.
    Ranked by :func:`critmin.report.stops.rank`: allies first, then loss, then first month.
    """
    from critmin.report.results import value_per_tonne
    from critmin.report.stops import pair_losses, rank

    wanted = [c for c in (countries or list(vocab.ALLIES)) if c in result.country.values]
    summary = result[["first_stop_offset", "cumulative_final_shortfall"]].sel(country=wanted)
    stops = summary.first_stop_offset >= 0
    offsets = summary.first_stop_offset.where(stops)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a pair that never stops has no median: NaN is the answer
        median_offset = offsets.median("draw")
    frame = (
        xr.Dataset(
            {
                "stop_share": stops.mean("draw"),
                "median_offset": median_offset,
                "mean_final_shortfall": summary.cumulative_final_shortfall.mean("draw"),
            }
        )
        .to_dataframe()
        .reset_index()
    )
    months = pd.DatetimeIndex(result.month.values) if "month" in result.dims else None
    start = pd.Timestamp(result.attrs.get("start", months[0] if months is not None else "2025-01"))
    frame["median_first_stop"] = [
        (start + pd.DateOffset(months=int(o))).strftime("%Y-%m") if pd.notna(o) else "" for o in frame.median_offset
    ]
    per_pair = pair_losses(result.sel(country=wanted), value_per_tonne(ds) if ds is not None else None)
    frame = frame.merge(per_pair, on=["country", "sector"], how="left")
    frame["short_t"] = [v if isinstance(v, dict) else {} for v in frame.short_t]
    keep = (frame.stop_share > 0) | (frame.mean_final_shortfall > 0.5)
    columns = ["country", "sector", "stop_share", "median_first_stop", "loss_usd", "short_t"]
    return rank(frame.loc[keep, columns], month="median_first_stop")


def format_over_time(table: pd.DataFrame) -> str:
    """Concentration per year as text: per material and stage, top producer, top-3 share and HHI."""
    lines = [
        "Concentration over time (shares of world output; HHI on 0-1). '-': the source gives only the world and",
        "China that year, so top-1, top-3 and HHI are not computed.",
    ]
    for (material, stage), rows in table.groupby(["material", "stage"], sort=False):
        lines.append(f"  {material} / {stage} ({vocab.MATERIAL_STAGES[material][stage]})")
        for row in rows.itertuples():
            top = f"{row.dominant:<4}{row.dominant_share:6.1%}" if row.itemised else f"{'-':<4}{'-':>6}"
            top3 = f"{row.top3_share:6.1%}" if row.itemised else f"{'-':>6}"
            hhi = f"{row.hhi:5.3f}" if row.itemised else f"{'-':>5}"
            lines.append(
                f"    {row.year}  China {row.china_share:6.1%}  top {top}  top-3 {top3}  HHI {hhi}"
                f"  countries named {row.n_named:>2}  [{row.sources}]"
            )
    return "\n".join(lines)


def over_time_with_sources(ds: xr.Dataset, materials: list[str] | None, stage: str | None) -> pd.DataFrame:
    """:func:`~critmin.exposure.years.concentration_over_time` with each row's source ids."""
    table = concentration_over_time(ds.production, materials, [stage] if stage else None)
    cells = _row_texts(ds.production_source, table, ("material", "stage", "year"))
    return table.assign(sources=[";".join(sorted(set(texts))) for texts in cells])


def _row_texts(texts: xr.DataArray, table: pd.DataFrame, keys: Sequence[str]) -> list[list[str]]:
    """For each row of `table`, the non-empty strings of `texts` at that row's `keys` (sources, notes).

    >>> notes = xr.DataArray([["a", ""], ["", "b"]], dims=("year", "country"), coords={"year": [1, 2]})
    >>> _row_texts(notes, pd.DataFrame({"year": [2, 1]}), ["year"])
    [['b'], ['a']]
    """
    return [
        [str(v) for v in texts.sel({key: getattr(row, key) for key in keys}).values.ravel() if isinstance(v, str) and v]
        for row in table.itertuples()
    ]


def imports_over_time(
    ds: xr.Dataset, materials: list[str] | None, stage: str | None, importers: list[str] | None
) -> pd.DataFrame:
    """:func:`~critmin.exposure.years.import_origins_over_time` on the dataset's ``import_value``, with the
    note that says which code measures the stage; empty when the dataset has no such variable."""
    if "import_value" not in ds:
        return pd.DataFrame()
    table = import_origins_over_time(ds.import_value, materials, [stage] if stage else None, importers)
    coverage, complete = [], []
    for texts in _row_texts(ds.import_value_note, table, ("material", "stage", "importer", "year")):
        text = texts[0] if texts else ""
        code, covers = (text.split("; ") + ["", ""])[:2]
        coverage.append(f"HS {code.split(' ')[3] if code.count(' ') >= 3 else '?'}, {covers.replace('the code ', '')}")
        complete.append("complete file" in text)
    return table.assign(code_coverage=coverage, complete_year=complete, source="cepii-baci-hs17-v202601")


def format_imports_over_time(table: pd.DataFrame) -> str:
    """Imports by origin per year as text: total value, the largest origin and China's share."""
    lines = [
        "Imports by origin over time (shares of customs value, CEPII BACI; the code measuring each stage is",
        "named, and years marked * keep top partners only, so their total is a lower bound).",
    ]
    for (material, stage, importer), rows in table.groupby(["material", "stage", "importer"], sort=False):
        lines.append(f"  {importer} imports of {material} / {stage}: {rows.code_coverage.iloc[0]}")
        for row in rows.itertuples():
            mark = " " if row.complete_year else "*"
            lines.append(
                f"    {row.year}{mark} USD {row.total_usd / 1e6:9,.1f} m  China {row.china_share:6.1%}"
                f"  largest {row.top_origin:<4}{row.top_share:6.1%}  [{row.source}]"
            )
    return "\n".join(lines)
