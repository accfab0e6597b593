"""Atomic writes: a failed run never leaves a half-written or corrupted result behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)``, then rename the temporary file to `path` in one step.

    The temporary file sits in the same folder (so the rename is atomic) and is removed if
    `write` fails: an interrupted run leaves either the old file or the new one, never half.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write `text` to `path` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8", newline=""))


def atomic_write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write `frame` as UTF-8 CSV (no index) atomically."""
    return atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))
