"""Scenario files to simulator results for the optimiser: checked, weighted, run in chunks.

The simulator keeps monthly trajectories only up to 50 draws a call, so larger runs are split
into calls of at most :data:`CHUNK` draws with seeds ``seed, seed + 1, ...``; each call is cut down
to the few arrays the optimiser needs (:func:`critmin.optimise.inputs.reduce_result`) before the
next starts, so memory stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import xarray as xr

from critmin.errors import DataError, Issue
from critmin.optimise.inputs import (
    reduce_result,
)
from critmin.optimise.options import check_budget
from critmin.scenarios.spec import find_in_library

Progress = Callable[[int, int], None]
CHUNK: Final = 25
"""Draws per simulator call (at most 50 keep monthly trajectories)."""
SEED_OFFSET: Final = 100_003
"""Default seed offset of the out-of-sample draws."""


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
