"""The public entry points: run a scenario on a dataset, and write results atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xarray as xr

from critmin._io import safe_stem
from critmin._publish import publish_folder
from critmin.errors import ScenarioError
from critmin.limits import check_run
from critmin.scenarios.spec import Scenario, load_scenario
from critmin.shock.montecarlo import TRAJECTORY_DRAWS, simulate_draws
from critmin.shock.network import build_network


def run(
    dataset: xr.Dataset,
    scenario: Scenario | str | Path,
    draws: int | None = None,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    year: int | None = None,
) -> xr.Dataset:
    """Simulate a scenario on a dataset with Monte Carlo draws.

    Parameters
    ----------
    dataset : xarray.Dataset
        The critmin dataset (``critmin.data.load()``).
    scenario : Scenario or path
        A scenario, or a TOML file (or the name of one in the library).
    draws : int, optional
        Number of draws, default the scenario's ``draws``.
    seed : int, optional
        Overrides the scenario's seed.
    progress : callable, optional
        ``progress(done, total)`` after each batch of draws.
    year : int, optional
        Year of the data the network is built on; default :func:`baseline_year`.

    Returns
    -------
    xarray.Dataset
        Monthly trajectories (draw, month, material, stage, country[, sector | market]) when
        there are at most 50 draws, and always the per-draw summary of
        :func:`critmin.shock.summary.summarise`; attrs carry every parameter and its provenance.

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> out = run(synthetic_dataset(countries=4, materials=["gallium"]), "backtest_ga_ge_2023",
    ...           draws=2, seed=5)
    >>> out.sizes["draw"], out.attrs["seed"]
    (2, 5)
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if seed is not None:
        from dataclasses import replace

        scenario = replace(scenario, seed=seed)
    n = scenario.draws if draws is None else draws
    too_much = check_run(scenario.horizon_months, n, "command line", "--draws")
    if too_much:
        raise ScenarioError(too_much)
    network = build_network(dataset, year=baseline_year(dataset, scenario, year))
    return simulate_draws(network, scenario, range(n), trajectories=n <= TRAJECTORY_DRAWS, progress=progress)


def baseline_year(dataset: xr.Dataset, scenario: Scenario, year: int | None = None) -> int:
    """The year of data a scenario runs on: `year`, else the scenario's ``baseline_year``, else the
    dataset's base year (latest complete year), or the year before the scenario starts if that is
    earlier, so that a past episode never runs on data of its own year or later.

    Examples
    --------
    >>> from critmin.data import load
    >>> from critmin.scenarios import load_scenario
    >>> ds = load()
    >>> [baseline_year(ds, load_scenario(name)) for name in ("japan_ree_magnet_halt_6m", "backtest_ga_ge_2023")]
    [2024, 2022]
    """
    from critmin.exposure.years import base_year

    if year is not None:
        return year
    if scenario.baseline_year is not None:
        return scenario.baseline_year
    return min(base_year(dataset), int(scenario.start[:4]) - 1)


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False)


def tidy(result: xr.Dataset) -> dict[str, pd.DataFrame]:
    """One long table per group of dims: {file stem: pandas.DataFrame} with a ``variable`` column."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, var in result.data_vars.items():
        groups.setdefault(tuple(str(d) for d in var.dims), []).append(str(name))
    tables: dict[str, pd.DataFrame] = {}
    for dims, names in groups.items():
        frame = result[names].to_dataframe().reset_index() if dims else None
        if frame is None:
            continue
        keep = [*dims, *names]
        long = frame[keep].melt(id_vars=list(dims), var_name="variable", value_name="value")
        tables["_".join(dims)] = long.dropna(subset=["value"])
    return tables


def write_results(result: xr.Dataset, out_dir: str | Path) -> list[Path]:
    """Write ``<scenario>.nc`` and tidy CSVs ``<scenario>__<dims>.csv``, as one set (see :mod:`critmin._publish`).

    Examples
    --------
    >>> import tempfile
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> out = run(synthetic_dataset(countries=3, materials=["gallium"]), "backtest_ga_ge_2023")
    >>> paths = write_results(out, tempfile.mkdtemp())
    >>> paths[0].suffix
    '.nc'
    """
    out = Path(out_dir)
    stem = safe_stem(str(result.attrs.get("scenario", "shock")))
    names = [f"{stem}.nc"]

    def write(folder: Path) -> None:
        result.to_netcdf(folder / names[0], engine="netcdf4")
        for name, table in tidy(result).items():
            names.append(f"{stem}__{name}.csv")
            _write_csv(table, folder / names[-1])

    # files of an earlier run of this scenario are replaced as a set (never a mix of two runs)
    publish_folder(out, write, owns=lambda name: name.startswith((f"{stem}.", f"{stem}__")))
    return [out / name for name in names]
