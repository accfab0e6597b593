"""End to end: simulate scenario files, optimise the response, check it on fresh draws.

:func:`optimise_from_scenarios` runs the shock simulator on each scenario file, turns the draws
into the optimiser's baseline (:mod:`critmin.optimise.inputs`) and solves for one budget;
:func:`frontier_from_scenarios` solves for several budgets; :func:`resimulate` is the
out-of-sample check: the tonnes the portfolio buys are added to the dataset's stockpiles and the
simulator is run again on fresh draws (another seed), with and without them.
:func:`run_optimise_command` does all three and returns the printable summary of
``critmin optimise``.

The simulator keeps monthly trajectories only up to 50 draws a call, so larger runs are split
into calls of at most :data:`CHUNK` draws with seeds ``seed, seed + 1, ...``; each call is cut down
to the few arrays the optimiser needs (:func:`critmin.optimise.inputs.reduce_result`) before the
next starts, so memory stays small.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import xarray as xr

from critmin.errors import DataError, Issue
from critmin.glossary import tail_caveat
from critmin.model.build import with_holders
from critmin.optimise.api import frontier, optimise
from critmin.optimise.inputs import (
    REGIONS,
    baseline_from_shock,
    consumption_value,
    loss_per_tonne_from_dataset,
    monthly_use,
    options_from_dataset,
    reduce_result,
    region_of,
    sector_shortfall,
)
from critmin.optimise.options import JOINT_HOLDER, Options, check_budget
from critmin.optimise.prepare import Settings
from critmin.optimise.results import cvar, write_results
from critmin.scenarios.spec import Project, find_in_library, with_default_release
from critmin.vocabulary import ALLIES

Progress = Callable[[int, int], None]
CHUNK: Final = 25
"""Draws per simulator call (at most 50 keep monthly trajectories)."""
DEFAULT_BUDGETS: Final = (0.0, 0.25e9, 0.5e9, 1e9, 2e9)
"""Budgets (USD) of the frontier printed by ``critmin optimise``."""
SEED_OFFSET: Final = 100_003
"""Default seed offset of the out-of-sample draws."""


@dataclass(frozen=True)
class Inputs:
    """Everything :func:`critmin.optimise.optimise` needs, built from simulated scenarios."""

    baseline_shortfall: xr.DataArray
    price_path: xr.DataArray
    scenario_weight: xr.DataArray
    loss_per_tonne: xr.DataArray
    options: Options
    monthly_use: xr.DataArray
    burden_basis: pd.Series
    scenarios: tuple[str, ...]
    simulate_seconds: float = 0.0

    def optimiser_arguments(self) -> dict[str, Any]:
        """Keyword arguments of :func:`critmin.optimise.optimise` (less the budget)."""
        return {
            "baseline_shortfall": self.baseline_shortfall,
            "price_path": self.price_path,
            "loss_per_tonne": self.loss_per_tonne,
            "options": self.options,
            "scenario_weight": self.scenario_weight,
        }


def check_scenarios(scenario_files: Sequence[str | Path]) -> list[str]:
    """Scenario files resolved (library names allowed); one DataError naming every bad one."""
    from critmin.scenarios import LIBRARY

    issues, found = [], []
    if not scenario_files:
        issues.append(
            Issue(
                "scenarios",
                0,
                "scenarios",
                "no scenario file given",
                "name at least one scenario file or library scenario",
            )
        )
    for item in scenario_files:
        path = find_in_library(item, LIBRARY, "scenario")
        if isinstance(path, Issue):
            issues.append(path)
        else:
            found.append(str(path) if Path(item).is_file() else Path(item).name)
    if issues:
        raise DataError(issues)
    return found


def _check_run(budget: float | Sequence[float], draws: int) -> None:
    issues = [i for b in np.ravel(budget) for i in check_budget(float(b))]
    if int(draws) < 1:
        issues.append(Issue("draws", 0, "draws", f"{draws} draws", "give at least 1 draw"))
    if issues:
        raise DataError(issues)


def _file_weights(files: Sequence[str]) -> dict[str, float]:
    """``weight = <number>`` at the top of a scenario file, if any, by scenario name."""
    import tomllib

    from critmin.scenarios import LIBRARY, load_scenario

    out = {}
    for item in files:
        path = find_in_library(item, LIBRARY, "scenario")
        if isinstance(path, Issue):
            raise DataError([path])
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        if "weight" in raw:
            out[load_scenario(item).name] = float(raw["weight"])
    return out


def simulate(
    ds: xr.Dataset,
    scenario_files: Sequence[str | Path],
    draws: int,
    seed: int,
    progress: Progress | None = None,
    scenario_override: Callable[[Any], Any] | None = None,
) -> list[xr.Dataset]:
    """Run each scenario file for `draws` draws (chunks of :data:`CHUNK`), reduced results.

    Chunk k of a file runs with seed ``seed + k``: its draws are independent of the others.
    `scenario_override` maps a loaded Scenario to the one to run (used by :func:`resimulate`).
    """
    from critmin.scenarios import load_scenario
    from critmin.shock import run

    files = check_scenarios(scenario_files)
    total, done, out = len(files) * int(draws), 0, []
    for item in files:
        scenario = load_scenario(item)
        if scenario_override is not None:
            scenario = scenario_override(scenario)
        left, k = int(draws), 0
        while left > 0:
            n = min(CHUNK, left)
            result = run(ds, scenario, draws=n, seed=int(seed) + k)
            out.append(reduce_result(result, ds))
            del result
            left, k, done = left - n, k + 1, done + n
            if progress is not None:
                progress(done, total)
    return out


def inputs_from_results(
    ds: xr.Dataset,
    results: Sequence[xr.Dataset],
    weights: Mapping[str, float] | None = None,
    options: Options | None = None,
) -> Inputs:
    """Baseline, prices, weights, loss per tonne (weighted by simulated sector shortfall),
    default options on the simulated materials, monthly use and the burden basis."""
    base, price, weight = baseline_from_shock(results, ds, weights)
    loss = loss_per_tonne_from_dataset(ds, weights=sector_shortfall(results, ds))
    materials = [str(m) for m in base.material.values]
    opts = options if options is not None else options_from_dataset(ds, materials=materials)
    return Inputs(
        base,
        price,
        weight,
        loss.sel(material=materials),
        opts,
        monthly_use(ds).sel(material=materials),
        consumption_value(ds),
        tuple(str(r.attrs.get("scenario", "")) for r in results),
    )


def prepare_inputs(
    ds: xr.Dataset,
    scenario_files: Sequence[str | Path],
    draws: int,
    seed: int,
    progress: Progress | None = None,
    options: Options | None = None,
) -> Inputs:
    """Simulate the scenario files and build the optimiser's inputs."""
    import time

    files = check_scenarios(scenario_files)
    started = time.perf_counter()
    results = simulate(ds, files, draws, seed, progress)
    seconds = time.perf_counter() - started
    inputs = inputs_from_results(ds, results, _file_weights(files), options)
    return dataclasses.replace(inputs, simulate_seconds=seconds)


