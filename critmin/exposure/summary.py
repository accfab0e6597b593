"""Tidy tables of exposure indicators for the command line and reports (pure; no I/O).

Inputs are the labelled dataset's variables: ``production`` (material, stage, country, year),
``trade`` (material, stage, exporter, importer, year) and ``chain`` (material, stage,
input_material, input_stage), all in t/year or t/t. A labelled dataset pads every variable to
the union of labels, so here a country without a production value at a (material, stage, year)
is read as *not a listed producer* there: shares are of the listed total. When a source lists
only its largest producers plus a ``ROW`` row, that total is the world's; when it lists only the
largest, shares and HHI are over the listed producers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import xarray as xr

from ..vocabulary import ALLIES
from .concentration import hhi, largest_supplier, top_k_share
from .dependence import (
    EXPORTER,
    IMPORTER,
    ORIGIN,
    Step,
    _labels,
    chain_path,
    direct_dependence,
    exposure_any_stage,
    sourcing_matrix,
    ultimate_dependence,
)

__all__ = ["DEPENDENCE_COLUMNS", "dependence_table", "largest_hidden", "stage_control_table"]

DEPENDENCE_COLUMNS = ("importer", "target", "material", "stage", "origin", "direct", "upstream", "ultimate", "hidden")
"""Columns of :func:`dependence_table` before its ``assumed`` flag."""


def _last_stage(has: xr.DataArray) -> xr.DataArray:
    """Mask, True at each material's most downstream stage with data (stages upstream first)."""
    later = has.isel(stage=slice(None, None, -1)).cumsum("stage").isel(stage=slice(None, None, -1))
    return has & (later == has.astype(int))


def _demand_by_stage(demand: xr.DataArray, has: xr.DataArray, year: int) -> xr.DataArray:
    """Demand on (material, stage): as given, or at each material's last stage if stage-less."""
    if "year" in demand.dims:
        demand = demand.sel(year=year)
    if "stage" in demand.dims:
        return demand.reindex_like(has)
    return demand.reindex(material=has["material"]).where(_last_stage(has))


def stage_control_table(
    production: xr.DataArray | xr.Dataset, year: int, demand: xr.DataArray | None = None
) -> pd.DataFrame:
    """Who controls each material and stage in `year`: one row per (material, stage) with data.

    Parameters
    ----------
    production : xarray.DataArray or xarray.Dataset
        Output (material, stage, country, year) in t/year, or a dataset holding it as
        ``production``. Countries without a value are not listed producers (module docstring).
    year : int
        Year to tabulate.
    demand : xarray.DataArray, optional
        World use in t/year on dims (material, stage) or (material,), optionally with year. A
        stage-less demand is on each material's last-stage basis (as in the schema) and is
        compared with the most downstream stage that has production data.

    Returns
    -------
    pandas.DataFrame
        Columns material, stage, year, n_countries, total, dominant, dominant_share, hhi
        (0-1), top3_share and n1_coverage (NaN where no demand applies).

    Examples
    --------
    >>> import xarray as xr
    >>> p = xr.DataArray([[[[60.0], [30.0], [10.0]]]],
    ...                  dims=("material", "stage", "country", "year"),
    ...                  coords={"material": ["gallium"], "stage": ["refining"],
    ...                          "country": ["CHN", "RUS", "JPN"], "year": [2024]})
    >>> use = xr.DataArray([80.0], dims="material", coords={"material": ["gallium"]})
    >>> row = stage_control_table(p, 2024, demand=use).iloc[0]
    >>> row.dominant, [round(float(row[c]), 3) for c in ("dominant_share", "hhi", "n1_coverage")]
    ('CHN', [0.6, 0.46, 0.5])
    """
    amounts = production["production"] if isinstance(production, xr.Dataset) else production
    listed = amounts.sel(year=year).reset_coords(drop=True).fillna(0.0)
    total = listed.sum("country")
    has = total > 0
    top = largest_supplier(listed)
    columns = {
        "n_countries": (listed > 0).sum("country"),
        "total": total,
        "dominant": top["supplier"],
        "dominant_share": top["share"],
        "hhi": hhi(listed),
        "top3_share": top_k_share(listed, 3),
    }
    if demand is not None:
        rest = total - listed.max("country")
        need = _demand_by_stage(demand, has, year)
        columns["n1_coverage"] = rest / need.where(need > 0)
    table = xr.Dataset(columns).where(has).to_dataframe().reset_index()
    table = table.loc[table["total"] > 0].assign(year=year)
    if "n1_coverage" not in table.columns:
        table["n1_coverage"] = float("nan")
    table["n_countries"] = table["n_countries"].astype(int)
    order = ["material", "stage", "year", "n_countries", "total", "dominant", "dominant_share"]
    return table[[*order, "hhi", "top3_share", "n1_coverage"]].reset_index(drop=True)


