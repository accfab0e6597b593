"""A sweep killed with SIGKILL mid-run resumes without recomputing any committed chunk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from critmin.sweep.run import COMPUTE_LOG_ENV, run_sweep
from critmin.sweep.store import sha256_file

from .conftest import write_sweep

CHILD = """
from critmin.sweep.run import run_sweep
run_sweep({sweep!r}, workers=1, out={out!r}, progress=False, chunk_size=1)
"""


def _committed(out: Path) -> set[int]:
    try:
        return {int(k) for k in json.loads((out / "index.json").read_text())["chunks"]}
    except (OSError, ValueError):
        return set()


def _kill_after(sweep: Path, out: Path, log: Path, chunks: int) -> set[int]:
    env = dict(os.environ, **{COMPUTE_LOG_ENV: str(log)})
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(sweep=str(sweep), out=str(out))],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(_committed(out)) < chunks and time.monotonic() < deadline:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return _committed(out)


def test_kill_and_resume(tmp_path: Path, monkeypatch) -> None:
    sweep = write_sweep(tmp_path, draws=6, horizon=12)  # 48 scenarios, 48 chunks
    out = tmp_path / "killed"
    before = _kill_after(sweep, out, tmp_path / "log-killed", chunks=4)
    assert 4 <= len(before) < 48
    monkeypatch.setenv(COMPUTE_LOG_ENV, str(tmp_path / "log-resume"))
    run_sweep(sweep, workers=0, out=out, resume=True, progress=False)
    recomputed = {int(p.name.split("-")[1]) for p in (tmp_path / "log-resume").iterdir()}
    assert not recomputed & before, "a committed chunk was computed again"
    assert recomputed | before == set(range(48))
    reference = tmp_path / "reference"
    run_sweep(sweep, workers=0, out=reference, progress=False, chunk_size=16)
    assert sha256_file(out / "sweep.nc") == sha256_file(reference / "sweep.nc")


def test_resume_of_finished_sweep_computes_nothing(sweep_file: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "done"
    run_sweep(sweep_file, workers=0, out=out, progress=False, chunk_size=8)
    first = sha256_file(out / "sweep.nc")
    monkeypatch.setenv(COMPUTE_LOG_ENV, str(tmp_path / "log"))
    run_sweep(sweep_file, workers=0, out=out, resume=True, progress=False)
    assert not (tmp_path / "log").exists()
    assert sha256_file(out / "sweep.nc") == first
