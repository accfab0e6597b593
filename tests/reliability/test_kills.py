"""A real SIGKILL at any point leaves the complete old result or the complete new one, never a mix."""

from __future__ import annotations

import hashlib
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from critmin.optimise.pipeline import OPTIMISE_FILES

ROOT = Path(__file__).parents[2]
VARYING = re.compile(rb"generated \d+ \w+ \d{4}, \d\d:\d\d UTC|\n\w+_seconds,[^\n]*")
"""The briefing's time stamp and the timings in summary.csv: they differ between two runs of one command."""

SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from critmin._publish import publish_folder

    def write(folder):
        for i in range(6):
            (folder / f"part{i}.csv").write_text(sys.argv[2] * 1000)
            time.sleep(0.15)

    publish_folder(Path(sys.argv[1]), write, owns=lambda name: name.startswith("part"))
    """
)


def _contents(folder: Path) -> dict[str, str]:
    """Hash of every file under `folder`, without the parts that vary between two identical runs."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(VARYING.sub(b"generated", p.read_bytes())).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _kill_after(argv: list[str], seconds: float) -> None:
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    process.send_signal(signal.SIGKILL)
    process.wait()


def _kill_when(argv: list[str], ready: Callable[[], bool], timeout: float = 300) -> None:
    """Start `argv` and SIGKILL it the moment ``ready()`` holds (polled every 5 ms)."""
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not ready() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the command ended before the kill point"


def test_publish_folder_killed_at_every_stage(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "other_command.csv").write_text("kept", encoding="utf-8")
    writer = [sys.executable, "-c", SLOW_WRITER, str(out)]
    subprocess.run([*writer, "old"], cwd=ROOT, check=True)
    old = _contents(out)
    new_folder = tmp_path / "reference"
    new_folder.mkdir()
    (new_folder / "other_command.csv").write_text("kept", encoding="utf-8")
    subprocess.run([sys.executable, "-c", SLOW_WRITER, str(new_folder), "new"], cwd=ROOT, check=True)
    new = _contents(new_folder)
    for seconds in (0.3, 0.6, 1.0, 1.4):
        _kill_after([*writer, "new"], seconds)
        assert _contents(out) in (old, new), seconds
    subprocess.run([*writer, "new"], cwd=ROOT, check=True)
    assert _contents(out) == new
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "reference"]  # leftovers cleaned