def optimise_inputs(
    inputs: Inputs,
    budget: float,
    *,
    burden_rule: Literal["consumption", "gdp"] = "consumption",
    marginal: Literal["dual", "fd", "both", "none"] = "dual",
    settings: Settings | None = None,
    **overrides: Any,
) -> xr.Dataset:
    """Optimise one budget on prepared inputs; adds cover, burden and the loss per tonne."""
    result = optimise(
        **inputs.optimiser_arguments(),
        budget=budget,
        monthly_use=inputs.monthly_use,
        burden_basis=inputs.burden_basis,
        burden_rule=burden_rule,
        marginal=marginal,
        settings=settings,
        **overrides,
    )
    result["loss_per_tonne_usd"] = inputs.loss_per_tonne.assign_attrs(units="USD/t")
    result["simulate_seconds"] = xr.DataArray(inputs.simulate_seconds, attrs={"units": "s"})
    return result.assign_attrs(scenario_files=json.dumps(list(inputs.scenarios)))


def optimise_from_scenarios(
    ds: xr.Dataset,
    scenario_files: Sequence[str | Path],
    budget: float,
    draws: int,
    seed: int,
    progress: Progress | None = None,
    **kwargs: Any,
) -> xr.Dataset:
    """Simulate the scenario files, build the baseline and optimise the portfolio for `budget`.

    Parameters
    ----------
    ds : xarray.Dataset
        The critmin dataset (``critmin.load()``).
    scenario_files : list of str or Path
        Scenario TOML files or library names; their draws are the scenarios, equally weighted
        by file (a top-level ``weight = w`` in a file changes its weight).
    budget : float
        Programme budget in USD (zero or more).
    draws, seed : int
        Simulator draws per file and the seed of the first chunk.
    progress : callable, optional
        ``progress(done, total)`` over simulated draws.
    **kwargs
        Passed to :func:`optimise_inputs` (``settings``, ``marginal``, ``burden_rule``,
        ``aggregate=("quarter",)``, ...).

    Returns
    -------
    xarray.Dataset
        The result of :func:`critmin.optimise.optimise`, with ``months_of_cover``, ``burden_*``
        and ``loss_per_tonne_usd``.

    Raises
    ------
    DataError
        Negative budget, fewer than one draw, or an unknown scenario file.
    """
    _check_run(budget, draws)
    inputs = prepare_inputs(ds, scenario_files, draws, seed, progress)
    return optimise_inputs(inputs, budget, **kwargs)


