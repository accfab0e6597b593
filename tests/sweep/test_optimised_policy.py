"""A sweep policy taken from the optimiser's portfolio.nc: stockpiles, joint reserve, projects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import critmin
from critmin.errors import ScenarioError
from critmin.scenarios import Project
from critmin.sweep.run import run_sweep
from critmin.sweep.spec import load_sweep

SWEEP = """
name = "optimised"
base = "backtest_ga_ge_2023"
seed = 5
draws_per_case = 3
horizon_months = 12

[grid]  # the 2023 queue at a third of applications granted (Nov 2023 exports were 13-27% of 2022)
"events[0].approval_probability" = [0.3]

[policies.status_quo]
[policies.optimised]
portfolio = "portfolio.nc"
"""


def write_portfolio(path: Path) -> None:
    """A portfolio as `critmin optimise` writes it, reduced to what a sweep reads.

    JOGMEC buys 30 t of gallium; the joint reserve buys 20 t of germanium, split 3:1 between
    Japan and the US by burden share; project P1 (gallium metal in Australia, 120 t/yr from
    month 4, p 0.5) is backed and serves Japan; project P2 is not backed.
    """
    regions = ["USA", "JPN", "AUS", "ROW"]
    serves = np.array([[0, 1, 0, 0], [1, 0, 0, 0]], dtype="int8")
    portfolio = xr.Dataset(
        {
            "buy_t": ("option", [30.0, 20.0, 0.0]),
            "stock_holder": ("option", ["JPN-JOGMEC", "ALLIANCE", "KOR-KOMIR"]),
            "stock_holder_country": ("option", ["JPN", "ALLIANCE", "KOR"]),
            "stock_material": ("option", ["gallium", "germanium", "gallium"]),
            "backed": ("project", [1.0, 0.0]),
            "project_country": ("project", ["AUS", "USA"]),
            "project_material": ("project", ["gallium", "gallium"]),
            "project_stage": ("project", ["metal", "metal"]),
            "project_capacity_t_per_year": ("project", [120.0, 50.0]),
            "project_lead_time_months": ("project", [3.2, 6.0]),
            "project_p_complete": ("project", [0.5, 0.9]),
            "project_serves": (("project", "region"), serves),
            "burden_share": ("ally", [0.25, 0.75]),
        },
        coords={"option": ["o1", "o2", "o3"], "project": ["P1", "P2"], "region": regions, "ally": ["USA", "JPN"]},
    )
    portfolio.to_netcdf(path, engine="h5netcdf")


@pytest.fixture
def sweep_file(tmp_path: Path) -> Path:
    write_portfolio(tmp_path / "portfolio.nc")
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


def test_portfolio_becomes_stockpiles_holders_and_projects(sweep_file: Path) -> None:
    sweep = load_sweep(sweep_file, critmin.load())
    status_quo, optimised = sweep.cases[0], sweep.cases[1]
    policy = optimised.policy
    assert policy.portfolio == (
        ("ALLIANCE-JPN", "germanium", 15.0),
        ("ALLIANCE-USA", "germanium", 5.0),
        ("JPN-JOGMEC", "gallium", 30.0),
    )
    assert policy.new_holders == (("ALLIANCE-JPN", "JPN"), ("ALLIANCE-USA", "USA"))
    assert policy.projects == (Project("AUS", "gallium", "metal", 120.0, online=4, serves=("JPN",), p_complete=0.5),)
    assert optimised.scenario.events[-1] == policy.projects[0]
    assert optimised.scenario.policy.stockpile_release is not None
    assert status_quo.scenario.policy.stockpile_release is None


def test_optimised_policy_runs_and_lowers_japans_loss(sweep_file: Path, tmp_path: Path) -> None:
    result = run_sweep(sweep_file, workers=0, out=tmp_path / "store", progress=False)
    loss = result["loss_usd"].sel(country="JPN").values.reshape(2, 3)
    assert (loss[1] <= loss[0]).all() and loss[1].sum() < loss[0].sum()


def test_a_file_that_is_not_an_optimiser_portfolio(tmp_path: Path) -> None:
    xr.Dataset({"buy_t": ("option", [1.0])}).to_netcdf(tmp_path / "portfolio.nc", engine="h5netcdf")
    (tmp_path / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_sweep(tmp_path / "sweep.toml", critmin.load())
    (issue,) = err.value.issues
    assert (issue.field, issue.problem) == (
        "portfolio",
        "portfolio.nc lacks stock_holder, stock_holder_country, stock_material, backed",
    )
    assert issue.fix.startswith("give the portfolio.nc written by `critmin optimise --out FOLDER`")
