"""End to end: simulate scenario files, optimise the response, check it on fresh draws.

:func:`optimise_from_scenarios` runs the shock simulator on each scenario file, turns the draws
into the optimiser's baseline (:mod:`critmin.optimise.inputs`) and solves for one budget;
:func:`frontier_from_scenarios` solves for several budgets; :func:`resimulate` is the
out-of-sample check: the tonnes the portfolio buys are added to the dataset's stockpiles and the
simulator is run again on fresh draws (another seed), with and without them.
:func:`run_optimise_command` does all three and returns the printable summary of
``critmin optimise``.

Simulating the scenario files is :mod:`critmin.optimise.scenario_runs`, the out-of-sample check
:mod:`critmin.optimise.check` and the printed summary :mod:`critmin.optimise.summary`; their
names stay importable from here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import pandas as pd
import xarray as xr

from critmin.optimise.api import frontier, optimise
from critmin.optimise.check import backed_projects, resimulate
from critmin.optimise.check import bought_by_holder as bought_by_holder
from critmin.optimise.check import scenario_losses as scenario_losses
from critmin.optimise.check import with_stockpiles as with_stockpiles
from critmin.optimise.inputs import (
    REGIONS,
    baseline_from_shock,
    consumption_value,
    loss_per_tonne_from_dataset,
    monthly_use,
    options_from_dataset,
    region_of,
    sector_shortfall,
)
from critmin.optimise.options import Options
from critmin.optimise.prepare import Settings
from critmin.optimise.results import write_results
from critmin.optimise.scenario_runs import CHUNK, SEED_OFFSET, Progress, _check_run, check_scenarios, simulate
from critmin.optimise.scenario_runs import _file_weights as _file_weights
from critmin.optimise.summary import summary_text

DEFAULT_BUDGETS: Final = (0.0, 0.25e9, 0.5e9, 1e9, 2e9)
"""Budgets (USD) of the frontier printed by ``critmin optimise``."""


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