def frontier_from_scenarios(
    ds: xr.Dataset,
    scenario_files: Sequence[str | Path],
    budgets: Sequence[float],
    draws: int,
    seed: int,
    progress: Progress | None = None,
    **kwargs: Any,
) -> xr.Dataset:
    """Expected loss, CVaR and portfolio for each budget (dim ``budget``) on simulated scenarios."""
    _check_run(list(budgets) or [0.0], draws)
    inputs = prepare_inputs(ds, scenario_files, draws, seed, progress)
    return frontier(**inputs.optimiser_arguments(), budgets=list(budgets), **kwargs)


# --------------------------------------------------------------------------------------------
# Out of sample
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def _usd(x: float) -> str:
    """Compact USD: 1.23 bn, 45.6 m, 7,800."""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:,.2f} bn"
    if a >= 1e6:
        return f"{x / 1e6:,.1f} m"
    return f"{x:,.0f}"


def summary_text(result: xr.Dataset, front: xr.Dataset | None, check: xr.Dataset | None, top: int = 10) -> str:
    """The printable summary of one optimisation (see :func:`run_optimise_command`)."""
    files = ", ".join(json.loads(result.attrs.get("scenario_files", "[]")))
    lines = [
        f"Response portfolio: budget USD {_usd(float(result.budget_usd))}, "
        f"{result.sizes['scenario']} scenarios ({files})",
        f"  expected loss {_usd(float(result.expected_loss_usd))} USD "
        f"(do nothing {_usd(float(result.do_nothing_loss_usd))}); "
        f"CVaR{int(100 * result.attrs.get('cvar_alpha', 0.95))} "
        f"{_usd(float(result.cvar_usd))} (do nothing {_usd(float(result.do_nothing_cvar_usd))}; "
        f"{tail_caveat(result.sizes['scenario'])})",
        f"  outlay {_usd(float(result.outlay_usd))} USD, net cost "
        f"{_usd(float(result.programme_cost_usd))} USD, MIP gap {float(result.mip_gap):.1e}",
        "",
    ]
    bought = result[["buy_t", "stock_cost_usd"]].to_dataframe()
    bought = bought[bought.buy_t > 1e-6]
    lines.append("Stockpile purchases (holder/material: t, USD)")
    lines += [
        f"  {opt:<32} {row.buy_t:>12,.1f} t {_usd(row.stock_cost_usd):>12}" for opt, row in bought.iterrows()
    ] or ["  none"]
    lines.append("Projects backed (project x instrument: outlay USD, net cost USD)")
    if "choice" in result and result.sizes.get("project", 0):
        chosen = result[["choice", "instrument_outlay_usd", "instrument_net_cost_usd"]].to_dataframe().dropna()
        chosen = chosen[chosen.choice > 0.5]
        lines += [
            f"  {p} x {i}: {_usd(r.instrument_outlay_usd)} ({_usd(r.instrument_net_cost_usd)})"
            for (p, i), r in chosen.iterrows()
        ] or ["  none"]
    else:
        lines.append("  none offered on the simulated materials")
    lines.append("Research funded")
    if "fund" in result and result.sizes.get("programme", 0):
        funded = [str(p) for p in result.programme.values if float(result.fund.sel(programme=p)) > 0.5]
        lines += [f"  {p}: {_usd(float(result.research_cost_usd.sel(programme=p)))}" for p in funded] or ["  none"]
    else:
        lines.append("  none offered on the simulated materials")
    lines += ["", "Marginal value per USD (expected loss avoided per USD of budget, top options)"]
    values = []
    for var in ("marginal_value_per_usd_buy", "marginal_value_per_usd_choice", "marginal_value_per_usd_fund"):
        if var in result:
            s = result[var].to_series().dropna()
            values += [(float(v), "/".join(map(str, k)) if isinstance(k, tuple) else str(k)) for k, v in s.items()]
    values.sort(key=lambda kv: -kv[0])
    lines += [f"  {name:<44} {v:>10.2f}" for v, name in values[:top]] or ["  none"]
    if "months_of_cover" in result:
        cover = result.months_of_cover.transpose("region", "material").to_series()
        cover = cover[cover > 1e-6]
        lines += ["", "Months of cover gained (ally, material)"]
        lines += [f"  {r:<5} {m:<18} {v:>8.2f}" for (r, m), v in cover.items()] or ["  none"]
    if "burden_share" in result:
        lines += [
            "",
            f"Burden sharing ({result.attrs.get('burden_rule', 'consumption')} rule): "
            "share, contribution USD, benefit USD",
        ]
        b = result[["burden_share", "burden_contribution_usd", "burden_benefit_usd"]].to_dataframe()
        lines += [
            f"  {a:<5} {r.burden_share:>6.1%} {_usd(r.burden_contribution_usd):>12} {_usd(r.burden_benefit_usd):>12}"
            for a, r in b.iterrows()
        ]
    if front is not None:
        lines += ["", "Frontier (budget USD: expected loss, CVaR, outlay)"]
        lines += [
            f"  {_usd(float(b)):>10}: {_usd(float(front.expected_loss_usd.sel(budget=b))):>12}"
            f" {_usd(float(front.cvar_usd.sel(budget=b))):>12}"
            f" {_usd(float(front.outlay_usd.sel(budget=b))):>12}"
            for b in front.budget.values
        ]
    if check is not None:
        lines += [
            "",
            f"Out of sample ({check.attrs['draws']} fresh draws per file, seed {check.attrs['seed']}; "
            "stockpiles and projects simulated, research in sample only)",
            f"  expected loss without {_usd(float(check.expected_loss_without_usd))}, with "
            f"{_usd(float(check.expected_loss_with_usd))}: avoided "
            f"{_usd(float(check.loss_avoided_usd))} USD "
            f"(in sample {_usd(float(check.in_sample_loss_avoided_usd))})",
        ]
        simulated = json.loads(check.attrs.get("projects_simulated", "[]"))
        if simulated:
            lines.append("  projects simulated: " + ", ".join(simulated))
        added = json.loads(check.attrs.get("release_rule_added", "[]"))
        if added:
            lines.append("  default release rule added to: " + ", ".join(added))
    return "\n".join(lines)


