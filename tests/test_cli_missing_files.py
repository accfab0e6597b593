"""A scenario or sweep file that does not exist: exit 2, one clear line, nothing written."""

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
        "Fix: give the path of a TOML sweep file or one of the library's: small.",
    ]
    assert not out.exists()


def test_missing_eu_sr_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "in.csv"
    assert main(["indicators", "eu-sr", "--inputs", str(missing)]) == 2
    assert capsys.readouterr().err.splitlines()[1] == (
        f"  {missing}, field '(file)': the file does not exist. Fix: check the path given to --inputs."
    )
