"""`critmin shock`: bands by default, full trajectories only when asked, their size said first."""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr

from critmin.cli import main


def test_the_size_of_the_trajectories_is_printed_before_the_run(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["shock", "backtest_ga_ge_2023", "--draws", "2", "--trajectories", "--quiet", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "full trajectories: about 27 MB in memory for 2 draws x 12 months (the NetCDF file is smaller: it is compressed)"
    )
    assert (out / "backtest_ga_ge_2023.nc").stat().st_size < 25e6 / 4
    with xr.open_dataset(out / "backtest_ga_ge_2023.nc") as written:
        assert {"production", "shipments", "band_shortfall"} <= set(written.data_vars)
    assert sorted(p.name for p in out.iterdir()) == [
        "backtest_ga_ge_2023.nc",
        "backtest_ga_ge_2023__bands.csv",
        "backtest_ga_ge_2023__draws.csv",
    ]


def test_without_the_option_only_bands_and_the_summary_are_written(tmp_path: Path, capsys) -> None:
    assert main(["shock", "backtest_ga_ge_2023", "--draws", "3", "--quiet", "--out", str(tmp_path)]) == 0
    assert "full trajectories" not in capsys.readouterr().out
    with xr.open_dataset(tmp_path / "backtest_ga_ge_2023.nc") as written:
        assert "production" not in written and "band_price" in written
        assert written.sizes["draw"] == 3
        assert written.band_shortfall.encoding["zlib"]


def test_trajectories_above_the_limit_are_refused_before_any_work(tmp_path: Path, capsys) -> None:
    argv = ["shock", "japan_ree_magnet_halt_6m", "--draws", "1000", "--trajectories", "--out", str(tmp_path)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == (
        "full trajectories: about 27 GB in memory for 1,000 draws x 24 months (the NetCDF file is smaller: "
        "it is compressed)\n"
    )
    assert captured.err.splitlines()[1] == (
        "  command line, field '--trajectories': full trajectories of 1,000 draws take about 27 GB in memory, above "
        "the limit of 2.0 GB. Fix: leave out --trajectories (the monthly bands are kept for any number of draws), "
        "ask for at most 75 draws, or add --allow-large to keep them anyway."
    )
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("draws", [1, 200])
def test_stop_table_prints_from_bands_only(draws: int, capsys) -> None:
    assert main(["shock", "backtest_ga_ge_2023", "--draws", str(draws), "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("backtest_ga_ge_2023")
