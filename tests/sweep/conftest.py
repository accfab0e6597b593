"""Small sweep files for the sweep tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SWEEP = """
name = "test-sweep"
base = "backtest_ga_ge_2023"
seed = 11
draws_per_case = {draws}
horizon_months = {horizon}

[grid]
"events[0].controller" = ["CHN", "RUS"]
"events[0].duration_months" = [3, 6]

[uncertain]
"events[0].leakage" = {{dist = "uniform", low = 0.0, high = 0.3}}
"parameters.price_flexibility" = {{dist = "normal", mean = 3.0, sd = 0.5}}

[policies.status_quo]

[policies.portfolio]
portfolio = "portfolio.csv"
release = {{trigger_days = 10, monthly_rate = 0.4}}
"""


def write_sweep(folder: Path, draws: int = 4, horizon: int = 6) -> Path:
    """A 2 x 2 grid x 2 policies sweep (8 cases) with a portfolio CSV beside it."""
    (folder / "portfolio.csv").write_text(
        "holder,material,tonnes\nKOR,gallium,40\nJPN-JOGMEC,germanium,5.5\n", encoding="utf-8"
    )
    path = folder / "sweep.toml"
    path.write_text(SWEEP.format(draws=draws, horizon=horizon), encoding="utf-8")
    return path


@pytest.fixture
def sweep_file(tmp_path: Path) -> Path:
    return write_sweep(tmp_path)
