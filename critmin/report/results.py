"""Reading shock and response results for the briefing and the app: the extension points.

Shock results (``critmin.shock.run(dataset, scenario)``) are an :class:`xarray.Dataset` with
a ``month`` dim and optionally ``draw`` (Monte Carlo draws) and ``scenario`` (a sweep). Read
here, when present:

``shortfall``, ``inventory``, ``stockpile`` (t; summed over every dim but draw, month, scenario
and the one a chart splits by), ``price`` (USD/kg; averaged instead), ``downtime`` (share of
the month a country's sector stands idle, or a boolean; without ``month`` it is read as months
idle). Bands are the 5-95 % and 25-75 % ranges across draws; the line is the median.

Response results (``critmin.optimise``) are an :class:`xarray.Dataset` with a ``budget`` dim
(USD) and ``shortfall`` (expected shortfall left, t) for the frontier, ``portfolio`` (USD spent
per ``option``, with or without ``budget``) and ``attrs["recommended_budget"]``.

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

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

EXTENSIVE = ("shortfall", "inventory", "stockpile")
INTENSIVE = ("price", "price_ratio")
FINAL = ("final_need", "final_use")
"""With both, the shortfall charted is final need minus final use (last-stage basis, by sector)."""
SHOCK_VARIABLES = (*EXTENSIVE, *INTENSIVE)
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


def shock_band(shock: xr.Dataset, variable: str, **labels: str) -> Band:
    """One variable reduced to (draw, month) after selecting `labels` (e.g. material='gallium')."""
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
    """Variables of :data:`SHOCK_VARIABLES` present with a month dim."""
    return [v for v in SHOCK_VARIABLES if v in shock and "month" in shock[v].dims]


def split_labels(shock: xr.Dataset, dim: str = "material") -> list[str]:
    """Labels of `dim` in the shock results ([] when absent)."""
    return [str(v) for v in shock[dim].values] if dim in shock.dims else []


def stop_times(shock: xr.Dataset) -> pd.DataFrame:
    """Who stops when: first month each country's sector stands idle, in the median draw.

    Uses ``downtime`` (> 0 means idle) or, without it, ``shortfall`` > 0. Columns country,
    sector, first_month, months_idle, share_of_draws (draws in which it stops at all).
    """
    name = next((n for n in ("downtime", "stopped", "shortfall") if n in shock), None)
    columns = ["country", "sector", "first_month", "months_idle", "share_of_draws"]
    if name is None or "country" not in shock[name].dims:
        return pd.DataFrame(columns=columns)
    array = shock[name].astype(float)
    groups = [d for d in ("country", "sector") if d in array.dims]
    others = [d for d in array.dims if d not in (*groups, *KEEP)]
    if others:
        array = array.max(others) if name != "shortfall" else array.sum(others, min_count=1)
    idle = array > 1e-9
    rows = []
    months = month_labels(shock) if "month" in array.dims else []
    for key in _keys(array, groups):
        cell = idle.sel(key)
        value = array.sel(key)
        ever = cell.any("month") if "month" in cell.dims else cell
        share = float(ever.mean("draw")) if "draw" in ever.dims else float(ever)
        med = value.median("draw") if "draw" in value.dims else value
        if "month" in med.dims:
            stopped = np.flatnonzero(med.values > 1e-9)
            first = months[stopped[0]] if stopped.size else ""
            months_idle = float(med.clip(0, 1).sum()) if name != "shortfall" else float(stopped.size)
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
    table = pd.DataFrame(rows, columns=columns)
    order = table.first_month.replace("", "9999")
    return (
        table.assign(_o=order)
        .sort_values(["_o", "share_of_draws"], ascending=[True, False])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _keys(array: xr.DataArray, groups: list[str]) -> list[dict[str, str]]:
    if not groups:
        return [{}]
    index = pd.MultiIndex.from_product([array[d].values for d in groups], names=groups)
    return [dict(zip(groups, (str(v) for v in (k if isinstance(k, tuple) else (k,))), strict=True)) for k in index]


@dataclass(frozen=True)
class ScenarioOutcome:
    """Headline of one scenario: total shortfall (median and 5-95 %) and who stops first."""

    name: str
    shortfall_median: float
    shortfall_range: tuple[float, float] | None
    stops: pd.DataFrame


def worst_scenario(shock: xr.Dataset) -> ScenarioOutcome | str:
    """The scenario with the largest median total shortfall, or the reason it cannot be named."""
    if "shortfall" not in shock:
        return "the shock results carry no shortfall variable"
    names = (
        [str(s) for s in shock.scenario.values]
        if "scenario" in shock.dims
        else [str(shock.attrs.get("scenario", "scenario run"))]
    )
    outcomes = []
    for name in names:
        part = shock.sel(scenario=name) if "scenario" in shock.dims else shock
        gap = final_shortfall(part) if all(v in part for v in FINAL) else part.shortfall
        total = gap.sum([d for d in gap.dims if d != "draw"], min_count=1)
        if "draw" in total.dims and total.sizes["draw"] > 1:
            median, low, high = (float(total.quantile(q, dim="draw")) for q in (0.5, 0.05, 0.95))
            span: tuple[float, float] | None = (low, high)
        else:
            median, span = float(total.squeeze()), None
        outcomes.append(ScenarioOutcome(name, median, span, stop_times(part)))
    known = [o for o in outcomes if np.isfinite(o.shortfall_median)]
    if not known:
        return "every scenario's shortfall is unknown"
    return max(known, key=lambda o: o.shortfall_median)


@dataclass(frozen=True)
class ResponseView:
    """Frontier points and the recommended portfolio of a response result."""

    budgets: list[float]
    shortfall: list[float]
    recommended: float | None
    portfolio: list[tuple[str, float]]
    notes: list[str]


def response_view(response: xr.Dataset) -> ResponseView:
    """Frontier (budget, shortfall) and portfolio at the recommended budget, notes for gaps."""
    notes: list[str] = []
    budgets: list[float] = []
    shortfall: list[float] = []
    if "budget" in response.dims and "shortfall" in response:
        line = response.shortfall.sum([d for d in response.shortfall.dims if d != "budget"], min_count=1)
        budgets = [float(b) for b in response.budget.values]
        shortfall = [float(v) for v in line.values]
    else:
        notes.append(
            "The response results carry no frontier (a 'budget' dim with 'shortfall'); the frontier is left out."
        )
    raw = response.attrs.get("recommended_budget")
    recommended = float(raw) if raw is not None else None
    portfolio: list[tuple[str, float]] = []
    if "portfolio" in response:
        spend = response.portfolio
        if "budget" in spend.dims:
            spend = spend.sel(budget=recommended) if recommended is not None else spend.isel(budget=-1)
        option = next((d for d in spend.dims if d != "budget"), None)
        if option is not None:
            spend = spend.sum([d for d in spend.dims if d != option], min_count=1)
            portfolio = [
                (str(k), float(v))
                for k, v in zip(spend[option].values, spend.values, strict=True)
                if np.isfinite(v) and v > 0
            ]
    else:
        notes.append("The response results carry no 'portfolio' variable; the portfolio is left out.")
    return ResponseView(budgets, shortfall, recommended, portfolio, notes)
