"""Monte Carlo over draws, in batches that give bit-identical numbers however they are split."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import xarray as xr

from critmin.scenarios.spec import Scenario
from critmin.shock.bands import band_dataset
from critmin.shock.network import Network
from critmin.shock.simulate import Engine, run_batch, to_dataset

Progress = Callable[[int, int], None]

TRAJECTORY_DRAWS = 50
"""Above this many draws only the per-draw summary is kept by default, not monthly trajectories."""
BATCH_DRAWS = 64
"""Draws simulated together by default. Each batch costs ~0.15 s of Python on the default
network whatever its size; past ~64 draws the numpy work per draw dominates and larger batches
stop paying (128 was no faster than 64 in ``benchmarks/bench_shock.py``-style timing)."""


def batches(draws: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    """Consecutive chunks of at most `size` draws.

    Examples
    --------
    >>> [list(b) for b in batches(range(5), 2)]
    [[0, 1], [2, 3], [4]]
    """
    for start in range(0, len(draws), size):
        yield draws[start : start + size]


def simulate_draws(
    network: Network,
    scenario: Scenario,
    draws: Iterable[int] | None = None,
    batch_size: int = BATCH_DRAWS,
    trajectories: bool | None = None,
    progress: Progress | None = None,
    bands: bool = True,
    engine: Engine = "fused",
) -> xr.Dataset:
    """Simulate any subset of draws; draw ``i`` is the same whichever subset or batch holds it.

    Parameters
    ----------
    network : Network
    scenario : Scenario
    draws : iterable of int, optional
        Draw numbers, default ``range(scenario.draws)``.
    batch_size : int
        Draws simulated together (memory grows linearly with it).
    trajectories : bool, optional
        Keep monthly trajectories, else only the per-draw summary (the numbers of
        :func:`critmin.shock.summary.summarise`, computed month by month on arrays, so memory
        does not grow with the horizon). Default: keep them for at most 50 draws.
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch.
    bands : bool
        Keep monthly bands across draws (:mod:`critmin.shock.bands`) and the per-draw
        ``cumulative_final_gap``; off, only the summary (what a sweep keeps).
    engine : {"fused", "numpy"}
        Month step: the compiled kernel (default; blocks of draws on every core) or the numpy
        step it is checked against (:func:`critmin.shock.simulate.month_step`). Same numbers.

    Returns
    -------
    xarray.Dataset
        Trajectories (if kept) and summary variables along ``draw``; the monthly bands across
        all draws (``band_*``, ``mean_*``, ``stopped_share``).

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> from critmin.scenarios import load_scenario
    >>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
    >>> s = load_scenario("backtest_ga_ge_2023")
    >>> a = simulate_draws(net, s, range(4), batch_size=4)
    >>> b = simulate_draws(net, s, range(2, 4), batch_size=1)
    >>> bool((a.production.sel(draw=[2, 3]) == b.production).all())
    True
    """
    draws = list(range(scenario.draws) if draws is None else draws)
    if trajectories is None:
        trajectories = len(draws) <= TRAJECTORY_DRAWS
    parts = []
    for n, chunk in enumerate(batches(draws, max(1, batch_size))):
        arrays = run_batch(network, scenario, chunk, trajectories, bands, engine=engine)
        parts.append(to_dataset(arrays, network, scenario, chunk))
        if progress is not None:
            progress(min((n + 1) * batch_size, len(draws)), len(draws))
    result = (
        xr.concat(parts, dim="draw", data_vars="minimal", coords="minimal", compat="override", join="outer")
        if len(parts) > 1
        else parts[0]
    )
    return band_dataset(result.assign_attrs(parts[0].attrs))
