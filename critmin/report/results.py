"""Reading shock and response results for the briefing and the app: the extension points.

Shock results (``critmin.shock.run(dataset, scenario)``) are an :class:`xarray.Dataset` with
a ``month`` dim and optionally ``draw`` (Monte Carlo draws) and ``scenario`` (a sweep). Read
here, when present:

``shortfall``, ``inventory``, ``stockpile`` (t; summed over every dim but draw, month, scenario
and the one a chart splits by), ``price`` (USD/kg; averaged instead), ``downtime`` (share of
the month a country's sector stands idle, or a boolean; without ``month`` it is read as months
idle). Bands are the 5-95 % and 25-75 % ranges across draws; the line is the median.

Results without trajectories (``critmin.shock.run`` above 50 draws, or ``critmin shock --out``
files) carry the bands already computed across all draws (:mod:`critmin.shock.bands`):
``band_<variable>`` (quantile, month, material[, market]) at each material's last stage,
``stopped_share`` (month, country, sector) and per draw ``first_stop_offset`` and
``cumulative_final_gap`` (draw, material, country, sector). Every reader here takes either form.

Worst scenario: scenarios are ranked by the allies' loss in USD (final shortfall by material
and sector x the dataset's ``value_lost_production_<sector>`` per tonne) when the results and
the dataset allow it, else by tonnes of allied final shortfall, and the briefing says which.

Response results are those of :func:`critmin.optimise.optimise_from_scenarios` (``buy_t`` by
option "holder/material", ``choice`` project x instrument, ``fund`` by programme,
``expected_loss_usd``, ``cvar_usd``, the do-nothing loss and CVaR, ``months_of_cover``) and of
:func:`critmin.optimise.frontier_from_scenarios` (the same with a ``budget`` dim); every option
carries the source ids of its row in the packaged ``response_*.csv`` tables.

Anything missing leaves its part out with the reason in words; no number is ever invented.

Examples
--------
>>> import numpy as np, xarray as xr
>>> shock = xr.Dataset({"shortfall": (("draw", "month"), np.array([[0, 2.0], [0, 4.0]]))},
...                    coords={"month": ["2024-01", "2024-02"]})
>>> band = shock_band(shock, "shortfall")
>>> band.median, band.outer[0]
([0.0, 3.0], [0.0, 2.1])
"""

from __future__ import annotations

import dataclasses
import functools
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from critmin.report.sources import split_ids

EXTENSIVE = ("shortfall", "inventory", "stockpile")
INTENSIVE = ("price", "price_ratio")
FINAL = ("final_need", "final_use")
"""With both, the shortfall charted is final need minus final use (last-stage basis, by sector)."""
SHOCK_VARIABLES = (*EXTENSIVE, *INTENSIVE)
GAP = "cumulative_final_gap"
"""Per draw, final need not met summed over months (material, country, sector): results without trajectories."""
KEEP = ("draw", "month")


@dataclass(frozen=True)
class Band:
    """Median and 5-95 %, 25-75 % ranges across draws of one series over months."""

    variable: str
    units: str
    months: list[str]
    median: list[float]
    outer: tuple[list[float], list[float]] | None
    inner: tuple[list[float], list[float]] | None


def month_labels(shock: xr.Dataset) -> list[str]:
    """Months as 'YYYY-MM' text."""
    values = shock["month"].values
    if np.issubdtype(values.dtype, np.datetime64):
        return [str(v)[:7] for v in values.astype("datetime64[M]")]
    return [str(v) for v in values]


def banded_only(shock: xr.Dataset, variable: str) -> bool:
    """Whether `variable` is in `shock` only as bands across draws (no per-draw monthly values)."""
    trajectory = variable in shock or (variable == "shortfall" and all(v in shock for v in FINAL))
    return not trajectory and f"band_{variable}" in shock


def series(shock: xr.Dataset, variable: str) -> xr.DataArray:
    """The array a chart of `variable` splits: the trajectory, or its bands (``band_<variable>``)."""
    return shock[f"band_{variable}"] if banded_only(shock, variable) else shock[variable]


def draw_count(shock: xr.Dataset) -> int:
    """Number of draws of the results (1 without a draw dim)."""
    return int(shock.sizes.get("draw", 1))