def _step_array(data: xr.Dataset, name: str, step: Step, year: int) -> xr.DataArray | None:
    """`data[name]` at one (material, stage) and year; None if the dataset lacks the variable."""
    if name not in data:
        return None
    selector = {"material": [step[0]], "stage": [step[1]], "year": [year]}
    array = data[name].reindex(selector)
    return array.isel(material=0, stage=0, year=0, drop=True).reset_coords(drop=True)


def _stage_matrices(data: xr.Dataset, path: Sequence[Step], year: int, importers: Sequence[str]) -> list[xr.DataArray]:
    """Build the sourcing matrices of every step of `path` over one shared set of countries."""
    countries = _labels(
        importers,
        data["production"]["country"].values,
        *(data["trade"][d].values for d in (EXPORTER, IMPORTER) if "trade" in data),
    )
    matrices = []
    for step in path:
        made = _step_array(data, "production", step, year)
        assert made is not None
        flows = _step_array(data, "trade", step, year)
        if flows is None:
            flows = xr.DataArray(
                [[float("nan")]],
                dims=(EXPORTER, IMPORTER),
                coords={EXPORTER: countries[:1], IMPORTER: countries[:1]},
            )
        matrices.append(sourcing_matrix(made, flows, countries=list(countries)))
    return matrices


def _step_rows(matrices: Sequence[xr.DataArray], importers: Sequence[str]) -> pd.DataFrame:
    """Direct, upstream-origin, any-stage and hidden shares for the last of `matrices`."""
    direct = direct_dependence(matrices[-1])
    measures = xr.Dataset(
        {
            "direct": direct,
            "upstream": ultimate_dependence(matrices),
            "ultimate": exposure_any_stage(matrices).reindex({ORIGIN: direct[ORIGIN]}),
        }
    )
    # ultimate >= direct in exact arithmetic; clip the round-off of the matrix products
    measures["hidden"] = (measures["ultimate"] - measures["direct"]).clip(min=0.0)
    measures["assumed"] = matrices[-1]["assumed"].reset_coords(drop=True)
    wanted = [a for a in importers if a in measures[IMPORTER].values]
    return measures.sel({IMPORTER: wanted}).to_dataframe().reset_index()