def test_failed_write_leaves_the_old_result(tmp_path: Path) -> None:
    from critmin._publish import publish_folder

    out = tmp_path / "out"
    publish_folder(out, lambda folder: (folder / "a.csv").write_text("old", encoding="utf-8"))

    def broken(folder: Path) -> None:
        (folder / "a.csv").write_text("new", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        publish_folder(out, broken)
    assert (out / "a.csv").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _kill_at_shares(
    tmp_path: Path, command: list[str], old_args: list[str], new_args: list[str], shares: tuple[float, ...]
) -> None:
    """Run `command` to an old result, kill a new run at `shares` of its duration, check the folder each time.

    Files whose bytes differ between the old and the new run must never be found half old, half
    new; after a later successful run no staging folder of a killed run is left beside ``--out``.
    """
    out = tmp_path / "out"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run([*command, *old_args, "--out", str(out)], cwd=ROOT, check=True, **quiet)  # type: ignore[call-overload]
    old = _contents(out)
    reference = tmp_path / "reference"
    started = time.monotonic()
    subprocess.run([*command, *new_args, "--out", str(reference)], cwd=ROOT, check=True, **quiet)  # type: ignore[call-overload]
    duration = time.monotonic() - started
    new = _contents(reference)
    differing = [name for name in old if name.endswith((".csv", ".txt", ".html")) and old[name] != new.get(name)]
    assert set(old) == set(new) and differing
    for share in shares:
        _kill_after([*command, *new_args, "--out", str(out)], duration * share)
        found = _contents(out)
        # the old run whole, or the new run whole: never some files of each
        assert found == old or (set(found) == set(new) and all(found[n] == new[n] for n in differing)), share
    subprocess.run([*command, *new_args, "--out", str(out)], cwd=ROOT, check=True, **quiet)  # type: ignore[call-overload]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "reference"]
    assert set(_contents(out)) == set(new) and all(_contents(out)[n] == new[n] for n in differing)


CRITMIN = [sys.executable, "-m", "critmin.cli"]


@pytest.mark.slow
def test_shock_killed_at_several_points(tmp_path: Path) -> None:
    shock = [*CRITMIN, "shock", "backtest_ga_ge_2023", "--quiet"]
    _kill_at_shares(tmp_path, shock, ["--draws", "2"], ["--draws", "3"], (0.5, 0.8, 0.9, 0.97))


@pytest.mark.heavy
def test_optimise_killed_at_several_points(tmp_path: Path) -> None:
    optimise = [*CRITMIN, "optimise", "--scenarios", "backtest_ga_ge_2023", "--draws", "1", "--quiet"]
    _kill_at_shares(tmp_path, optimise, ["--budget", "5e8"], ["--budget", "1e9"], (0.6, 0.9, 0.97))


@pytest.mark.heavy
def test_report_killed_at_several_points(tmp_path: Path) -> None:
    report = [*CRITMIN, "report", "--scenarios", "backtest_ga_ge_2023", "--draws", "1"]
    _kill_at_shares(tmp_path, report, ["--seed", "1"], ["--seed", "2"], (0.6, 0.9, 0.98))


def test_optimise_killed_while_writing_keeps_the_previous_result(tmp_path: Path) -> None:
    # the kill point is found, not guessed: the moment the first new file exists beside --out
    out = tmp_path / "out"
    out.mkdir()
    previous = {name: f"previous {name}" for name in ("portfolio.nc", "summary.csv", "frontier.csv", "notes.txt")}
    for name, text in previous.items():
        (out / name).write_text(text, encoding="utf-8")
    old = _contents(out)
    optimise = [*CRITMIN, "optimise", "--scenarios", "backtest_ga_ge_2023", "--draws", "1", "--quiet"]

    def writing() -> bool:
        return any(any(staging.iterdir()) for staging in tmp_path.glob(".out.new-*"))

    _kill_when([*optimise, "--out", str(out)], writing)
    assert _contents(out) == old
    assert [p.name for p in tmp_path.glob(".out.new-*")]  # the killed run's files stayed out of --out
    subprocess.run([*optimise, "--out", str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    found = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in out.iterdir()}
    assert found["notes.txt"] == previous["notes.txt"]  # another command's file is kept
    assert OPTIMISE_FILES | {"summary.csv", "stockpiles.csv", "projects.csv"} <= set(found)
    assert all(found[name] != previous[name] for name in ("portfolio.nc", "summary.csv", "frontier.csv"))


@pytest.mark.heavy
def test_run_killed_while_writing_keeps_the_previous_result(tmp_path: Path) -> None:
    # `critmin run` takes minutes: killed at its first file and once its last section is written
    out = tmp_path / "out"
    (out / "report").mkdir(parents=True)
    previous = {"stage_shares.csv": "previous", "report/briefing.html": "previous", "notes.txt": "mine"}
    for name, text in previous.items():
        (out / name).write_text(text, encoding="utf-8")
    old = _contents(out)
    run = [*CRITMIN, "run", "--out", str(out)]

    def staged(name: str) -> Callable[[], bool]:
        return lambda: any((staging / name).exists() for staging in tmp_path.glob(".out.new-*"))

    for ready in (staged("stage_shares.csv"), staged("report/briefing.html")):
        _kill_when(run, ready, timeout=1800)
        assert _contents(out) == old
    subprocess.run(run, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    found = _contents(out)
    assert {"stage_shares.csv", "report/briefing.html", "response/portfolio.nc", "sweep/sweep.nc"} <= set(found)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert all(found[name] != old[name] for name in ("stage_shares.csv", "report/briefing.html"))
