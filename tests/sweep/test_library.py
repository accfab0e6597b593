"""Every sweep shipped in the library validates against the packaged dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

import critmin
from critmin.sweep.spec import LIBRARY, load_sweep


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*.toml")), ids=lambda p: p.stem)
def test_library_sweep_loads(path: Path) -> None:
    sweep = load_sweep(path.stem, critmin.load())
    assert sweep.n_scenarios == len(sweep.cases) * sweep.draws_per_case > 0


def test_us_magnet_plant_sweep_varies_the_project() -> None:
    sweep = load_sweep("us_magnet_plant", critmin.load())
    plants = {(c.scenario.events[1].tonnes_per_year, c.scenario.events[1].online) for c in sweep.cases}
    assert plants == {(t, m) for t in (1000, 5000, 10000) for m in (3, 12)}
    assert len(sweep.cases) == 12