def dependence_table(
    data: xr.Dataset,
    year: int,
    targets: Sequence[Step],
    *,
    paths: Mapping[Step, Sequence[Step]] | None = None,
    importers: Sequence[str] = ALLIES,
) -> pd.DataFrame:
    """Direct, upstream-origin and any-stage dependence of importers on origins, step by step.

    Parameters
    ----------
    data : xarray.Dataset
        With ``production``, ``chain`` and (optionally) ``trade``; without trade every importer
        is assumed to source like the world market.
    year : int
        Year of production and trade used.
    targets : sequence of (material, stage)
        Final steps; each one's chain comes from :func:`chain_path` unless given in `paths`.
    paths : mapping of (material, stage) to a sequence of (material, stage), optional
        Explicit chains, upstream first, ending at the target (e.g. through dysprosium).
    importers : sequence of str, default the alliance (:data:`critmin.vocabulary.ALLIES`)
        Importers reported; one absent from the data sources like the world market (assumed).

    Returns
    -------
    pandas.DataFrame
        One row per target × step of its chain × importer × origin, with columns importer,
        target ("material/stage"), material, stage, origin, direct (last shipper share),
        upstream (upstream-most origin share), ultimate (any-stage exposure), hidden
        (ultimate - direct) and assumed (the importer's sourcing at that step is assumed).
        Rows where direct, upstream and ultimate are all 0 are left out.

    Examples
    --------
    Without trade data every importer is assumed to buy like the world market:

    >>> import xarray as xr
    >>> made = xr.DataArray([[[[90.0], [10.0]]]], dims=("material", "stage", "country", "year"),
    ...                     coords={"material": ["ndpr"], "stage": ["separation"],
    ...                             "country": ["CHN", "MYS"], "year": [2024]})
    >>> oxide = ("ndpr", "separation")
    >>> table = dependence_table(xr.Dataset({"production": made}), 2024, [oxide],
    ...                          paths={oxide: [oxide]}, importers=["JPN"])
    >>> table[["importer", "origin", "direct", "ultimate", "assumed"]].to_dict("records")[0]
    {'importer': 'JPN', 'origin': 'CHN', 'direct': 0.9, 'ultimate': 0.9, 'assumed': True}
    """
    chosen = dict(paths or {})
    frames = []
    for target in targets:
        if target in chosen:
            path = list(chosen[target])
        elif "chain" in data:
            path = chain_path(data["chain"], *target)
        else:  # a dataset without chain links: the target's own step only (direct = ultimate)
            path = [target]
        if tuple(path[-1]) != tuple(target):
            raise ValueError(f"dependence_table: the path for {target} ends at {path[-1]}, not at the target")
        matrices = _stage_matrices(data, path, year, importers)
        for depth, (material, stage) in enumerate(path, start=1):
            rows = _step_rows(matrices[:depth], importers)
            frames.append(rows.assign(target=f"{target[0]}/{target[1]}", material=material, stage=stage))
    columns = list(DEPENDENCE_COLUMNS)
    if not frames:
        return pd.DataFrame(columns=[*columns, "assumed"])
    table = pd.concat(frames, ignore_index=True)
    nonzero = (table[["direct", "upstream", "ultimate"]] != 0).any(axis=1)
    return table.loc[nonzero, [*columns, "assumed"]].reset_index(drop=True)


def largest_hidden(table: pd.DataFrame, n: int = 1) -> pd.DataFrame:
    """Rows of largest hidden exposure for each importer of a :func:`dependence_table`.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`dependence_table`.
    n : int, default 1
        Rows kept per importer; rows with unknown hidden exposure, rows of an upstream step
        (when the table has ``target``, ``material`` and ``stage``) and an importer's
        dependence on itself are never chosen.

    Returns
    -------
    pandas.DataFrame
        Same columns, importers in order of first appearance, largest hidden first.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"importer": ["JPN", "JPN", "USA"], "origin": ["CHN", "MYS", "CHN"],
    ...                   "hidden": [0.92, 0.0, float("nan")]})
    >>> largest_hidden(t).to_dict("records")
    [{'importer': 'JPN', 'origin': 'CHN', 'hidden': 0.92}]
    """
    if n < 1:
        raise ValueError(f"largest_hidden: n must be at least 1, not {n}")
    from critmin.vocabulary import is_own_supply

    known = table.loc[table["hidden"].notna()]
    if {"target", "material", "stage"} <= set(known.columns):  # the target's own step, not an upstream row
        known = known.loc[(known["material"] + "/" + known["stage"]) == known["target"]]
    own = [is_own_supply(str(i), str(o)) for i, o in zip(known["importer"], known["origin"], strict=True)]
    known = known.loc[[not x for x in own]] if own else known
    ranked = known.sort_values("hidden", ascending=False, kind="stable")
    top = ranked.groupby("importer", sort=False).head(n)
    order = {a: i for i, a in enumerate(pd.unique(table["importer"]))}
    return top.sort_values("importer", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
