"""Bad command-line input: exit 2 with the exact message, and nothing written.

Missing scenario and sweep files, unknown codes, years the dataset lacks, counts below their
minimum, a stage that is not one of the material's, and an unreachable Dask scheduler.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from critmin.cli import main

SCENARIO_PROBLEM = "field '(file)': no such scenario file, and no library scenario of that name."
LIBRARY_NAMES = "backtest_ga_ge_2023, backtest_graphite_2023, backtest_ree_japan_2010, critical_minerals_ban_usa"


@pytest.mark.parametrize(
    ("argv", "program"),
    [
        (["shock", "nosuch"], "critmin shock"),
        (["report", "--scenarios", "nosuch", "--out", "{out}"], "critmin report"),
        (
            ["optimise", "--scenarios", "backtest_ga_ge_2023", "nosuch", "--draws", "1", "--out", "{out}"],
            "critmin optimise",
        ),
    ],
)
def test_missing_scenario(argv: list[str], program: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main([a.replace("{out}", str(out)) for a in argv]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{program}: 1 problem(s) in input; nothing was loaded:"
    assert err[1].startswith(f"  nosuch, {SCENARIO_PROBLEM} Fix: give the path of a TOML scenario file or one of")
    assert LIBRARY_NAMES in err[1]
    assert not out.exists()


def test_missing_sweep_file_is_one_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "store"
    assert main(["sweep", str(tmp_path / "nosuch.toml"), "--workers", "0", "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "critmin sweep: 1 problem(s) in input; nothing was loaded:",
        f"  {tmp_path / 'nosuch.toml'}, field '(file)': no such sweep file, and no library sweep of that name. "
        "Fix: give the path of a TOML sweep file or one of the library's: small, us_magnet_plant.",
    ]
    assert not out.exists()


def test_missing_eu_sr_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "in.csv"
    assert main(["indicators", "eu-sr", "--inputs", str(missing)]) == 2
    assert capsys.readouterr().err.splitlines()[1] == (
        f"  {missing}, field '(file)': the file does not exist. Fix: check the path given to --inputs."
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["shock", "backtest_ga_ge_2023", "--draws", "0"], "critmin shock: error: argument --draws: 0 is below 1"),
        (["report", "--draws", "x"], "critmin report: error: argument --draws: 'x' is not a whole number"),
        (["sweep", "small", "--workers", "-1"], "critmin sweep: error: argument --workers: -1 is below 0"),
        (
            ["exposure", "--country", "XXX"],
            "critmin exposure: error: argument --country: 'XXX' is not a country code "
            "(use ISO 3166 alpha-3 such as JPN, or EU27)",
        ),
        (
            ["exposure", "--stage", "smelting"],
            "critmin exposure: error: argument --stage: invalid choice: 'smelting' (choose from 'mining', "
            "'separation', 'refining', 'metal', 'alloy', 'magnet', 'end_use')",
        ),
    ],
)
def test_argument_out_of_range(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == message


def test_year_without_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shares", "--year", "1900"]) == 2
    line = capsys.readouterr().err.splitlines()[1]
    assert line.startswith(
        "  the packaged dataset, field '--year': 1900 is not a year with production data. Fix: give one of: "
    )
    assert ", 2024, " in line


def test_shares_year_lists_only_production_years(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shares", "--year", "2030"]) == 2
    line = capsys.readouterr().err.splitlines()[1]
    assert "2008" not in line and "2011" not in line  # price-only years are not shares years


def test_shares_for_a_material_without_data_that_year(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shares", "--year", "2020", "--material", "gallium"]) == 2
    assert capsys.readouterr().err.splitlines()[1] == (
        "  the packaged dataset, field '--year': no production data for gallium in 2020. "
        "Fix: give one of gallium's years: 2024, 2025."
    )


def test_stage_not_of_every_material(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exposure", "--material", "ndfeb", "--material", "gallium", "--stage", "magnet"]) == 2
    assert capsys.readouterr().err.splitlines()[1:] == [
        "  command line, field '--stage': 'magnet' is not a stage of gallium. "
        "Fix: use one of gallium's stages: refining, metal."
    ]


def test_unreachable_scheduler(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "store"
    assert main(["sweep", "small", "--scheduler", "nowhere", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[1] == (
        "  nowhere, field '--scheduler': not a scheduler address. "
        "Fix: write tcp://HOST:PORT or tls://HOST:PORT, e.g. tcp://10.0.0.5:8786."
    )
    assert not out.exists()
