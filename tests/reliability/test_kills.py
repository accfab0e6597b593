"""A real SIGKILL at any point leaves the complete old result or the complete new one, never a mix."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

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
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _kill_after(argv: list[str], seconds: float) -> None:
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    process.send_signal(signal.SIGKILL)
    process.wait()


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


@pytest.mark.slow
def test_shock_killed_at_several_points(tmp_path: Path) -> None:
    shock = [sys.executable, "-m", "critmin.cli", "shock", "backtest_ga_ge_2023", "--quiet"]
    out = tmp_path / "out"
    subprocess.run([*shock, "--draws", "2", "--out", str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    old = _contents(out)
    reference = tmp_path / "reference"
    started = time.monotonic()
    subprocess.run([*shock, "--draws", "3", "--out", str(reference)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    duration = time.monotonic() - started
    new = _contents(reference)
    differing = [name for name in old if name.endswith(".csv") and old[name] != new[name]]
    assert set(old) == set(new) and differing
    for share in (0.5, 0.8, 0.9, 0.97):
        _kill_after([*shock, "--draws", "3", "--out", str(out)], duration * share)
        found = _contents(out)
        # the old run whole, or the new run whole: never some files of each
        assert found == old or (set(found) == set(new) and all(found[n] == new[n] for n in differing)), share
    subprocess.run([*shock, "--draws", "3", "--out", str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "reference"]
    assert os.listdir(out) and set(_contents(out)) == set(new)
