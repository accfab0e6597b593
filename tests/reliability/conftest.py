"""Shared helpers of the reliability corpus: run the real command, capture exit code and message."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from critmin.cli import main

MINI = Path(__file__).parents[1] / "data" / "mini"
SCENARIO = """\
name = "t"
horizon_months = 6
start = "2026-01"
seed = 1
draws = 2

[[events]]
kind = "export_control"
controller = "CHN"
materials = ["ndfeb"]
destinations = ["JPN"]
announced = 1
effective = 1
lifted = 4
"""
"""A small valid scenario the cases edit."""


@dataclass(frozen=True)
class Outcome:
    code: int
    err: str
    out: str

    @property
    def problems(self) -> list[str]:
        """The problem lines of the error message (file, row/key, field, problem, fix)."""
        return [line.strip() for line in self.err.splitlines()[1:] if line.startswith("  ")]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``run_cli(*argv)``: run ``critmin`` in a fresh folder; every bad input must exit 2 with a message."""
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> Outcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.err, captured.out)

    return run


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A writable copy of the small valid data package."""
    return Path(shutil.copytree(MINI, tmp_path / "pkg"))


def edited(text: str, old: str, new: str) -> str:
    """`text` with `old` replaced once by `new` (which must be there)."""
    assert old in text, old
    return text.replace(old, new, 1)