def _stored_band(shock: xr.Dataset, variable: str, labels: Mapping[str, str]) -> Band:
    band = shock[f"band_{variable}"]
    chosen = {dim: value for dim, value in labels.items() if dim in band.dims}
    band = band.sel(chosen) if chosen else band
    left = [str(d) for d in band.dims if d not in ("quantile", "month")]
    if left:
        names = ", ".join(f"{d}={', '.join(str(v) for v in band[d].values)}" for d in left)
        raise ValueError(f"the bands of {variable} are kept per {', '.join(left)}: choose one of {names}")
    units = "price / baseline" if variable == "price_ratio" else str(band.attrs.get("units", ""))
    at = [_list(band.sel(quantile=q)) for q in (0.05, 0.25, 0.5, 0.75, 0.95)]
    if draw_count(shock) < 2:
        return Band(variable, units, month_labels(shock), at[2], None, None)
    return Band(variable, units, month_labels(shock), at[2], (at[0], at[4]), (at[1], at[3]))


def shock_band(shock: xr.Dataset, variable: str, **labels: str) -> Band:
    """One variable reduced to (draw, month) after selecting `labels` (e.g. material='gallium').

    From results without trajectories, the stored band of `variable` at `labels`.
    """
    if banded_only(shock, variable):
        return _stored_band(shock, variable, labels)
    array = final_shortfall(shock) if variable == "shortfall" and all(v in shock for v in FINAL) else shock[variable]
    if "stage" in array.dims and "stage" not in labels and "material" in labels:
        from critmin.vocabulary import stages_of

        last = [s for s in stages_of(str(labels["material"])) if s in array.stage.values]
        labels = {**labels, "stage": last[-1]} if last else labels
    chosen = {dim: value for dim, value in labels.items() if dim in array.dims}
    if chosen:
        array = array.sel(chosen)
    others = [d for d in array.dims if d not in KEEP]
    if variable in INTENSIVE:
        array = array.mean(others) if others else array
    else:
        array = array.sum(others, min_count=1) if others else array
    units = str(shock[variable].attrs.get("units", "t" if variable in EXTENSIVE else ""))
    units = "price / baseline" if variable == "price_ratio" else units
    if "draw" not in array.dims or array.sizes["draw"] < 2:
        line = array.squeeze(drop=True) if "draw" in array.dims else array
        return Band(variable, units, month_labels(shock), _list(line), None, None)
    q = array.quantile([0.05, 0.25, 0.5, 0.75, 0.95], dim="draw")
    at = [_list(q.isel(quantile=k)) for k in range(5)]
    return Band(variable, units, month_labels(shock), at[2], (at[0], at[4]), (at[1], at[3]))


def final_shortfall(shock: xr.DataArray | xr.Dataset) -> xr.DataArray:
    """Final need not met (need - use, floored at 0), on each material's last-stage basis."""
    gap = (shock["final_need"] - shock["final_use"]).clip(min=0.0)
    return gap.assign_attrs(units=shock["final_need"].attrs.get("units", "t/month"))


def _list(array: xr.DataArray) -> list[float]:
    return [float(v) for v in np.asarray(array.transpose("month").values, dtype=float)]


def shock_variables(shock: xr.Dataset) -> list[str]:
    """Variables of :data:`SHOCK_VARIABLES` present with a month dim (as trajectories or bands)."""
    return [v for v in SHOCK_VARIABLES if (v in shock and "month" in shock[v].dims) or f"band_{v}" in shock]


def split_labels(shock: xr.Dataset, dim: str = "material") -> list[str]:
    """Labels of `dim` in the shock results ([] when absent)."""
    return [str(v) for v in shock[dim].values] if dim in shock.dims else []


