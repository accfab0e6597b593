"""Malformed sweep files: every problem listed at once, nothing created."""

from __future__ import annotations

from pathlib import Path

import pytest

from critmin.errors import ScenarioError
from critmin.sweep.run import run_sweep

BAD = """
name = "bad"
base = "backtest_ga_ge_2023"
seed = "eleven"
draws_per_case = -3
colour = "blue"
allies = ["JPN", "ZZZ"]

[grid]

[policies.more]
stockpile_multiplier = {holders = {XYZ = 2.0}}
"""

BAD_AXES = """
name = "bad-axes"
base = "backtest_ga_ge_2023"
seed = 1
draws_per_case = 2

[grid]
"events[0].controller" = ["CHN", "XXX"]
"events[0].duration_months" = []
"events[0].leakage" = [0.1, 1.5]
"""


def _problems(tmp_path: Path, text: str) -> tuple[str, Path]:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "store"
    with pytest.raises(ScenarioError) as err:
        run_sweep(path, workers=2, out=out, progress=False)
    assert not out.exists(), "a store was created for an invalid sweep"
    return str(err.value), out


def test_all_problems_listed_before_any_work(tmp_path: Path) -> None:
    message, _ = _problems(tmp_path, BAD)
    assert "6 problem(s)" in message, message
    for expected in (
        "'seed': 'eleven' is not a whole number",
        "'draws_per_case': -3 is below 1",
        "'colour': unknown key",
        "'ZZZ' is not a known country code",
        "'grid': empty grid",
        "unknown holder 'XYZ'",
    ):
        assert expected in message, message


def test_grid_values_checked_one_by_one(tmp_path: Path) -> None:
    message, _ = _problems(tmp_path, BAD_AXES)
    assert "'XXX' is not a known country code" in message, message
    assert "empty or not a list" in message
    assert "1.5 is outside [0, 1]" in message


def test_unknown_portfolio_rows(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("holder,material,tonnes\nMARS,gallium,-1\n", encoding="utf-8")
    text = BAD_AXES.split("[grid]")[0] + '[policies.p]\nportfolio = "p.csv"\n'
    message, _ = _problems(tmp_path, text)
    assert "p.csv, row 2, field 'holder'" in message and "field 'tonnes'" in message
