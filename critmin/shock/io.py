"""The public entry points: run a scenario on a dataset, and write results atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from critmin._io import safe_stem
from critmin._publish import publish_folder
from critmin.errors import ScenarioError
from critmin.limits import check_run
from critmin.scenarios.spec import Scenario, load_scenario
from critmin.shock.bands import BANDED, QUANTILES
from critmin.shock.montecarlo import TRAJECTORY_DRAWS, simulate_draws
from critmin.shock.network import build_network
from critmin.shock.simulate import Engine


def run(
    dataset: xr.Dataset,
    scenario: Scenario | str | Path,
    draws: int | None = None,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    year: int | None = None,
    trajectories: bool | None = None,
    engine: Engine = "fused",
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
    trajectories : bool, optional
        Keep full monthly trajectories (draw, month, material, stage, country[, sector |
        market], ~25 MB a draw on the default data over 24 months; see
        :func:`trajectory_bytes`). Default: only for at most 50 draws.
    engine : {"fused", "numpy"}
        Month step: the compiled kernel (default) or the numpy step it is checked against.

    Returns
    -------
    xarray.Dataset
        Always the monthly bands across draws of :mod:`critmin.shock.bands` (``band_*``,
        ``mean_*``, ``stopped_share``) and the per-draw summary of
        :func:`critmin.shock.summary.summarise`; the trajectories when kept. Attrs carry every
        parameter and its provenance.

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
    keep = n <= TRAJECTORY_DRAWS if trajectories is None else trajectories
    return simulate_draws(network, scenario, range(n), trajectories=keep, progress=progress, engine=engine)


def trajectory_bytes(dataset: xr.Dataset, scenario: Scenario | str | Path, draws: int, year: int | None = None) -> int:
    """Bytes of the full trajectories of a run (as arrays in memory, before compression).

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> trajectory_bytes(synthetic_dataset(countries=3, materials=["gallium"]), "backtest_ga_ge_2023", 10)
    198240
    """
    from critmin.shock.simulate import trajectory_nbytes

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    network = build_network(dataset, year=baseline_year(dataset, scenario, year))
    return trajectory_nbytes(network, scenario.horizon_months, draws)


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


COMPRESSION = {"zlib": True, "complevel": 4, "shuffle": True}
"""NetCDF encoding of every data variable: zlib level 4 with byte shuffle. Level 4 writes the
default 1,000-draw run in well under a second; levels above 4 shrank it by under 5 % and took
up to three times as long."""


def is_trajectory(var: xr.DataArray) -> bool:
    """Whether a variable is a full trajectory: per draw and per month (or per node at start)."""
    dims = set(var.dims)
    return {"draw", "month"} <= dims or ("draw" in dims and "stage" in dims and str(var.name).endswith("_initial"))


def compact(result: xr.Dataset) -> xr.Dataset:
    """The result without its full trajectories: monthly bands, stop shares and the per-draw summary.

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> out = compact(run(synthetic_dataset(countries=3, materials=["gallium"]), "backtest_ga_ge_2023", draws=2))
    >>> "production" in out, "band_shortfall" in out
    (False, True)
    """
    dropped = [name for name, var in result.data_vars.items() if is_trajectory(var)]
    out = result.drop_vars(dropped)
    edge = [c for c in out.coords if "edge" in out[c].dims]
    return out.drop_vars(edge)


QUANTILE_COLUMNS = [f"q{round(q * 100):02d}" for q in QUANTILES]


def _quantile_columns(values: np.ndarray) -> dict[str, np.ndarray]:
    """mean and 5/25/50/75/95 % over the first axis of a (draws, cells) array."""
    stats = {"mean": values.mean(axis=0)}
    at = np.quantile(values, QUANTILES, axis=0)
    stats.update({QUANTILE_COLUMNS[k]: at[k] for k in range(len(QUANTILES))})
    return stats


def _labels(var: xr.DataArray, dims: list[str]) -> pd.DataFrame:
    index = pd.MultiIndex.from_product([[str(v) for v in var[d].values] for d in dims], names=dims)
    return index.to_frame(index=False)


def band_table(result: xr.Dataset) -> pd.DataFrame:
    """The monthly bands as one long table: variable, month, its labels, units, mean, q05 ... q95.

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> out = run(synthetic_dataset(countries=3, materials=["gallium"]), "backtest_ga_ge_2023", draws=2)
    >>> list(band_table(out).columns)
    ['variable', 'month', 'material', 'market', 'units', 'mean', 'q05', 'q25', 'q50', 'q75', 'q95']
    """
    frames = []
    for name in BANDED:
        band = result[f"band_{name}"]
        dims = [str(d) for d in band.dims if d != "quantile"]
        frame = _labels(band, dims).rename(columns={"price_market": "market"})
        frame["month"] = [str(m)[:7] for m in frame["month"]]
        frame.insert(0, "variable", name)
        frame["units"] = band.attrs.get("units", "")
        frame["mean"] = result[f"mean_{name}"].transpose(*dims).values.ravel()
        for k in range(len(QUANTILES)):
            frame[QUANTILE_COLUMNS[k]] = band.isel(quantile=k).transpose(*dims).values.ravel()
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table["market"] = table["market"].fillna("")
    columns = ["variable", "month", "material", "market", "units", "mean", *QUANTILE_COLUMNS]
    return table[columns].dropna(subset=["mean"])


def draw_table(result: xr.Dataset) -> pd.DataFrame:
    """The per-draw summary across draws, one row per variable and label: mean and quantiles.

    Rows that are zero in every draw or unknown (NaN) are left out; ``first_stop_offset``
    reads as ``stop_share`` (share of draws in which the sector stops; its quantiles are of the
    first month's offset over the draws that stop). Per-draw values are in the NetCDF file.
    """
    frames = []
    label_dims = ["material", "stage", "country", "sector", "market"]
    for name, var in result.data_vars.items():
        if "draw" not in var.dims or "month" in var.dims or name == "first_stop_month" or is_trajectory(var):
            continue
        dims = [str(d) for d in var.dims if d != "draw"]
        values = var.transpose("draw", *dims).values.reshape(var.sizes["draw"], -1).astype(float)
        if name == "first_stop_offset":
            stops = values >= 0
            keep = stops.any(axis=0)
            offsets = np.where(stops, values, np.nan)[:, keep]
            stats = {"mean": stops.mean(axis=0)[keep]}
            ordered = np.sort(offsets, axis=0)  # NaN last: the quantiles of each column's stopping draws
            counts = stops.sum(axis=0)[keep]
            for k, q in enumerate(QUANTILES):
                stats[QUANTILE_COLUMNS[k]] = np.array(
                    [np.quantile(ordered[: counts[j], j], q) for j in range(len(counts))]
                )
            name = "stop_share"
        else:
            keep = np.isfinite(values).all(axis=0) & (values != 0).any(axis=0)
            stats = _quantile_columns(values[:, keep])
        frame = _labels(var, dims)[keep].reset_index(drop=True) if dims else pd.DataFrame(index=[0])[keep]
        frame.insert(0, "variable", str(name))
        for column, value in stats.items():
            frame[column] = value
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["variable"])
    for dim in label_dims:
        table[dim] = table[dim].fillna("") if dim in table else ""
    columns = ["variable", *label_dims, "mean", *QUANTILE_COLUMNS]
    return table[columns]


def write_results(result: xr.Dataset, out_dir: str | Path) -> list[Path]:
    """Write ``<scenario>.nc`` (compressed, :data:`COMPRESSION`) and two small CSV summaries,
    ``<scenario>__bands.csv`` (:func:`band_table`) and ``<scenario>__draws.csv``
    (:func:`draw_table`), as one set (see :mod:`critmin._publish`).

    The NetCDF holds whatever `result` holds: full trajectories only if the run kept them.

    Examples
    --------
    >>> import tempfile
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> out = run(synthetic_dataset(countries=3, materials=["gallium"]), "backtest_ga_ge_2023")
    >>> [p.name for p in write_results(out, tempfile.mkdtemp())]
    ['backtest_ga_ge_2023.nc', 'backtest_ga_ge_2023__bands.csv', 'backtest_ga_ge_2023__draws.csv']
    """
    out = Path(out_dir)
    stem = safe_stem(str(result.attrs.get("scenario", "shock")))
    names = [f"{stem}.nc", f"{stem}__bands.csv", f"{stem}__draws.csv"]
    encoding = {name: dict(COMPRESSION) for name in result.data_vars}

    def write(folder: Path) -> None:
        result.to_netcdf(folder / names[0], engine="netcdf4", encoding=encoding)
        band_table(result).to_csv(folder / names[1], index=False)
        draw_table(result).to_csv(folder / names[2], index=False)

    # files of an earlier run of this scenario are replaced as a set (never a mix of two runs)
    publish_folder(out, write, owns=lambda name: name.startswith((f"{stem}.", f"{stem}__")))
    return [out / name for name in names]