def stop_times(shock: xr.Dataset, per_tonne: xr.DataArray | str | None = None) -> pd.DataFrame:
    """Who stops when: first month each country's sector stands idle, in the median draw.

    Uses ``downtime`` (> 0 means idle) or, without it, ``shortfall`` > 0. Columns country,
    sector, first_month, months_idle, share_of_draws (draws in which it stops at all), loss_usd
    (median-draw loss: final shortfall x `per_tonne`, USD per tonne by material and sector; NaN
    without) and short_t (median cumulative tonnes per material, never added across materials).
    Ranked by :func:`critmin.report.stops.rank`: allies first, then loss, then first month.
    """

    name = next((n for n in ("downtime", "stopped", "shortfall") if n in shock), None)
    columns = ["country", "sector", "first_month", "months_idle", "share_of_draws", "loss_usd", "short_t"]
    if name is None and all(v in shock for v in ("stopped_share", "first_stop_offset")):
        return _with_losses(_stops_from_shares(shock), shock, per_tonne, columns)
    if name is None or "country" not in shock[name].dims:
        return pd.DataFrame(columns=columns)
    array = shock[name].astype(float)
    groups = [d for d in ("country", "sector") if d in array.dims]
    others = [d for d in array.dims if d not in (*groups, *KEEP)]
    if others:
        array = array.max(others) if name != "shortfall" else array.sum(others, min_count=1)
    idle = array > 1e-9
    rows: list[dict[str, Any]] = []
    months = month_labels(shock) if "month" in array.dims else []
    for key in _keys(array, groups):
        cell = idle.sel(key)
        value = array.sel(key)
        ever = cell.any("month") if "month" in cell.dims else cell
        share = float(ever.mean("draw")) if "draw" in ever.dims else float(ever)
        # a month counts as idle when any of the sector's output stops (a firm class, any material);
        # the median draw's idle months are the median of that 0/1 series, as the stored bands give
        med = value if name == "shortfall" else cell.astype(float)
        med = med.median("draw") if "draw" in med.dims else med
        if "month" in med.dims:
            stopped = np.flatnonzero(med.values > 1e-9)
            first = months[stopped[0]] if stopped.size else ""
            months_idle = float(med.sum()) if name != "shortfall" else float(stopped.size)
        else:
            first, months_idle = "", float(med)
        if share > 0:
            rows.append(
                {
                    **{d: key.get(d, "all") for d in ("country", "sector")},
                    "first_month": first,
                    "months_idle": months_idle,
                    "share_of_draws": share,
                }
            )
    return _with_losses(rows, shock, per_tonne, columns)


def _with_losses(
    rows: list[dict[str, Any]], shock: xr.Dataset, per_tonne: xr.DataArray | str | None, columns: list[str]
) -> pd.DataFrame:
    from critmin.report import stops as ranking

    losses = ranking.pair_losses(shock, per_tonne).set_index(["country", "sector"])
    for row in rows:
        pair = (row["country"], row["sector"])
        known = pair in losses.index
        row["loss_usd"] = float(losses.loc[pair, "loss_usd"]) if known else float("nan")
        row["short_t"] = losses.loc[pair, "short_t"] if known else {}
    return ranking.rank(pd.DataFrame(rows, columns=columns))


def _stops_from_shares(shock: xr.Dataset) -> list[dict[str, Any]]:
    """Stop rows from bands: the median draw's idle months follow from the share of draws idle.

    Idle is 0 or 1 per draw, so over n draws of which k are idle the median (numpy's, as for
    trajectories) is 1 when 2k > n, 0.5 when 2k = n and 0 otherwise.
    """
    n = draw_count(shock)
    idle = np.rint(shock.stopped_share.transpose("month", "country", "sector").values * n)
    median = np.where(2 * idle > n, 1.0, np.where(2 * idle == n, 0.5, 0.0))
    share = (shock.first_stop_offset >= 0).mean("draw").transpose("country", "sector").values
    months = month_labels(shock)
    rows = []
    for i, country in enumerate(shock.stopped_share.country.values):
        for j, sector in enumerate(shock.stopped_share.sector.values):
            if share[i, j] <= 0:
                continue
            stopped = np.flatnonzero(median[:, i, j] > 1e-9)
            rows.append(
                {
                    "country": str(country),
                    "sector": str(sector),
                    "first_month": months[stopped[0]] if stopped.size else "",
                    "months_idle": float(median[:, i, j].sum()),
                    "share_of_draws": float(share[i, j]),
                }
            )
    return rows


def _keys(array: xr.DataArray, groups: Sequence[str]) -> list[dict[str, str]]:
    if not groups:
        return [{}]
    index = pd.MultiIndex.from_product([array[d].values for d in groups], names=groups)
    return [dict(zip(groups, (str(v) for v in (k if isinstance(k, tuple) else (k,))), strict=True)) for k in index]


# --------------------------------------------------------------------------------------------
# Worst scenario: allied loss in USD when the results allow it, else tonnes
# --------------------------------------------------------------------------------------------

