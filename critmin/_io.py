"""Atomic writes: a failed run never leaves a half-written or corrupted result behind."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: os.umask can only be read by setting it
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def publish_mode(path: str | Path) -> None:
    """Give a file made by :func:`tempfile.mkstemp` (mode 0600) the mode the umask asks for."""
    os.chmod(path, 0o666 & ~_UMASK)


def safe_stem(text: str) -> str:
    """The one rule for file names made from user text: letters, digits, ``_ . -``; never a path.

    Examples
    --------
    >>> safe_stem("../../etc/x"), safe_stem("/abs/name"), safe_stem("ga-ge_2023"), safe_stem("..")
    ('etc_x', 'abs_name', 'ga-ge_2023', 'result')
    """
    return _UNSAFE.sub("_", text).strip("._-")[:100] or "result"


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
        publish_mode(temporary)
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
