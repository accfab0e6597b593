"""The out-of-sample check: a portfolio's stockpiles and projects re-simulated on fresh draws.

:func:`resimulate` adds the tonnes the portfolio buys to the dataset's stockpiles and its backed
projects to every scenario, and runs the simulator again on fresh draws (another seed), with and
without them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from critmin.model.build import with_holders
from critmin.optimise.inputs import (
    baseline_from_shock,
    loss_per_tonne_from_dataset,
    sector_shortfall,
)
from critmin.optimise.options import JOINT_HOLDER
from critmin.optimise.results import cvar
from critmin.optimise.scenario_runs import SEED_OFFSET, Progress, _check_run, check_scenarios, simulate
from critmin.scenarios.spec import Project, with_default_release
from critmin.vocabulary import ALLIES


def bought_by_holder(portfolio: xr.Dataset, shares: pd.Series | None = None) -> pd.DataFrame:
    """Tonnes bought as simulator stockpile rows: holder, holder_country, material, tonnes.

    A joint reserve (``ALLIANCE``) has no country in the simulator: its tonnes are split among
    the allies by `shares` (burden shares; equal if None) as ``ALLIANCE-<ally>`` holders.
    """
    rows = []
    for option in portfolio.option.values:
        tonnes = float(portfolio.buy_t.sel(option=option))
        if tonnes <= 1e-9:
            continue
        holder = str(portfolio.stock_holder.sel(option=option).values)
        country = str(portfolio.stock_holder_country.sel(option=option).values)
        material = str(portfolio.stock_material.sel(option=option).values)
        if country == JOINT_HOLDER:
            split = shares if shares is not None else pd.Series(1.0, index=list(ALLIES))
            split = split.reindex(list(ALLIES)).fillna(0.0)
            split = split / split.sum()
            for ally, share in split.items():
                rows.append(
                    {
                        "holder": f"{holder}-{ally}",
                        "holder_country": ally,
                        "material": material,
                        "tonnes": tonnes * float(share),
                    }
                )
        else:
            rows.append({"holder": holder, "holder_country": country, "material": material, "tonnes": tonnes})
    return pd.DataFrame(rows, columns=["holder", "holder_country", "material", "tonnes"])


def with_stockpiles(ds: xr.Dataset, bought: pd.DataFrame) -> xr.Dataset:
    """`ds` with `bought` tonnes added to ``stockpile`` (holder x material) in every year.

    The simulator reads the stockpile of the scenario's start year (latest year at or before
    it); adding the tonnes to every year, NaN counted as zero where a holder holds the
    material in some year, makes them count whichever year that is.
    """
    if bought.empty:
        return ds
    out = with_holders(ds, list(dict.fromkeys(zip(bought.holder, bought.holder_country, strict=True))))
    stock = out["stockpile"].copy()
    for row in bought.itertuples(index=False):
        cell = stock.loc[{"holder": row.holder, "material": row.material}]
        stock.loc[{"holder": row.holder, "material": row.material}] = cell.fillna(0.0) + row.tonnes
    return out.assign(stockpile=stock)


def scenario_losses(results: Sequence[xr.Dataset], loss_per_tonne: xr.DataArray, ds: xr.Dataset) -> xr.DataArray:
    """Loss (USD) per draw of reduced results: loss per tonne x final shortfall, summed."""
    base, _, weight = baseline_from_shock(results, ds)
    loss = loss_per_tonne.reindex(material=base.material.values, region=base.region.values, fill_value=0.0)
    return (base * loss).sum(["month", "region", "material"]).assign_coords(weight=("scenario", weight.values))


def backed_projects(portfolio: xr.Dataset) -> tuple[Project, ...]:
    """The portfolio's backed projects as simulator ``project`` events (see :class:`Project`).

    Each delivers ``p_complete * capacity`` a year to the regions it serves that are countries
    or blocs of the vocabulary (region groups are skipped), from ``lead_time_months`` after the
    scenario start: the timing and expected output the optimiser counted in sample.
    """
    from critmin.vocabulary import COUNTRIES

    if "backed" not in portfolio or "project_stage" not in portfolio:
        return ()
    events = []
    for project in portfolio.project.values:
        cell = portfolio.sel(project=project)
        if float(cell.backed) < 0.5:
            continue
        serves = cell.project_serves
        regions = [str(r) for r in serves.region.values[serves.values > 0] if str(r) in COUNTRIES]
        if not regions:
            continue
        events.append(
            Project(
                country=str(cell.project_country.values),
                material=str(cell.project_material.values),
                stage=str(cell.project_stage.values),
                tonnes_per_year=float(cell.project_capacity_t_per_year),
                online=int(np.ceil(float(cell.project_lead_time_months))),
                serves=tuple(regions),
                p_complete=float(cell.project_p_complete),
            )
        )
    return tuple(events)


def _with_projects(projects: tuple[Project, ...]) -> Callable[[Any], Any]:
    """Scenario override: the default release rule if none, and the portfolio's projects added."""

    def override(scenario: Any) -> Any:
        scenario = with_default_release(scenario)
        return dataclasses.replace(scenario, events=(*scenario.events, *projects))

    return override