LOSS_PREFIX = "value_lost_production_"
"""Dataset parameters valuing a tonne of final shortfall by sector (USD/t, dim material)."""


@dataclass(frozen=True)
class ScenarioOutcome:
    """Headline of one scenario: allied loss (USD) or shortfall (t), median and 5-95 %, stops.

    ``basis`` is ``"USD"`` when the scenarios were ranked by allied loss in USD (cumulative
    final shortfall x the dataset's ``value_lost_production_<sector>`` per tonne), ``"tonnes"``
    when they were ranked by shortfall; ``basis_note`` says why tonnes were used.
    """

    name: str
    shortfall_median: float
    shortfall_range: tuple[float, float] | None
    stops: pd.DataFrame
    loss_median_usd: float | None = None
    loss_range_usd: tuple[float, float] | None = None
    basis: str = "tonnes"
    basis_note: str = ""
    ranked: int = 1
    shortfall_by_material: dict[str, float] = dataclasses.field(default_factory=dict)
    shortfall_material: str = ""


def value_per_tonne(ds: xr.Dataset | None) -> xr.DataArray | str:
    """USD lost per tonne of final shortfall, (material, sector), or why it is unknown.

    The dataset's ``value_lost_production_<sector>`` parameters, with the optimiser's own fill
    for a material-sector pair without one (:func:`critmin.optimise.inputs.sector_values`: the
    same price x value-added multiple method), so the ranking values a tonne as the optimiser does.
    """
    if ds is None:
        return "no dataset was given to value the shortfall"
    if "parameters" not in ds or not any(str(p).startswith(LOSS_PREFIX) for p in ds.parameter.values):
        return f"the dataset has no {LOSS_PREFIX}<sector> parameters"
    try:
        from critmin.optimise.inputs import sector_values

        with warnings.catch_warnings():  # a sector with no parameter at all: nanmedian of NaNs, filled after
            warnings.simplefilter("ignore", RuntimeWarning)
            return sector_values(ds)
    except Exception as error:  # a partial dataset: say why in words
        return f"the value of lost production cannot be computed ({type(error).__name__}: {error})"


def _allies_of(countries: list[str]) -> list[str]:
    from critmin.optimise.inputs import region_of
    from critmin.vocabulary import ALLIES

    return [c for c in countries if region_of(c) in ALLIES]


def _quantiles(total: xr.DataArray) -> tuple[float, tuple[float, float] | None]:
    if "draw" in total.dims and total.sizes["draw"] > 1:
        median, low, high = (float(total.quantile(q, dim="draw")) for q in (0.5, 0.05, 0.95))
        return median, (low, high)
    return float(total.squeeze()), None


def _final_gap(part: xr.Dataset) -> xr.DataArray | None:
    """Final need not met: by month from trajectories, else summed over months (``cumulative_final_gap``)."""
    if all(v in part for v in FINAL):
        return final_shortfall(part)
    return part.get(GAP, None)


def _allied_gap(part: xr.Dataset) -> xr.DataArray:
    final = _final_gap(part)
    gap = final if final is not None else part.shortfall
    if "country" in gap.dims:
        allied = _allies_of([str(c) for c in gap.country.values])
        gap = gap.sel(country=allied)
    return gap


def _allied_loss(part: xr.Dataset, value: xr.DataArray | str) -> xr.DataArray | str:
    """Allied loss (USD) per draw: final shortfall x USD per tonne, or why it is unknown."""
    if isinstance(value, str):
        return value
    if _final_gap(part) is None:
        return "the results carry no final need and use by material and sector"
    gap = _allied_gap(part)
    missing = [d for d in ("material", "sector", "country") if d not in gap.dims]
    if missing:
        return f"the final shortfall has no {', '.join(missing)} dim"
    per_t = value.reindex(material=gap.material.values, sector=gap.sector.values)
    if bool(per_t.isnull().any()):
        unknown = sorted({str(m) for m in per_t.material.values[per_t.isnull().any("sector").values]})
        shortfall = gap.sel(material=unknown).sum()
        if float(shortfall) > 0:
            return f"no value per tonne for {', '.join(unknown)}"
    return (gap * per_t.fillna(0.0)).sum([d for d in gap.dims if d != "draw"], min_count=1)


