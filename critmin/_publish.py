"""A command's outputs appear as one set: written into a folder beside the target, then swapped in.

Renaming files one by one leaves a mix of old and new files when the process is killed half-way.
:func:`publish_folder` writes every output into a fresh folder beside `target`, adds (as hard
links) the old entries the command does not own, and exchanges the two folders in one
``renameat2(RENAME_EXCHANGE)`` call: at every instant `target` is the complete old result or the
complete new one. Leftover folders of killed runs are removed by the next successful one.

Examples
--------
>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> _ = publish_folder(root / "out", lambda folder: (folder / "a.csv").write_text("1"))
>>> _ = publish_folder(root / "out", lambda folder: (folder / "b.csv").write_text("2"), owns=lambda name: True)
>>> sorted(p.name for p in (root / "out").iterdir()), sorted(p.name for p in root.iterdir())
(['b.csv'], ['out'])
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from critmin._io import _UMASK

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (then the caller renames twice)."""
    renameat2 = getattr(_LIBC, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


def _link(source: Path, destination: Path) -> None:
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, destination, copy_function=os.link, symlinks=True)
    else:
        os.link(source, destination, follow_symlinks=False)


def _leftovers(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.new-*")) + sorted(target.parent.glob(f".{target.name}.old-*"))


def publish_folder(
    target: str | Path, write: Callable[[Path], object], owns: Callable[[str], bool] = lambda name: False
) -> Path:
    """Call ``write(folder)`` on a fresh folder, then make it `target` in one step.

    Entries of the old `target` that `write` did not create and that ``owns(name)`` does not claim
    (other commands' results in a shared ``--out``) are kept. If `write` fails or the process is
    killed, `target` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        write(staging)
        if target.is_dir():
            for entry in target.iterdir():
                if not owns(entry.name) and not (staging / entry.name).exists():
                    _link(entry, staging / entry.name)
        os.chmod(staging, 0o777 & ~_UMASK)
        if not target.exists():
            os.rename(staging, target)
        elif _exchange(staging, target):
            shutil.rmtree(staging)
        else:  # no atomic exchange here: the old result is moved aside only for the instant between renames
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, old / "result")
            os.rename(staging, target)
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for leftover in _leftovers(target):
        shutil.rmtree(leftover, ignore_errors=True)
    return target
