"""The README's command list and counts match the code."""

from __future__ import annotations

import argparse
from pathlib import Path

from critmin.cli import build_parser
from critmin.scenarios import LIBRARY

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]


def test_every_command_is_in_the_readme():
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name in commands.choices:
        assert f".venv/bin/critmin {name}" in README, name


def test_scenario_library_count_matches():
    count = len(list(Path(str(LIBRARY)).glob("*.toml")))
    assert f"{NUMBERS[count]} examples are in" in README