def worst_scenario(shock: xr.Dataset | Mapping[str, xr.Dataset], ds: xr.Dataset | None = None) -> ScenarioOutcome | str:
    """The scenario with the largest median allied loss in USD (else shortfall in t), or why not.

    Parameters
    ----------
    shock : xarray.Dataset or mapping of name to Dataset
        Shock results, several scenarios along a ``scenario`` dim or as a mapping.
    ds : xarray.Dataset, optional
        The dataset whose ``value_lost_production_<sector>`` parameters value a tonne short;
        without it (or without final need and use by material and sector) the ranking is by
        tonnes of allied final shortfall, and ``basis_note`` says why.
    """
    if not isinstance(shock, xr.Dataset):
        parts = {str(k): v for k, v in shock.items()}
    elif "scenario" in shock.dims:
        parts = {str(s): shock.sel(scenario=s) for s in shock.scenario.values}
    else:
        parts = {str(shock.attrs.get("scenario", "scenario run")): shock}
    if not parts:
        return "no shock results were given"
    if not all("shortfall" in p or all(v in p for v in FINAL) or GAP in p for p in parts.values()):
        return "the shock results carry no shortfall variable"
    value = value_per_tonne(ds)
    outcomes, reasons, per_material = [], [], {}
    for name, part in parts.items():
        gap = _allied_gap(part)
        # tonnes are added over months, stages, countries and sectors, never across materials
        materials = split_labels(gap.to_dataset(name="gap"))
        quantiles = {
            m: _quantiles(gap.sel(material=m).sum([d for d in gap.dims if d not in ("draw", "material")], min_count=1))
            for m in materials
        } or {"": _quantiles(gap.sum([d for d in gap.dims if d != "draw"], min_count=1))}
        per_material[name] = quantiles
        loss = _allied_loss(part, value)
        if isinstance(loss, str):
            reasons.append(loss)
            usd, usd_span = None, None
        else:
            usd, usd_span = _quantiles(loss)
        short = {m: q[0] for m, q in quantiles.items() if m and np.isfinite(q[0]) and q[0] > 0.5}
        median, span = next(iter(quantiles.values())) if len(quantiles) == 1 else (float("nan"), None)
        outcomes.append(
            ScenarioOutcome(name, median, span, stop_times(part, value), usd, usd_span, shortfall_by_material=short)
        )
    by_usd = not reasons and all(o.loss_median_usd is not None and np.isfinite(o.loss_median_usd) for o in outcomes)
    if by_usd:
        key = lambda o: o.loss_median_usd  # noqa: E731
        basis, note = "USD", ""
    else:
        # Without USD, one material's tonnes are the common basis: the material most short anywhere.
        most = max(
            {m for q in per_material.values() for m in q},
            key=lambda m: max((q[m][0] for q in per_material.values() if m in q and np.isfinite(q[m][0])), default=-1),
        )
        outcomes = [
            dataclasses.replace(
                o, shortfall_median=per_material[o.name][most][0], shortfall_range=per_material[o.name][most][1]
            )
            if most in per_material[o.name]
            else o
            for o in outcomes
        ]
        known = [o for o in outcomes if np.isfinite(o.shortfall_median)]
        if not known:
            return "every scenario's shortfall is unknown"
        outcomes = [dataclasses.replace(o, shortfall_material=most) for o in known]
        key = lambda o: o.shortfall_median  # noqa: E731
        basis = "tonnes"
        what = f" of {most}, the material most short" if most else ""
        note = (
            f"Ranked by tonnes{what} (tonnes of different materials are not added), not USD: "
            f"{reasons[0] if reasons else 'a scenario has no loss in USD'}"
        )
    worst = max(outcomes, key=key)
    return dataclasses.replace(worst, basis=basis, basis_note=note, ranked=len(outcomes))


# --------------------------------------------------------------------------------------------
# Response: the optimiser's portfolio and frontier
# --------------------------------------------------------------------------------------------

BOUGHT_T = 1e-6
"""Tonnes bought below this are the solver's rounding."""
CHOSEN = 0.5
"""A project x instrument or a programme counts as chosen above this (binaries at 0 or 1)."""
MIN_COVER_MONTHS = 0.05
KNEE = 0.01
"""Without a stated budget, the frontier's smallest budget within 1 % of its lowest loss."""


@dataclass(frozen=True)
class Purchase:
    """Tonnes a stockpile holder buys of a material, their cost and the option table's sources."""

    holder: str
    material: str
    tonnes: float
    cost_usd: float
    sources: list[str]


