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

Response results (the optimiser's portfolio and frontier) are read by
:mod:`critmin.report.response_view`; its names stay importable from here.

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
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from critmin.report.content import material_label
from critmin.report.response_view import BOUGHT_T as BOUGHT_T  # importable from here as before
from critmin.report.response_view import CHOSEN as CHOSEN
from critmin.report.response_view import KNEE as KNEE
from critmin.report.response_view import MIN_COVER_MONTHS as MIN_COVER_MONTHS
from critmin.report.response_view import Backing as Backing
from critmin.report.response_view import Funding as Funding
from critmin.report.response_view import Purchase as Purchase
from critmin.report.response_view import ResponseView as ResponseView
from critmin.report.response_view import option_sources as option_sources
from critmin.report.response_view import response_view as response_view

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
        what = f" of {material_label(most)}, the material most short" if most else ""
        note = (
            f"Ranked by tonnes{what} (tonnes of different materials are not added), not USD: "
            f"{reasons[0] if reasons else 'a scenario has no loss in USD'}"
        )
    worst = max(outcomes, key=key)
    return dataclasses.replace(worst, basis=basis, basis_note=note, ranked=len(outcomes))
