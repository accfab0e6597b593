"""Print the HTML briefing to PDF with headless Chromium (no network, no profile left behind).

Chromium runs with background networking, component updates and sync off, a throw-away
profile, and prints to a temporary file that is renamed into place only when it is a PDF.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from critmin._io import publish_mode
from critmin.errors import CritminError

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
"""Executables looked up on ``PATH``, in this order."""
TIMEOUT_S = 120


class PrinterUnavailable(CritminError):
    """No Chromium on ``PATH``: the briefing can be written as HTML only."""


def printer_problem() -> str | None:
    """Why the PDF cannot be printed here (no Chromium on ``PATH``), or None when it can.

    >>> printer_problem() is None or "Chromium" in printer_problem()
    True
    """
    if any(shutil.which(candidate) for candidate in CHROMIUM_CANDIDATES):
        return None
    return (
        "no Chromium on PATH (looked for " + ", ".join(CHROMIUM_CANDIDATES) + "); "
        "install it with `apt-get install chromium` (Debian) to get the PDF"
    )


def chromium_path() -> str:
    """Path of a Chromium executable, or raise :class:`PrinterUnavailable` saying how to install one."""
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise PrinterUnavailable(
        "Chromium is needed to print the briefing to PDF; install it with "
        "`apt-get install chromium` (Debian) and run again."
    )


def chromium_flags(profile: str | Path) -> list[str]:
    """Flags for a headless, offline Chromium with the given throw-away profile folder."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
    ]


def print_pdf(html_path: str | Path, pdf_path: str | Path) -> Path:
    """Print `html_path` to `pdf_path` (A4, no header or footer) atomically.

    Raises
    ------
    CritminError
        When Chromium is missing, fails or does not write a PDF; an existing `pdf_path` is kept.
    """
    source = Path(html_path).resolve()
    target = Path(pdf_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".pdf", dir=target.parent)
    os.close(handle)
    try:
        with tempfile.TemporaryDirectory(prefix="critmin-chromium-") as profile:
            command = [
                chromium_path(),
                *chromium_flags(profile),
                f"--print-to-pdf={temporary}",
                "--no-pdf-header-footer",
                source.as_uri(),
            ]
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        written = Path(temporary)
        if done.returncode != 0 or written.stat().st_size == 0 or written.read_bytes()[:5] != b"%PDF-":
            raise CritminError(
                f"Chromium did not print {source.name} (exit {done.returncode}): {done.stderr.strip()[-500:]}"
            )
        publish_mode(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