@dataclass(frozen=True)
class Backing:
    """A project backed through one instrument: budget outlay, net cost, sources."""

    project: str
    material: str
    instrument: str
    outlay_usd: float
    net_cost_usd: float
    sources: list[str]


@dataclass(frozen=True)
class Funding:
    """A research programme funded: cost and sources."""

    programme: str
    material: str
    cost_usd: float
    sources: list[str]


@dataclass(frozen=True)
class ResponseView:
    """Frontier, the portfolio at one budget, its losses against doing nothing, and gaps."""

    budgets: list[float]
    expected_loss: list[float]
    cvar: list[float]
    budget: float | None
    budget_note: str
    expected_loss_usd: float
    cvar_usd: float
    do_nothing_loss_usd: float
    do_nothing_cvar_usd: float
    outlay_usd: float
    cvar_alpha: float
    stockpiles: list[Purchase]
    projects: list[Backing]
    research: list[Funding]
    cover: list[tuple[str, str, float]]
    scenarios: list[str]
    draws: int
    notes: list[str]
    check: dict[str, float] = dataclasses.field(default_factory=dict)
    """Out-of-sample check (:func:`critmin.optimise.resimulate` scalars), empty when not run."""

    @property
    def loss_avoided_usd(self) -> float:
        """Expected loss avoided against doing nothing (NaN when unknown)."""
        return self.do_nothing_loss_usd - self.expected_loss_usd

    @property
    def cvar_avoided_usd(self) -> float:
        """CVaR avoided against doing nothing (NaN when unknown)."""
        return self.do_nothing_cvar_usd - self.cvar_usd

    @property
    def has_portfolio(self) -> bool:
        """Whether anything is bought, backed or funded."""
        return bool(self.stockpiles or self.projects or self.research)

    @property
    def has_losses(self) -> bool:
        """Whether the expected loss and the do-nothing loss are both known."""
        return bool(np.isfinite(self.expected_loss_usd) and np.isfinite(self.do_nothing_loss_usd))

    @property
    def sources(self) -> list[str]:
        """Source ids of every option in the portfolio, in order."""
        rows: list[Purchase | Backing | Funding] = [*self.stockpiles, *self.projects, *self.research]
        ids = [s for row in rows for s in row.sources]
        return list(dict.fromkeys(ids))


@functools.lru_cache(maxsize=4)
def _option_tables(folder: str) -> dict[str, pd.DataFrame]:
    from critmin.optimise.inputs import OPTION_FILES

    out = {}
    for key, name in OPTION_FILES.items():
        path = Path(folder) / name
        if path.exists():
            out[key] = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=str)
    return out


def option_sources(folder: str | Path | None = None) -> dict[tuple[str, ...], list[str]]:
    """Source ids of every response option in the ``response_*.csv`` tables.

    Keys: ``("stockpile", holder, material)``, ``("project", project_id)``,
    ``("instrument", project_id, instrument)`` and ``("research", programme)``. `folder` is the
    folder of the tables (default the packaged data, :func:`critmin.data.packaged_path`).

    Examples
    --------
    >>> ids = option_sources()
    >>> ids[("stockpile", "ALLIANCE", "ndpr")]
    ['est-response-stockpile']
    """
    if folder is None:
        from critmin.data import packaged_path

        folder = packaged_path()
    tables = _option_tables(str(folder))
    found: dict[tuple[str, ...], list[str]] = {}
    keys = {
        "stockpiles": ("stockpile", "holder", "material"),
        "projects": ("project", "project_id"),
        "instruments": ("instrument", "project_id", "instrument"),
        "research": ("research", "programme"),
    }
    for table, (kind, *columns) in keys.items():
        frame = tables.get(table)
        if frame is None or "source_id" not in frame or not set(columns) <= set(frame.columns):
            continue
        for row in frame.itertuples(index=False):
            key = (kind, *(str(getattr(row, c)) for c in columns))
            found[key] = list(dict.fromkeys([*found.get(key, []), *split_ids(str(row.source_id))]))
    return found


def _scalar(ds: xr.Dataset | None, name: str, budget: float | None = None) -> float:
    if ds is None or name not in ds:
        return float("nan")
    array = ds[name]
    if "budget" in array.dims:
        if budget is None or budget not in array.budget.values:
            return float("nan")
        array = array.sel(budget=budget)
    return float(array) if array.ndim == 0 else float("nan")


