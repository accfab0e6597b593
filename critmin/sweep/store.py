"""The sweep store: one NetCDF file per chunk, committed atomically, and an index of commits.

Layout of ``OUT/``::

    manifest.json           sweep digest, dataset hash, scenario count, the chunk plan
    index.json              committed chunks: {id: {start, stop, file, sha256}}, rewritten
                            atomically after every commit
    chunks/chunk-000007.nc  scenarios [start, stop) of chunk 7 (dim ``scenario``)
    sweep.nc                the combined result, written once every chunk is in
    summary.json            the sweep summary (critmin.sweep.summary)

Why NetCDF per chunk rather than Zarr regions: a chunk is committed by one ``os.replace`` of a
complete file (POSIX-atomic), so a killed run leaves either the whole chunk or none of it;
a Zarr region write touches many files, so a kill can leave a half-written region that only a
separate marker could expose. Only the client process writes (workers return results), so the
store works on clusters without a shared file system and the index has a single writer. The
index is a cache of what is on disk: on resume each listed chunk is re-hashed and a chunk that
is missing or differs is recomputed.

Examples
--------
>>> import tempfile
>>> store = Store(tempfile.mkdtemp())
>>> store.committed()
{}
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import xarray as xr

from critmin._io import atomic_write

ENGINE: Final = "netcdf4"
"""NetCDF engine of every file (byte-identical output for identical data was checked)."""


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def atomic_json(path: Path, data: Any) -> None:
    """Write JSON atomically, keys sorted, fixed formatting."""
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def encoding(ds: xr.Dataset) -> dict[Hashable, dict[str, Any]]:
    """Fixed encoding: zlib level 4 with shuffle for numeric data variables."""
    return {
        name: {"zlib": True, "complevel": 4, "shuffle": True}
        for name, var in ds.data_vars.items()
        if var.dtype.kind in "fiub"
    }


def write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write `ds` atomically with the fixed encoding."""
    atomic_write(path, lambda p: ds.to_netcdf(p, engine=ENGINE, encoding=encoding(ds)))


def netcdf_bytes(ds: xr.Dataset) -> bytes:
    """The bytes :func:`write_netcdf` would write for `ds` (through a private temporary file).

    Workers encode and compress their own chunk, so the client only writes bytes: it ships
    ~35 times less data and leaves the cores to the workers.

    Examples
    --------
    >>> ds = xr.Dataset({"x": ("scenario", [1.0, 2.0])})
    >>> netcdf_bytes(ds)[1:4]
    b'HDF'
    """
    handle, name = tempfile.mkstemp(suffix=".nc", prefix="critmin-chunk-")
    os.close(handle)
    try:
        ds.to_netcdf(name, engine=ENGINE, encoding=encoding(ds))
        return Path(name).read_bytes()
    finally:
        os.unlink(name)


class Store:
    """A sweep store folder (layout in the module docstring)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.manifest_path = self.root / "manifest.json"
        self.index_path = self.root / "index.json"
        self.final_path = self.root / "sweep.nc"
        self._index: dict[str, dict[str, Any]] = {}

    def chunk_path(self, chunk: int) -> Path:
        """File of one chunk."""
        return self.root / "chunks" / f"chunk-{chunk:06d}.nc"

    def exists(self) -> bool:
        """Whether a sweep was started here."""
        return self.manifest_path.exists()

    def create(self, manifest: Mapping[str, Any]) -> None:
        """Start a new store: manifest and an empty index."""
        atomic_json(self.manifest_path, dict(manifest))
        self._index = {}
        atomic_json(self.index_path, {"chunks": {}})

    def manifest(self) -> dict[str, Any]:
        """The manifest written by :meth:`create`."""
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def committed(self) -> dict[str, dict[str, Any]]:
        """Committed chunks as listed in the index (not verified)."""
        if not self.index_path.exists():
            return {}
        return json.loads(self.index_path.read_text(encoding="utf-8"))["chunks"]

    def verified(self) -> dict[str, dict[str, Any]]:
        """Committed chunks whose file exists and still has the recorded sha256."""
        good = {}
        for key, entry in self.committed().items():
            path = self.root / entry["file"]
            if path.exists() and sha256_file(path) == entry["sha256"]:
                good[key] = entry
        self._index = dict(good)
        return good

    def commit(self, chunk: int, start: int, stop: int, payload: bytes) -> None:
        """Write a chunk file (NetCDF bytes from :func:`netcdf_bytes`) atomically, then the index."""
        path = self.chunk_path(chunk)
        atomic_write(path, lambda p: p.write_bytes(payload))
        self._index[str(chunk)] = {
            "start": start,
            "stop": stop,
            "sha256": hashlib.sha256(payload).hexdigest(),
            "file": str(path.relative_to(self.root)),
        }
        atomic_json(self.index_path, {"chunks": self._index})

    def assemble(self, n_scenarios: int) -> xr.Dataset:
        """All chunks concatenated in scenario order (never in completion order)."""
        entries = sorted(self.committed().values(), key=lambda e: e["start"])
        parts = []
        for entry in entries:
            with xr.open_dataset(self.root / entry["file"], engine=ENGINE) as ds:
                parts.append(ds.load())
        combined = xr.concat(parts, dim="scenario", data_vars="all", coords="minimal", join="outer", compat="override")
        order = combined["scenario"].values
        if not np.array_equal(order, np.arange(n_scenarios)):
            raise RuntimeError(
                f"store {self.root} holds scenarios {order.min()}..{order.max()} "
                f"({order.size}), expected 0..{n_scenarios - 1}"
            )
        return combined
