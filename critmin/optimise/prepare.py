"""From labelled inputs and option tables to the arrays the portfolio model is built from.

Timing rules (all in months from the start of the simulated horizon, month 0):

- A stockpile buys at most ``max_purchase_t_per_year`` from month 0, so by the end of month t at
  most ``rate (t + 1) / 12`` t have been bought; the total is bounded by the rate over the horizon.
- Stocks held today (``start_t``) are taken to be in the simulator's baseline already (released
  under current rules), so by default only new purchases are released by the model and a zero
  budget gives the baseline loss exactly; ``release_existing=True`` lets the model re-plan the
  release of existing stocks too.
- A holder can release a material from ``release_lead_months`` after the shortfall of that
  material first appears in the scenario (its onset), never before.
- A backed project delivers ``capacity / 12`` t a month from month ``lead_time_months``, times its
  completion factor: ``p_complete`` (``completion="expected"``) or, per scenario, a 0/1 draw with
  that probability from ``numpy.random.default_rng([seed, i])`` for scenario position i
  (``completion="bernoulli"``). Research programmes use ``p_success`` the same way, drawn after
  the projects from the same generator.
- A successful research programme cuts the shortfall of its material by ``intensity_cut`` times the
  baseline shortfall from month ``lag_months`` (a demand cut of that share shrinks the shortfall
  by at least as much).

With ``aggregate=("quarter",)`` months are summed in consecutive blocks of three from month 0 (the
last block may be shorter), and a release or delivery counts in a block only from its first month
that qualifies (releases: only blocks whose first month qualifies). With ``"region"`` in
``aggregate``, ``region_groups`` maps each region to a group: shortfalls add up, loss per tonne is
the mean weighted by expected baseline shortfall, and an option serves a group if it serves any of
its members.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from critmin.errors import DataError, Issue
from critmin.optimise.instruments import KG_PER_T, instrument_cost
from critmin.optimise.options import INSTRUMENTS, Options, parse_serves

DIMS = ("scenario", "month", "region", "material")


@dataclass(frozen=True)
class Settings:
    """Model settings; none changes the data, each changes the question asked.

    Examples
    --------
    >>> Settings(aggregate=("quarter",)).months_per_period
    3
    """

    cost_weight: float = 1.0
    cvar_alpha: float = 0.95
    cvar_weight: float = 0.0
    cvar_cap: float | None = None
    relax: bool = False
    completion: Literal["expected", "bernoulli"] = "expected"
    seed: int = 0
    aggregate: tuple[str, ...] = ()
    region_groups: Mapping[str, str] | None = None
    mip_rel_gap: float = 1e-6
    time_limit: float | None = None
    release_existing: bool = False

    @property
    def months_per_period(self) -> int:
        """Months in one period of the second stage: 3 when aggregated by quarter, else 1."""
        return 3 if "quarter" in self.aggregate else 1


@dataclass(frozen=True)
class ModelData:
    """Arrays of one portfolio model; ``period`` replaces ``month`` in the second stage."""

    base: xr.DataArray  # (scenario, period, region, material) t
    weight: xr.DataArray  # (scenario)
    loss: xr.DataArray  # (region, material) USD/t
    stock: xr.Dataset  # option-indexed stockpile data
    project: xr.Dataset  # project-indexed data and (project, instrument) costs
    research: xr.Dataset  # programme-indexed data
    months: int
    months_per_period: int
    month_labels: np.ndarray  # original ``month`` labels of baseline_shortfall


def check_inputs(base: xr.DataArray, weight: xr.DataArray, price: xr.DataArray, loss: xr.DataArray) -> list[Issue]:
    """Dims, coverage and signs of the simulator's arrays.

    Examples
    --------
    >>> b = xr.DataArray(np.zeros((1, 1, 1, 1)), dims=DIMS)
    >>> w = xr.DataArray([0.5], dims="scenario")
    >>> [i.problem for i in check_inputs(b, w, b.isel(region=0), b.isel(scenario=0, month=0))]
    ['weights sum to 0.5']
    """
    needed = {
        "baseline_shortfall": (base, DIMS),
        "scenario_weight": (weight, ("scenario",)),
        "price_path": (price, ("scenario", "month", "material")),
        "loss_per_tonne": (loss, ("region", "material")),
    }
    issues = [
        Issue(name, 0, "dims", f"dims are {array.dims}", f"give dims {dims}")
        for name, (array, dims) in needed.items()
        if set(array.dims) != set(dims)
    ]
    if issues:
        return issues
    for name, (array, _) in needed.items():
        if bool(array.isnull().any()) or bool((array < 0).any()):
            issues.append(Issue(name, 0, "values", "NaN or negative values", "give finite values of zero or more"))
    total = float(weight.sum())
    if abs(total - 1.0) > 1e-9:
        issues.append(Issue("scenario_weight", 0, "values", f"weights sum to {total:g}", "give weights summing to 1"))
    for name, array in (("price_path", price), ("loss_per_tonne", loss)):
        missing = sorted(set(base.material.values.tolist()) - set(array.material.values.tolist()))
        if missing:
            issues.append(
                Issue(
                    name,
                    0,
                    "material",
                    f"no values for {', '.join(missing)}",
                    "cover every material of baseline_shortfall",
                )
            )
    return issues


def to_periods(monthly: xr.DataArray, months_per_period: int) -> xr.DataArray:
    """Sum over consecutive blocks of `months_per_period` months; ``period`` labels 0, 1, ...

    Examples
    --------
    >>> m = xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="month")
    >>> to_periods(m, 3).values.tolist()
    [6.0, 4.0]
    """
    period = xr.DataArray(np.arange(monthly.sizes["month"]) // months_per_period, dims="month")
    out = monthly.drop_vars("month", errors="ignore").groupby(period.rename("period")).sum()
    return out.transpose(*[d if d != "month" else "period" for d in monthly.dims])


def period_start(months: int, months_per_period: int) -> xr.DataArray:
    """First month of each period.

    Examples
    --------
    >>> period_start(7, 3).values.tolist()
    [0, 3, 6]
    """
    starts = np.arange(0, months, months_per_period)
    return xr.DataArray(starts, dims="period", coords={"period": np.arange(len(starts))})


def serves_matrix(
    cells: pd.Series, index: pd.Index, regions: pd.Index, groups: Mapping[str, str] | None
) -> xr.DataArray:
    """(option, region) True where the option may deliver to the region (or its group)."""
    rows = []
    for cell in cells:
        codes = {groups.get(c, c) if groups else c for c in parse_serves(cell)}
        rows.append([r in codes for r in regions])
    return xr.DataArray(np.array(rows, bool).reshape(len(index), len(regions)), coords=[index, regions])


def completion_factors(
    p_complete: np.ndarray, p_success: np.ndarray, scenarios: pd.Index, settings: Settings
) -> tuple[np.ndarray, np.ndarray]:
    """(scenario, project) and (scenario, programme) factors: probabilities or seeded draws.

    Examples
    --------
    >>> s = pd.Index(["a", "b"], name="scenario")
    >>> f, g = completion_factors(np.array([0.5]), np.array([]), s, Settings())
    >>> f.tolist(), g.shape
    ([[0.5], [0.5]], (2, 0))
    """
    n, k = len(p_complete), len(p_success)
    if settings.completion == "expected":
        return np.tile(p_complete, (len(scenarios), 1)), np.tile(p_success, (len(scenarios), 1))
    draws = np.array([np.random.default_rng([settings.seed, i]).random(n + k) for i in range(len(scenarios))]).reshape(
        len(scenarios), n + k
    )
    return ((draws[:, :n] < p_complete).astype(float), (draws[:, n:] < p_success).astype(float))


def group_regions(
    base: xr.DataArray, loss: xr.DataArray, groups: Mapping[str, str]
) -> tuple[xr.DataArray, xr.DataArray]:
    """Baseline shortfall summed and loss per tonne averaged (shortfall-weighted) by group."""
    key = xr.DataArray(
        [groups.get(r, r) for r in base.region.values],
        dims="region",
        coords={"region": base.region.values},
        name="region",
    )
    expected = base.mean(["scenario", "month"]).transpose("region", "material")
    group_total = expected.groupby(key).sum().sel(region=key.values).values
    weights = expected.where(group_total > 0, 1.0)
    grouped_loss = (loss * weights).groupby(key).sum() / weights.groupby(key).sum()
    return base.groupby(key).sum(), grouped_loss


def stock_data(
    table: pd.DataFrame,
    base: xr.DataArray,
    price: xr.DataArray,
    weight: xr.DataArray,
    settings: Settings,
    monthly: xr.DataArray,
) -> xr.Dataset:
    """Option-indexed stockpile arrays: unit cost, bounds, what may be released where and when."""
    option = pd.Index([f"{h}/{m}" for h, m in zip(table.holder, table.material, strict=True)], name="option")
    months, per = monthly.sizes["month"], settings.months_per_period
    first_price = (price.isel(month=0) * weight).sum("scenario") * KG_PER_T
    listed = pd.to_numeric(table.purchase_price_usd_per_t).to_numpy(float)
    market = first_price.reindex(material=table.material.to_numpy()).values
    unit_price = np.where(np.isnan(listed), market, listed)
    holding = table.holding_cost_share_per_year.to_numpy(float) * months / 12
    rate = table.max_purchase_t_per_year.to_numpy(float)
    ends = (period_start(months, per) + per).clip(max=months)
    onset = xr.DataArray(_onset(monthly).sel(material=table.material.to_numpy(str)).values, dims=("scenario", "option"))
    lead = xr.DataArray(table.release_lead_months.to_numpy(float), dims="option")
    ok = period_start(months, per) >= onset + lead
    ds = xr.Dataset(
        {
            "holder": ("option", table.holder.to_numpy(str)),
            "holder_country": ("option", table.holder_country.to_numpy(str)),
            "material": ("option", table.material.to_numpy(str)),
            "unit_cost": ("option", unit_price * (1 + holding)),
            "max_buy": ("option", rate * months / 12),
            "existing_t": ("option", table.start_t.to_numpy(float)),
            "start_t": ("option", table.start_t.to_numpy(float) * settings.release_existing),
            "bought_cap": (("period", "option"), np.outer(ends.values, rate) / 12),
            "release_ok": (("scenario", "period", "option"), ok.transpose("scenario", "period", "option").values),
            "serves": (
                ("option", "region"),
                serves_matrix(table.serves, option, base.indexes["region"], _groups(settings)).values,
            ),
        },
        coords={
            "option": option,
            "scenario": base.scenario.values,
            "period": base.period.values,
            "region": base.region.values,
        },
    )
    return ds


def _groups(settings: Settings) -> Mapping[str, str] | None:
    return settings.region_groups if "region" in settings.aggregate else None


def _onset(monthly: xr.DataArray) -> xr.DataArray:
    """First month (scenario, material) with any shortfall; the horizon length if none."""
    any_short = (monthly.sum("region") > 0).transpose("scenario", "material", "month").values
    first = np.where(any_short.any(-1), any_short.argmax(-1), monthly.sizes["month"])
    return xr.DataArray(
        first,
        dims=("scenario", "material"),
        coords={"scenario": monthly.scenario.values, "material": monthly.material.values},
    )


def project_data(
    projects: pd.DataFrame,
    instruments: pd.DataFrame,
    base: xr.DataArray,
    price: xr.DataArray,
    weight: xr.DataArray,
    factor: np.ndarray,
    settings: Settings,
    months: int,
) -> xr.Dataset:
    """Project-indexed arrays: deliveries per period if backed, and instrument costs."""
    index = pd.Index(projects.project_id.astype(str), name="project")
    factors = xr.DataArray(factor, coords=[base.indexes["scenario"], index])
    month = xr.DataArray(np.arange(months), dims="month")
    lead = xr.DataArray(projects.lead_time_months.to_numpy(float), coords=[index])
    monthly = (month >= lead) * xr.DataArray(projects.capacity_t_per_year.to_numpy(float) / 12, coords=[index])
    supply = to_periods(monthly.transpose("month", "project"), settings.months_per_period)
    net, outlay = _instrument_tables(projects, instruments, index, price, weight, factors)
    return xr.Dataset(
        {
            "material": ("project", projects.material.to_numpy(str)),
            "country": ("project", projects.country.to_numpy(str)),
            "stage": ("project", projects.stage.to_numpy(str)),
            "capacity_t_per_year": ("project", projects.capacity_t_per_year.to_numpy(float)),
            "lead_time_months": ("project", projects.lead_time_months.to_numpy(float)),
            "p_complete": ("project", projects.p_complete.to_numpy(float)),
            "supply": (factors * supply).transpose("scenario", "period", "project"),
            "serves": serves_matrix(projects.serves, index, base.indexes["region"], _groups(settings)),
            "net_cost": net,
            "outlay": outlay,
        }
    ).assign_coords(period=base.period.values)


def _instrument_tables(
    projects: pd.DataFrame,
    instruments: pd.DataFrame,
    index: pd.Index,
    price: xr.DataArray,
    weight: xr.DataArray,
    factors: xr.DataArray,
) -> tuple[xr.DataArray, xr.DataArray]:
    """(project, instrument) net cost and outlay in USD; NaN where not offered."""
    kinds = pd.Index(INSTRUMENTS, name="instrument")
    net = np.full((len(index), len(kinds)), np.nan)
    outlay = net.copy()
    by_id = projects.set_index(projects.project_id.astype(str))
    for _, row in instruments.iterrows():
        pid = str(row["project_id"])
        if pid not in by_id.index:
            continue
        project = by_id.loc[pid]
        path = price.sel(material=project["material"])
        i, j = index.get_loc(pid), kinds.get_loc(row["instrument"])
        net[i, j], outlay[i, j] = instrument_cost(row, project, path, weight, factors.sel(project=pid, drop=True))
    return (xr.DataArray(net, coords=[index, kinds]), xr.DataArray(outlay, coords=[index, kinds]))


def research_data(table: pd.DataFrame, monthly: xr.DataArray, factor: np.ndarray, settings: Settings) -> xr.Dataset:
    """Programme-indexed arrays: cost and the shortfall cut (scenario, period, region) if funded."""
    index = pd.Index(table.programme.astype(str), name="programme")
    month = xr.DataArray(np.arange(monthly.sizes["month"]), dims="month")
    started = month >= xr.DataArray(table.lag_months.to_numpy(float), coords=[index])
    share = xr.DataArray(table.intensity_cut.to_numpy(float), coords=[index]) * xr.DataArray(
        factor, coords=[monthly.indexes["scenario"], index]
    )
    affected = monthly.sel(material=xr.DataArray(table.material.to_numpy(str), coords=[index]))
    cut = to_periods(
        (affected * share * started).transpose("scenario", "month", "region", "programme"), settings.months_per_period
    )
    return xr.Dataset(
        {
            "material": ("programme", table.material.to_numpy(str)),
            "cost": ("programme", table.cost_usd.to_numpy(float)),
            "cut": cut.drop_vars("material", errors="ignore"),
        }
    )


def prepare(
    baseline_shortfall: xr.DataArray,
    scenario_weight: xr.DataArray,
    price_path: xr.DataArray,
    loss_per_tonne: xr.DataArray,
    options: Options,
    settings: Settings,
) -> ModelData:
    """Checked arrays of one portfolio model (options already validated).

    Options on materials absent from ``baseline_shortfall`` are left out: they cannot help.

    Raises
    ------
    DataError
        If the arrays have the wrong dims, NaN or negative values, weights not summing to 1, or
        prices or losses missing for a material.
    """
    issues = check_inputs(baseline_shortfall, scenario_weight, price_path, loss_per_tonne)
    if issues:
        raise DataError(issues)
    monthly = baseline_shortfall.transpose(*DIMS).astype(float)
    months = monthly.sizes["month"]
    materials = set(monthly.material.values.tolist())
    keep = {name: getattr(options, name) for name in ("stockpiles", "projects", "research")}
    keep = {name: t[t.material.isin(materials)].reset_index(drop=True) for name, t in keep.items()}
    position = monthly.assign_coords(month=np.arange(months))
    price = price_path.transpose("scenario", "month", "material").assign_coords(month=np.arange(months))
    loss = loss_per_tonne.sel(material=monthly.material, region=monthly.region).astype(float)
    groups = _groups(settings)
    if groups:
        position, loss = group_regions(position, loss, groups)
    base = to_periods(position, settings.months_per_period)
    project_factor, research_factor = completion_factors(
        keep["projects"].p_complete.to_numpy(float),
        keep["research"].p_success.to_numpy(float),
        monthly.indexes["scenario"],
        settings,
    )
    return ModelData(
        base=base,
        weight=scenario_weight.astype(float),
        loss=loss,
        stock=stock_data(keep["stockpiles"], base, price, scenario_weight, settings, position),
        project=project_data(
            keep["projects"], options.instruments, base, price, scenario_weight, project_factor, settings, months
        ),
        research=research_data(keep["research"], position, research_factor, settings),
        months=months,
        months_per_period=settings.months_per_period,
        month_labels=monthly.month.values,
    )
