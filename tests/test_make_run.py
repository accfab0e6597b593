"""`make run` on a fresh machine: no dev tools, Chromium tried the way `make test` does, and a
briefing written as HTML (with one line saying why) when no PDF printer can be had."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_make_run_installs_critmin_without_dev_tools_and_tries_chromium(tmp_path):
    plan = subprocess.run(
        ["make", "-n", "run", f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "pip install --quiet -e .\n" in plan
    assert "[dev]" not in plan
    assert "apt-get install -y -qq chromium" in plan
    assert "the briefing will be written as HTML only" in plan  # apt missing or failing does not stop the run


def test_make_test_installs_dev_tools(tmp_path):
    plan = subprocess.run(
        ["make", "-n", "test", f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert '-e ".[dev]"' in plan


def test_report_without_chromium_writes_html_and_says_why(tmp_path):
    # PATH holds only this Python's folder: no Chromium can be found, as on a machine without it.
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from critmin.cli import main; sys.exit(main())",
            "report",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "briefing.html").stat().st_size > 10_000
    assert not (tmp_path / "briefing.pdf").exists()
    skipped = [line for line in done.stdout.splitlines() if line.startswith("PDF skipped")]
    assert skipped == [
        "PDF skipped: no Chromium on PATH (looked for chromium, chromium-browser, google-chrome); "
        "install it with `apt-get install chromium` (Debian) to get the PDF; the HTML briefing is complete"
    ]


def test_license_is_an_spdx_string():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"
    assert "setuptools>=77" in project["build-system"]["requires"]