def _split_option(option: str) -> tuple[str, str]:
    holder, _, material = option.rpartition("/")
    return (holder or option, material)


def _purchases(part: xr.Dataset, ids: dict[tuple[str, ...], list[str]]) -> list[Purchase]:
    if "buy_t" not in part:
        return []
    rows = []
    for option in part.option.values:
        tonnes = float(part.buy_t.sel(option=option))
        if not np.isfinite(tonnes) or tonnes <= BOUGHT_T:
            continue
        holder, material = _split_option(str(option))
        if "stock_holder" in part:
            holder = str(part.stock_holder.sel(option=option).values)
            material = str(part.stock_material.sel(option=option).values)
        cost = float(part.stock_cost_usd.sel(option=option)) if "stock_cost_usd" in part else float("nan")
        rows.append(Purchase(holder, material, tonnes, cost, ids.get(("stockpile", holder, material), [])))
    return sorted(rows, key=lambda r: (-(r.cost_usd if np.isfinite(r.cost_usd) else 0.0), -r.tonnes))


def _backings(part: xr.Dataset, ids: dict[tuple[str, ...], list[str]]) -> list[Backing]:
    if "choice" not in part or "project" not in part.dims:
        return []
    rows = []
    for project in part.project.values:
        for instrument in part.instrument.values:
            chosen = float(part.choice.sel(project=project, instrument=instrument))
            if not np.isfinite(chosen) or chosen <= CHOSEN:
                continue
            cell = {"project": project, "instrument": instrument}
            outlay = float(part.instrument_outlay_usd.sel(cell)) if "instrument_outlay_usd" in part else float("nan")
            net = float(part.instrument_net_cost_usd.sel(cell)) if "instrument_net_cost_usd" in part else float("nan")
            material = str(part.project_material.sel(project=project).values) if "project_material" in part else ""
            sources = [
                *ids.get(("project", str(project)), []),
                *ids.get(("instrument", str(project), str(instrument)), []),
            ]
            rows.append(Backing(str(project), material, str(instrument), outlay, net, list(dict.fromkeys(sources))))
    return rows


def _fundings(part: xr.Dataset, ids: dict[tuple[str, ...], list[str]]) -> list[Funding]:
    if "fund" not in part or "programme" not in part.dims:
        return []
    rows = []
    for programme in part.programme.values:
        if float(part.fund.sel(programme=programme)) <= CHOSEN:
            continue
        cost = float(part.research_cost_usd.sel(programme=programme)) if "research_cost_usd" in part else float("nan")
        material = str(part.research_material.sel(programme=programme).values) if "research_material" in part else ""
        rows.append(Funding(str(programme), material, cost, ids.get(("research", str(programme)), [])))
    return rows


def _cover(result: xr.Dataset | None) -> list[tuple[str, str, float]]:
    if result is None or "months_of_cover" not in result:
        return []
    series = result.months_of_cover.transpose("region", "material").to_series()
    rows = [(str(r), str(m), float(v)) for (r, m), v in series.items() if np.isfinite(v) and v >= MIN_COVER_MONTHS]
    return sorted(rows, key=lambda row: -row[2])


def _parts(response: xr.Dataset | Mapping[str, Any]) -> tuple[xr.Dataset | None, xr.Dataset | None]:
    """(portfolio result, frontier) of a result, a frontier, or a mapping holding either or both."""
    if not isinstance(response, xr.Dataset):
        result = next((response[k] for k in ("portfolio", "result") if response.get(k) is not None), None)
        front = response.get("frontier")
        return result, front
    if "budget" in response.dims:
        return None, response
    return response, None


def _knee(budgets: list[float], losses: list[float]) -> float:
    finite = [v for v in losses if np.isfinite(v)]
    lowest = min(finite)
    return next(b for b, v in zip(budgets, losses, strict=True) if np.isfinite(v) and v <= lowest + KNEE * abs(lowest))