def run_optimise_command(
    ds: xr.Dataset,
    scenarios: list[str],
    budget: float,
    draws: int,
    seed: int,
    out: Path | None,
    progress: Progress | None = None,
    budgets: Sequence[float] = DEFAULT_BUDGETS,
    check_draws: int | None = None,
    **kwargs: Any,
) -> str:
    """Simulate, optimise, trace the frontier, check out of sample; the printable summary.

    Parameters
    ----------
    ds : xarray.Dataset
        The critmin dataset.
    scenarios : list of str
        Scenario files or library names.
    budget : float
        Budget in USD of the portfolio reported in detail.
    draws, seed : int
        Draws per scenario file and seed of the in-sample simulation.
    out : pathlib.Path or None
        Folder for ``portfolio.nc``, the tables of :func:`critmin.optimise.write_results`,
        ``frontier.csv`` (and ``frontier.nc``) and ``out_of_sample.csv`` (nothing written if None).
    progress : callable, optional
        ``progress(done, total)`` over simulated draws (in sample, then out of sample).
    budgets : sequence of float
        Frontier budgets (USD); default 0, 0.25, 0.5, 1 and 2 bn.
    check_draws : int, optional
        Fresh draws per file of the out-of-sample check (default `draws`).
    **kwargs
        Passed to :func:`optimise_inputs` (``settings`` or single settings fields).

    Returns
    -------
    str
        Portfolio, frontier, expected loss and CVaR, marginal values, months of cover, burden
        and the out-of-sample loss avoided.
    """
    _check_run([budget, *budgets], draws)
    inputs = prepare_inputs(ds, scenarios, draws, seed, progress)
    result = optimise_inputs(inputs, budget, **kwargs)
    settings = kwargs.get("settings")
    overrides = {k: v for k, v in kwargs.items() if k in Settings.__dataclass_fields__}
    front = frontier(**inputs.optimiser_arguments(), budgets=list(budgets), settings=settings, **overrides)
    check = resimulate(ds, result, scenarios, check_draws or draws, SEED_OFFSET, seed, progress)
    if out is not None:
        from critmin._io import atomic_write, atomic_write_csv
        from critmin._publish import publish_folder

        def write(folder: Path) -> None:
            write_results(result, folder)
            columns = ["expected_loss_usd", "cvar_usd", "programme_cost_usd", "outlay_usd"]
            atomic_write_csv(front[columns].to_dataframe().reset_index(), folder / "frontier.csv")
            atomic_write(folder / "frontier.nc", lambda path: front.to_netcdf(path, engine="h5netcdf"))
            scalars = [n for n, v in check.data_vars.items() if v.ndim == 0]
            atomic_write_csv(
                pd.DataFrame({"metric": scalars, "value": [float(check[n]) for n in scalars]}),
                folder / "out_of_sample.csv",
            )

        # portfolio.nc, the tables and the check appear together, never from different runs
        publish_folder(Path(out), write, owns=lambda name: name in OPTIMISE_FILES)
    return summary_text(result, front, check)


OPTIMISE_FILES = frozenset({"portfolio.nc", "frontier.csv", "frontier.nc", "out_of_sample.csv"})
"""Files of a response run besides its tables (replaced as one set with them)."""

__all__ = [
    "CHUNK",
    "DEFAULT_BUDGETS",
    "Inputs",
    "REGIONS",
    "backed_projects",
    "check_scenarios",
    "frontier_from_scenarios",
    "inputs_from_results",
    "optimise_from_scenarios",
    "optimise_inputs",
    "prepare_inputs",
    "region_of",
    "resimulate",
    "run_optimise_command",
    "simulate",
]
