"""Uploaded data packages: unpacked safely into a per-session folder, validated by critmin.load.

Only file *contents* come from the browser. Names are reduced to a plain base name, only
``.csv`` and ``.json`` files are kept, archives may not hold paths that climb out of the folder,
and sizes are capped. Problems are reported as lines in the style of :class:`~critmin.Issue`.

Examples
--------
>>> import io, tempfile, zipfile
>>> from pathlib import Path
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w") as archive:
...     archive.writestr("pkg/production.csv", "material\\n")
...     archive.writestr("../evil.csv", "x\\n")
>>> folder = Path(tempfile.mkdtemp())
>>> unpack([("pkg.zip", buffer.getvalue())], folder)
['pkg.zip: member ../evil.csv climbs out of the archive. Fix: zip the package folder itself.']
>>> sorted(p.name for p in folder.iterdir())
['production.csv']
"""

from __future__ import annotations

import io
import math
import re
import shutil
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

import xarray as xr

from critmin.errors import DataError

MAX_BYTES = 50 * 1024 * 1024
MAX_FILES = 40
KEPT = re.compile(r"^[A-Za-z0-9_.-]{1,100}\.(csv|json)$")
MAX_UPLOADS = 20
"""Uploads one browser session may make per hour: each is unpacked and validated on the shared server."""
UPLOAD_WINDOW_SECONDS = 3600.0


class UploadQuota:
    """At most `limit` uploads in any `window` seconds, for one session.

    Examples
    --------
    >>> now = [0.0]
    >>> quota = UploadQuota(limit=2, clock=lambda: now[0])
    >>> quota.take(), quota.take()
    (None, None)
    >>> print(quota.take())
    upload: this session already made 2 uploads in the last hour (at most 2 allowed). Fix: wait 60 minutes, \
or put every file in one ZIP of the data package and upload that once.
    >>> now[0] = 3600.0
    >>> print(quota.take())
    None
    """

    def __init__(
        self,
        limit: int = MAX_UPLOADS,
        window: float = UPLOAD_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._times: list[float] = []

    def take(self) -> str | None:
        """Count one upload and return None, or return the refusal when the session is over its limit."""
        now = self.clock()
        self._times = [t for t in self._times if now - t < self.window]
        if len(self._times) >= self.limit:
            minutes = math.ceil((self.window - (now - self._times[0])) / 60)
            return (
                f"upload: this session already made {len(self._times)} uploads in the last hour "
                f"(at most {self.limit} allowed). Fix: wait {minutes} minutes, or put every file in one ZIP "
                "of the data package and upload that once."
            )
        self._times.append(now)
        return None


def _plain(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).name


def _keep(name: str, data: bytes, folder: Path, problems: list[str], origin: str) -> None:
    if not KEPT.match(name):
        problems.append(
            f"{origin}: {name!r} is not a .csv or .json file with a plain name. "
            "Fix: upload the package's CSV files (and datapackage.json) only."
        )
        return
    (folder / name).write_bytes(data)


def unpack(files: Sequence[tuple[str, bytes]], folder: Path) -> list[str]:
    """Write uploaded CSV/JSON files, or the CSV/JSON members of ZIP files, into `folder`.

    Returns
    -------
    list of str
        One line per problem; the files that passed are written even when some did not.
    """
    problems: list[str] = []
    total = 0
    count = 0
    for raw_name, data in files:
        name = _plain(raw_name)
        total += len(data)
        if not name.lower().endswith(".zip"):
            count += 1
            _keep(name, data, folder, problems, name)
            continue
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            problems.append(f"{name}: not a readable ZIP archive. Fix: zip the package folder again.")
            continue
        with archive:
            for member in archive.infolist():
                path = PurePosixPath(member.filename)
                if member.is_dir() or path.name.startswith(".") or "__MACOSX" in path.parts:
                    continue
                if path.is_absolute() or ".." in path.parts:
                    problems.append(
                        f"{name}: member {member.filename} climbs out of the archive. "
                        f"Fix: zip the package folder itself."
                    )
                    continue
                total += member.file_size
                count += 1
                if total > MAX_BYTES or count > MAX_FILES:
                    problems.append(
                        f"{name}: more than {MAX_FILES} files or {MAX_BYTES // 2**20} MB. Fix: upload one data package."
                    )
                    return problems
                _keep(path.name, archive.read(member), folder, problems, name)
    if total > MAX_BYTES or count > MAX_FILES:
        problems.append(
            f"upload: more than {MAX_FILES} files or {MAX_BYTES // 2**20} MB. Fix: upload one data package."
        )
    return problems


def validate(files: Sequence[tuple[str, bytes]], folder: Path) -> tuple[xr.Dataset | None, list[str]]:
    """Unpack `files` into a fresh `folder` and load it: (dataset, []) or (None, problem lines)."""
    problems = unpack_fresh(files, folder)
    return (None, problems) if problems else load_unpacked(folder)


def unpack_fresh(files: Sequence[tuple[str, bytes]], folder: Path) -> list[str]:
    """Empty `folder` and unpack `files` into it (fast: no parsing); the problems, [] when it can be loaded."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    problems = unpack(files, folder)
    if not any(folder.iterdir()):
        return problems or ["upload: no CSV file found. Fix: upload a zipped data package or its CSV files."]
    return problems


def load_unpacked(folder: Path) -> tuple[xr.Dataset | None, list[str]]:
    """Load and check the files :func:`unpack` wrote: (dataset, []) or (None, problem lines without the folder)."""
    from critmin.data import load

    try:
        return load(folder), []
    except DataError as error:
        return None, [str(issue).replace(f"{folder}/", "") for issue in error.issues]