def response_view(
    response: xr.Dataset | Mapping[str, Any], sources: dict[tuple[str, ...], list[str]] | None = None
) -> ResponseView:
    """Frontier, portfolio and losses of an optimiser result, with notes for what is missing.

    Parameters
    ----------
    response : xarray.Dataset or mapping
        The result of :func:`critmin.optimise.optimise_from_scenarios` (one budget: ``buy_t``,
        ``choice``, ``fund``, ``expected_loss_usd``, ``cvar_usd``, ``do_nothing_*``,
        ``months_of_cover``), a frontier (:func:`critmin.optimise.frontier_from_scenarios`: a
        ``budget`` dim with ``expected_loss_usd`` and ``cvar_usd``), or a mapping with keys
        ``"portfolio"`` (or ``"result"``) and ``"frontier"``, and optionally ``"check"``: the
        out-of-sample check (:func:`critmin.optimise.resimulate`, or its scalars by name).
    sources : dict, optional
        Source ids of the options (:func:`option_sources`; default the packaged tables).

    Without a portfolio result the portfolio is the frontier's at ``attrs["recommended_budget"]``
    or, failing that, at the smallest budget within 1 % of the frontier's lowest expected loss.
    """
    ids = option_sources() if sources is None else sources
    result, front = _parts(response)
    notes: list[str] = []
    budgets: list[float] = []
    expected: list[float] = []
    cvar: list[float] = []
    if front is not None and "budget" in front.dims and "expected_loss_usd" in front:
        budgets = [float(b) for b in front.budget.values]
        expected = [float(v) for v in front.expected_loss_usd.values]
        cvar = [float(v) for v in front.cvar_usd.values] if "cvar_usd" in front else [float("nan")] * len(budgets)
    else:
        notes.append(
            "The response results carry no frontier (expected loss for several budgets); "
            "only the chosen budget is shown."
        )
    budget_note = ""
    budget: float | None = None
    if result is not None and "budget_usd" in result:
        budget = float(result.budget_usd)
        budget_note = "the budget optimised"
    elif front is not None and front.attrs.get("recommended_budget") is not None:
        budget = float(front.attrs["recommended_budget"])
        budget_note = "the recommended budget stated with the results"
    elif budgets and any(np.isfinite(expected)):
        budget = _knee(budgets, expected)
        budget_note = "the smallest budget studied within 1 % of the frontier's lowest expected loss"
    part = result
    if part is None and front is not None and budget is not None and budget in budgets:
        part = front.sel(budget=budget)
    if part is None or not any(v in part for v in ("buy_t", "choice", "fund")):
        notes.append("The response results carry no portfolio (buy_t, choice, fund); the portfolio is left out.")
        part = None
    at = {"budget": budget}
    source = result if result is not None else front
    alpha = float(source.attrs.get("cvar_alpha", 0.95)) if source is not None else 0.95
    do_nothing = _scalar(result, "do_nothing_loss_usd")
    do_nothing_cvar = _scalar(result, "do_nothing_cvar_usd")
    if not np.isfinite(do_nothing) and 0.0 in budgets:
        do_nothing, do_nothing_cvar = expected[budgets.index(0.0)], cvar[budgets.index(0.0)]
    files = json.loads(str(source.attrs.get("scenario_files", "[]"))) if source is not None else []
    draws = int(result.sizes.get("scenario", 0)) if result is not None else 0
    return ResponseView(
        budgets=budgets,
        expected_loss=expected,
        cvar=cvar,
        budget=budget,
        budget_note=budget_note,
        expected_loss_usd=_scalar(source, "expected_loss_usd", **at),
        cvar_usd=_scalar(source, "cvar_usd", **at),
        do_nothing_loss_usd=do_nothing,
        do_nothing_cvar_usd=do_nothing_cvar,
        outlay_usd=_scalar(source, "outlay_usd", **at),
        cvar_alpha=alpha,
        stockpiles=_purchases(part, ids) if part is not None else [],
        projects=_backings(part, ids) if part is not None else [],
        research=_fundings(part, ids) if part is not None else [],
        cover=_cover(result),
        scenarios=[str(f) for f in files],
        draws=draws,
        notes=notes,
        check=_check(response),
    )


def _check(response: xr.Dataset | Mapping[str, Any]) -> dict[str, float]:
    """Scalars of the out-of-sample check passed as ``response["check"]`` (Dataset or mapping)."""
    check = None if isinstance(response, xr.Dataset) else response.get("check")
    if check is None:
        return {}
    if isinstance(check, xr.Dataset):
        return {str(n): float(v) for n, v in check.data_vars.items() if v.ndim == 0}
    return {str(k): float(v) for k, v in check.items()}