def resimulate(
    ds: xr.Dataset,
    portfolio: xr.Dataset,
    scenario_files: Sequence[str | Path],
    draws: int,
    seed_offset: int = SEED_OFFSET,
    seed: int = 0,
    progress: Progress | None = None,
) -> xr.Dataset:
    """Out-of-sample check of a portfolio's stockpiles and projects on fresh simulator draws.

    The tonnes the portfolio buys (``buy_t``) are added to ``ds.stockpile`` (joint reserves split
    among allies by the portfolio's burden shares), its backed projects are added to every
    scenario as ``project`` events (:func:`backed_projects`), and :func:`critmin.shock.run` is
    run on ``draws`` draws per file with seeds from ``seed + seed_offset``, with and without
    them. A scenario file without a stockpile release rule gets the simulator's default rule in
    both runs (bought stocks are otherwise never released); ``attrs["release_rule_added"]``
    lists those files. Research programmes are not represented in the simulator: their effect
    is only in-sample.

    Returns
    -------
    xarray.Dataset
        ``loss_without_usd`` and ``loss_with_usd`` (scenario), their expectations
        ``expected_loss_without_usd``, ``expected_loss_with_usd``, ``loss_avoided_usd`` and the
        CVaRs, next to the in-sample ``in_sample_do_nothing_loss_usd``,
        ``in_sample_expected_loss_usd`` and ``in_sample_loss_avoided_usd``; ``bought_t``
        (holder, material) as added to the stockpile.
    """
    from critmin.scenarios import load_scenario

    files = check_scenarios(scenario_files)
    _check_run(0.0, draws)
    shares = None
    if "burden_share" in portfolio:
        shares = portfolio.burden_share.to_series()
    bought = bought_by_holder(portfolio, shares)
    stocked = with_stockpiles(ds, bought)
    loss = portfolio.get("loss_per_tonne_usd")
    fresh = int(seed) + int(seed_offset)
    added = [f for f in files if load_scenario(f).policy.stockpile_release is None]
    n_steps = 2 * len(files) * int(draws)

    def step(offset: int) -> Progress | None:
        return None if progress is None else (lambda d, t: progress(offset + d, n_steps))

    without = simulate(ds, files, draws, fresh, step(0), with_default_release)
    projects = backed_projects(portfolio)
    with_ = simulate(stocked, files, draws, fresh, step(n_steps // 2), _with_projects(projects))
    if loss is None:
        loss = loss_per_tonne_from_dataset(ds, weights=sector_shortfall(without, ds))
    lw, lo = scenario_losses(without, loss, ds), scenario_losses(with_, loss, ds)
    weight = xr.DataArray(lw.weight.values, dims="scenario", coords={"scenario": lw.scenario})
    alpha = float(portfolio.attrs.get("cvar_alpha", 0.95))
    out = xr.Dataset(
        {
            "loss_without_usd": lw.drop_vars("weight"),
            "loss_with_usd": lo.drop_vars("weight"),
            "scenario_weight": weight,
        }
    )
    expected = {
        "expected_loss_without_usd": float((weight * lw).sum()),
        "expected_loss_with_usd": float((weight * lo).sum()),
        "cvar_without_usd": cvar(lw.drop_vars("weight"), weight, alpha),
        "cvar_with_usd": cvar(lo.drop_vars("weight"), weight, alpha),
    }
    expected["loss_avoided_usd"] = expected["expected_loss_without_usd"] - expected["expected_loss_with_usd"]
    ins = {
        "in_sample_do_nothing_loss_usd": float(portfolio.do_nothing_loss_usd),
        "in_sample_expected_loss_usd": float(portfolio.expected_loss_usd),
    }
    ins["in_sample_loss_avoided_usd"] = ins["in_sample_do_nothing_loss_usd"] - ins["in_sample_expected_loss_usd"]
    for name, value in {**expected, **ins}.items():
        out[name] = xr.DataArray(value, attrs={"units": "USD"})
    table = bought.groupby(["holder", "material"])["tonnes"].sum()
    if len(table):
        out["bought_t"] = xr.DataArray.from_series(table).fillna(0.0).assign_attrs(units="t")
    return out.assign_attrs(
        seed=fresh,
        draws=int(draws),
        release_rule_added=json.dumps(added),
        projects_simulated=json.dumps([f"{p.material}.{p.stage}@{p.country}" for p in projects]),
        note="stockpiles and projects simulated; research programmes are not",
    )
