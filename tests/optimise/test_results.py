"""Outputs: tables, files written atomically, months of cover, burden sharing, instrument costs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

from critmin.optimise import burden_shares, optimise, tables, write_results
from critmin.optimise.instruments import contract_prices, deliveries, price_floor_cost
from critmin.optimise.testing import tiny_inputs


def test_write_results_round_trip(tmp_path: Path) -> None:
    result = optimise(**tiny_inputs(), budget=1.5e6)
    paths = write_results(result, tmp_path / "run")
    assert sorted(p.name for p in paths) == [
        "marginal_buy.csv",
        "portfolio.nc",
        "projects.csv",
        "research.csv",
        "stockpiles.csv",
        "summary.csv",
    ]
    back = xr.load_dataset(tmp_path / "run" / "portfolio.nc")
    assert float(back.expected_loss_usd) == pytest.approx(5e6)
    stock = pd.read_csv(tmp_path / "run" / "stockpiles.csv")
    assert stock.loc[0, "buy_t"] == pytest.approx(10.0)
    assert not list((tmp_path / "run").glob(".*"))  # no temporary file left behind


def test_tables_summary_lists_scalars() -> None:
    summary = tables(optimise(**tiny_inputs(), budget=0.0, marginal="none"))["summary"]
    values = dict(zip(summary.metric, summary.value, strict=True))
    assert values["expected_loss_usd"] == values["do_nothing_loss_usd"] == pytest.approx(1e7)


def test_months_of_cover_and_burden() -> None:
    # 10 t bought for Japan; Japan uses 4 t a month: 2.5 months of cover gained. Japan pays the
    # whole 1.025 m (a national stock) and gains 5 m of expected loss.
    inputs = tiny_inputs()
    use = xr.DataArray([[4.0]], coords={"region": ["JPN"], "material": ["ndpr"]}, dims=("region", "material"))
    basis = pd.Series({"JPN": 4.0, "USA": 6.0})
    result = optimise(**inputs, budget=1.5e6, monthly_use=use, burden_basis=basis, marginal="none")
    assert result.months_of_cover.sel(region="JPN", material="ndpr").item() == pytest.approx(2.5)
    jpn = result.sel(ally="JPN")
    assert jpn.burden_share.item() == pytest.approx(0.4)
    assert jpn.burden_contribution_usd.item() == pytest.approx(1.025e6)
    assert jpn.burden_benefit_usd.item() == pytest.approx(5e6)
    assert result.sel(ally="USA").burden_contribution_usd.item() == 0.0
    assert "burden" in tables(result)


def test_joint_reserve_cost_is_shared() -> None:
    inputs = tiny_inputs()
    stock = inputs["options"].stockpiles.assign(holder="JOINT", holder_country="ALLIANCE", serves="JPN;USA")
    base = inputs["baseline_shortfall"]
    inputs["baseline_shortfall"] = xr.concat([base, base.assign_coords(region=["USA"]) * 0], "region")
    inputs["loss_per_tonne"] = xr.DataArray(
        [[1e6], [1e6]], coords={"region": ["JPN", "USA"], "material": ["ndpr"]}, dims=("region", "material")
    )
    inputs["options"] = type(inputs["options"])(stockpiles=stock)
    result = optimise(
        **inputs, budget=1.5e6, burden_basis=pd.Series({"JPN": 1.0, "USA": 3.0}), burden_rule="gdp", marginal="none"
    )
    assert result.sel(ally="USA").burden_joint_cost_usd.item() == pytest.approx(0.75 * 1.025e6)
    assert result.sel(ally="USA").burden_benefit_usd.item() == pytest.approx(0.0)


def test_burden_shares_reject_bad_rule() -> None:
    with pytest.raises(ValueError, match="'oil' is not a known rule"):
        burden_shares(pd.Series({"USA": 1.0}), "oil")  # type: ignore[arg-type]


def test_price_floor_counts_from_first_output_and_holds_last_price() -> None:
    # Output starts in month 2 of a 3-month path; a 1-year contract sees prices 90 then 90 held.
    # F = 100: the state pays 10 USD/kg x 1,000 x 10 t x 12 months = 1.2 m.
    price = xr.DataArray([[120.0, 120.0, 90.0]], dims=("scenario", "month"))
    window = contract_prices(price, 2, 12)
    tonnes = deliveries(120.0, xr.DataArray([1.0], dims="scenario"), 12)
    net, outlay = price_floor_cost(window, xr.DataArray([1.0], dims="scenario"), 100.0, 0.3, tonnes)
    assert (net, outlay) == (pytest.approx(1.2e6), pytest.approx(1.2e6))


def test_the_printed_summary_writes_no_number_in_scientific_notation():
    import re

    from critmin.optimise.summary import summary_text
    from critmin.optimise.testing import tiny_inputs

    text = summary_text(optimise(**tiny_inputs(), budget=1e6), None, None)
    assert "MIP gap 0.00%" in text
    assert not re.search(r"\d[eE][+-]\d", text), text
