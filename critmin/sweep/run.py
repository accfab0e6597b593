"""Run a scenario sweep (grid x policies x draws) on Dask, resumably and reproducibly.

``run_sweep`` cuts the flat scenario index (``scenario = case * draws_per_case + draw``, order
in :mod:`critmin.sweep.spec`) into contiguous chunks, computes them in-process
(``workers=0``), on a local cluster (default, ``workers or 2`` processes of one thread, bound to
127.0.0.1) or on an existing cluster (``scheduler``), and commits each finished chunk to the
store (:mod:`critmin.sweep.store`). Results are placed by scenario index, never by arrival, so
the combined ``sweep.nc`` is byte-identical whatever the worker count, chunking or completion
order. The dataset is scattered once to every worker; each worker builds a network once per
(dataset hash, policy stockpiles, base year) and caches it.

Chunk size rule: unless given, time one batch of draws of the first case in-process (the
simulator's ``BATCH_DRAWS``, whose cost per draw is what a chunk pays) and take
``TARGET_CHUNK_SECONDS / seconds_per_scenario`` scenarios (~3 s of work: the measured Dask round
trip per chunk is ~5-20 ms, so overhead stays well under 5 %), capped so that there are at least
``CHUNKS_PER_WORKER`` chunks per worker (load balance: the last chunk leaves at most ~1/16 of a
worker's time idle), then rounded down to whole batches, because a ragged batch of 5 draws costs
about as much Python as one of 64. The plan is stored in the manifest so ``--resume`` reuses it.

Running on an existing cluster
------------------------------
On the scheduler machine::

    dask scheduler --host 10.0.0.5 --port 8786

on every worker machine (critmin installed, same version)::

    dask worker tcp://10.0.0.5:8786 --nworkers 8 --nthreads 1

then, from any machine that can reach the scheduler::

    critmin sweep my_sweep.toml --scheduler tcp://10.0.0.5:8786 --out runs/my_sweep

Workers need no shared file system: they receive the dataset from the client and return
results; only the client writes the store. Re-run with ``--resume`` after an interruption.

Examples
--------
>>> plan_chunks(10, 4)
[(0, 4), (4, 8), (8, 10)]
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import math
import os
import re
import sys
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from critmin.errors import Issue, ScenarioError
from critmin.model.build import with_holders
from critmin.shock.io import baseline_year
from critmin.shock.montecarlo import BATCH_DRAWS, simulate_draws
from critmin.shock.network import Network, build_network
from critmin.sweep.spec import Case, Sweep, SweepPolicy, load_sweep
from critmin.sweep.store import Store, netcdf_bytes, write_netcdf

TARGET_CHUNK_SECONDS = 3.0
"""Work per chunk aimed at by the chunk-size rule."""
CHUNKS_PER_WORKER = 8
"""At least this many chunks per worker when the sweep is big enough."""
SUMMARY_VARS = (
    "first_stop_offset",
    "cumulative_shortfall",
    "cumulative_final_shortfall",
    "peak_price_ratio",
    "stockpile_months_bought",
)
"""Per-draw variables kept from the simulator's summary (plus every ``parameter_*``)."""
CONNECT_TIMEOUT = "10s"
"""How long to try to reach a ``--scheduler`` before reporting it unreachable."""
COMPUTE_LOG_ENV = "CRITMIN_SWEEP_COMPUTE_LOG"
"""If set on a worker, each chunk computation drops a file there (used by the tests)."""
_NETWORKS: OrderedDict[tuple[str, str, int], Network] = OrderedDict()


def plan_chunks(n_scenarios: int, size: int) -> list[tuple[int, int]]:
    """Contiguous ``(start, stop)`` ranges of at most `size` scenarios."""
    return [(a, min(a + size, n_scenarios)) for a in range(0, n_scenarios, size)]


def dataset_hash(ds: xr.Dataset) -> str:
    """sha256 of names, dims and values of every variable and coordinate (order-independent).

    Examples
    --------
    >>> a = xr.Dataset({"x": ("i", [1.0, 2.0])})
    >>> dataset_hash(a) == dataset_hash(a.copy(deep=True))
    True
    """
    h = hashlib.sha256()
    for name in sorted(map(str, ds.variables)):
        var = ds.variables[name]
        h.update(f"{name}|{var.dims}|{var.dtype}|".encode())
        values = np.asarray(var.values)
        if values.dtype.kind == "O":
            h.update("\x1f".join(map(str, values.ravel())).encode())
        else:
            h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def adjust_stockpile(ds: xr.Dataset, policy: SweepPolicy) -> xr.Dataset:
    """The dataset with the policy's stockpile multipliers and portfolio tonnes applied.

    Every year carries the value the network would read for it (latest at or before, else
    earliest after); multipliers (holder x material) scale it and portfolio tonnes are added,
    new holders (a joint reserve's ally shares) first given their country.
    """
    if not (policy.holder_multiplier or policy.material_multiplier or policy.portfolio):
        return ds
    if policy.new_holders:
        ds = with_holders(ds, policy.new_holders)
    stock = ds["stockpile"].ffill("year").bfill("year").fillna(0.0)
    factor = xr.ones_like(stock.isel(year=0, drop=True))
    for holder, mult in policy.holder_multiplier:
        factor.loc[{"holder": holder}] = factor.sel(holder=holder) * mult
    for material, mult in policy.material_multiplier:
        if material in factor["material"].values:
            factor.loc[{"material": material}] = factor.sel(material=material) * mult
    added = xr.zeros_like(factor)
    for holder, material, tonnes in policy.portfolio:
        added.loc[{"holder": holder, "material": material}] += tonnes
    return ds.assign(stockpile=(stock * factor + added).assign_attrs(ds["stockpile"].attrs))


def network_for(dataset: xr.Dataset, key: str, policy: SweepPolicy, year: int) -> Network:
    """The network of a dataset under a policy's stockpiles, cached per process (LRU of 8)."""
    cache_key = (key, policy.stock_key, year)
    if cache_key not in _NETWORKS:
        _NETWORKS[cache_key] = build_network(adjust_stockpile(dataset, policy), year=year)
        while len(_NETWORKS) > 8:
            _NETWORKS.popitem(last=False)
    _NETWORKS.move_to_end(cache_key)
    return _NETWORKS[cache_key]


def chunk_parts(cases: Sequence[Case], draws_per_case: int, start: int, stop: int) -> list[tuple[Case, int, int]]:
    """(case, first draw, end draw) pieces of the scenario range ``[start, stop)``.

    Examples
    --------
    >>> [(c, a, b) for c, a, b in chunk_parts(list(range(3)), 5, 3, 12)]
    [(0, 3, 5), (1, 0, 5), (2, 0, 2)]
    """
    parts = []
    for c in range(start // draws_per_case, (stop - 1) // draws_per_case + 1):
        a = max(start - c * draws_per_case, 0)
        b = min(stop - c * draws_per_case, draws_per_case)
        parts.append((cases[c], a, b))
    return parts


def _simulate_part(dataset: xr.Dataset, key: str, case: Case, a: int, b: int, d: int) -> xr.Dataset:
    scenario = case.scenario
    net = network_for(dataset, key, case.policy, baseline_year(dataset, scenario))
    out = simulate_draws(net, scenario, range(a, b), trajectories=False, bands=False)
    keep = [v for v in out.data_vars if v in SUMMARY_VARS or str(v).startswith("parameter_")]
    out = out[keep].drop_vars([c for c in out.coords if c not in out.dims])
    out = out.assign_coords(draw=case.index * d + np.arange(a, b, dtype=np.int64))
    return out.rename(draw="scenario").drop_attrs()


@functools.cache
def keep_arrays_on_heap() -> bool:
    """Let glibc serve the simulator's array temporaries from the heap in this process.

    A Dask nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``. Setting any malloc
    threshold freezes glibc's adaptive mmap threshold at 128 KiB, so every temporary array of
    the simulator (a few hundred KiB to a few MiB) is mmapped, page-faulted and unmapped again:
    a chunk then takes twice as long in a worker as in a plain process (about a million minor
    page faults per 100 scenarios). Raising the mmap threshold to 32 MiB and the trim threshold
    to 128 MiB restores the plain-process speed; the cost is up to 128 MiB of freed memory kept
    per worker. Runs once per process; returns False where glibc's ``mallopt`` is unavailable.
    """
    name = ctypes.util.find_library("c")
    if sys.platform != "linux" or not name:
        return False
    mallopt = getattr(ctypes.CDLL(name), "mallopt", None)
    if mallopt is None:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_trim_threshold, 1 << 27)) and bool(mallopt(m_mmap_threshold, 1 << 25))


def compute_chunk(
    dataset: xr.Dataset, key: str, draws_per_case: int, parts: Sequence[tuple[Case, int, int]], chunk: int
) -> bytes:
    """Simulate one chunk (runs on a worker): its NetCDF file, per-draw summaries along ``scenario``."""
    keep_arrays_on_heap()
    pieces = [_simulate_part(dataset, key, case, a, b, draws_per_case) for case, a, b in parts]
    out = xr.concat(pieces, dim="scenario", data_vars="all", join="outer") if len(pieces) > 1 else pieces[0]
    log = os.environ.get(COMPUTE_LOG_ENV)
    if log:
        Path(log).mkdir(parents=True, exist_ok=True)
        (Path(log) / f"chunk-{chunk:06d}-{os.getpid()}-{uuid.uuid4().hex[:8]}").touch()
    return netcdf_bytes(out)


def resolve_dataset(dataset: xr.Dataset | str | Path | None) -> xr.Dataset:
    """A dataset object from None (packaged), a data path, or a dataset."""
    if isinstance(dataset, xr.Dataset):
        return dataset
    from critmin.data import load

    return load(dataset)


def choose_chunk_size(sweep: Sweep, dataset: xr.Dataset, key: str, n_workers: int) -> tuple[int, dict[str, float]]:
    """Scenarios per chunk by the rule of the module docstring, and the timing behind it."""
    n = sweep.n_scenarios
    cap = max(1, math.ceil(n / (CHUNKS_PER_WORKER * max(1, n_workers))))
    if sweep.chunk_size:
        return min(sweep.chunk_size, n), {"given": float(sweep.chunk_size)}
    case = sweep.cases[0]
    k = min(BATCH_DRAWS, sweep.draws_per_case)
    _simulate_part(dataset, key, case, 0, 1, sweep.draws_per_case)
    t0 = time.perf_counter()
    _simulate_part(dataset, key, case, 0, k, sweep.draws_per_case)
    per = max((time.perf_counter() - t0) / k, 1e-4)
    size = whole_batches(min(cap, max(1, round(TARGET_CHUNK_SECONDS / per))))
    return size, {"seconds_per_scenario": round(per, 4), "cap_for_balance": float(cap)}


def whole_batches(size: int) -> int:
    """`size` rounded down to a multiple of the simulator's batch (sizes below one batch are kept).

    Examples
    --------
    >>> whole_batches(300), whole_batches(100), whole_batches(40)
    (256, 64, 40)
    """
    return size if size < BATCH_DRAWS else size - size % BATCH_DRAWS


def _open_store(out: str | Path, sweep: Sweep, key: str, resume: bool) -> Store:
    store = Store(out)
    if not store.exists() and resume:  # a mistyped --out would otherwise start the sweep again silently
        here = Path(out).resolve().parent
        stores = sorted(str(p) for p in here.iterdir() if p.is_dir() and Store(p).exists()) if here.is_dir() else []
        hint = f"; sweep stores beside it: {', '.join(stores)}" if stores else ""
        raise ScenarioError(
            [
                Issue(
                    str(out),
                    0,
                    "--resume",
                    f"there is no sweep store here to resume{hint}",
                    "give the --out of the interrupted sweep, or leave out --resume to start a new one",
                )
            ]
        )
    if not store.exists():
        return store
    if not resume:
        raise ScenarioError(
            [
                Issue(
                    str(out),
                    0,
                    "--out",
                    "a sweep store already exists here",
                    "add --resume to continue it, or choose another --out",
                )
            ]
        )
    manifest = store.manifest()
    if (manifest.get("digest"), manifest.get("dataset")) != (sweep.digest, key):
        raise ScenarioError(
            [
                Issue(
                    str(out),
                    0,
                    "--resume",
                    "the store was made by a different sweep file or dataset",
                    "resume with the same sweep file and --data, or choose another --out",
                )
            ]
        )
    return store


SCHEDULER_ADDRESS = re.compile(r"^(?P<scheme>tcp|tls)://(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")
"""A scheduler address critmin accepts: ``tcp://HOST:PORT`` or ``tls://HOST:PORT``."""
TLS_FIX = (
    "give the cluster's certificates in Dask's configuration (distributed.comm.tls.ca-file, "
    "distributed.comm.tls.client.cert and .key, e.g. in ~/.config/dask/distributed.yaml; see the README)"
)


def _scheduler_issue(scheduler: str, problem: str, fix: str) -> ScenarioError:
    return ScenarioError([Issue(str(scheduler), 0, "--scheduler", problem, fix)])


def check_scheduler(scheduler: str) -> Any:
    """The `Security` to connect to `scheduler` with; refuses a malformed address or TLS without certificates.

    Examples
    --------
    >>> check_scheduler("tcp://10.0.0.5:8786").require_encryption
    False
    >>> check_scheduler("10.0.0.5")
    Traceback (most recent call last):
    ...
    critmin.errors.ScenarioError: 1 problem(s) in input; nothing was loaded:
      10.0.0.5, field '--scheduler': not a scheduler address. Fix: write tcp://HOST:PORT or tls://HOST:PORT, e.g. tcp://10.0.0.5:8786.
    """
    from distributed.security import Security

    match = SCHEDULER_ADDRESS.match(scheduler)
    if match is None or not 0 < int(match["port"]) < 65536:
        raise _scheduler_issue(
            scheduler, "not a scheduler address", "write tcp://HOST:PORT or tls://HOST:PORT, e.g. tcp://10.0.0.5:8786"
        )
    security = Security()  # reads the distributed.comm.tls.* configuration
    tls = security.get_tls_config_for_role("client")
    if match["scheme"] == "tls" and not (tls["ca_file"] and tls["cert"]):
        raise _scheduler_issue(scheduler, "a tls:// scheduler needs certificates and none are configured", TLS_FIX)
    return security


def _client(workers: int | None, scheduler: str | None) -> Any:
    from dask.distributed import Client

    if not scheduler:
        return Client(local_cluster(workers or 2))
    security = check_scheduler(scheduler)
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT, security=security)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        raise _scheduler_issue(
            scheduler,
            f"cannot reach a Dask scheduler there ({err})",
            "start one with `dask scheduler` and give its tcp://HOST:PORT, or leave out --scheduler "
            "to run on a local cluster",
        ) from None


def local_cluster(n_workers: int) -> Any:
    """LocalCluster of one-thread processes bound to 127.0.0.1 (dashboard on a free port).

    Workers tune their own malloc on their first chunk (:func:`keep_arrays_on_heap`), so a
    cluster started by ``dask worker`` runs as fast as this one.
    """
    from dask.distributed import LocalCluster

    return LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    )


def _close(client: Any, scheduler: str | None) -> None:
    cluster = client.cluster if not scheduler else None
    client.close()
    if cluster is not None:
        cluster.close()


def _bar(total: int, done: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="chunk", disable=not enabled, desc="sweep chunks", file=sys.stderr)


def _execute(
    todo: list[tuple[int, int, int]], sweep: Sweep, dataset: xr.Dataset, key: str, store: Store, client: Any, bar: Any
) -> None:
    """Compute every (chunk, start, stop) of `todo`; commit each as soon as it is done."""
    d = sweep.draws_per_case
    if client is None:
        for chunk, a, b in todo:
            store.commit(chunk, a, b, compute_chunk(dataset, key, d, chunk_parts(sweep.cases, d, a, b), chunk))
            bar.update(1)
        return
    from dask.distributed import as_completed

    data = client.scatter(dataset, broadcast=True, hash=False)
    futures = {
        client.submit(compute_chunk, data, key, d, chunk_parts(sweep.cases, d, a, b), chunk, pure=False): (chunk, a, b)
        for chunk, a, b in todo
    }
    for future in as_completed(futures):
        chunk, a, b = futures[future]
        store.commit(chunk, a, b, future.result())
        future.release()
        bar.update(1)


def _plan(store: Store, sweep: Sweep, dataset: xr.Dataset, key: str, n_workers: int) -> list[tuple[int, int]]:
    if store.exists():
        return [tuple(c) for c in store.manifest()["chunks"]]
    size, timing = choose_chunk_size(sweep, dataset, key, n_workers)
    chunks = plan_chunks(sweep.n_scenarios, size)
    store.create(
        {
            "digest": sweep.digest,
            "dataset": key,
            "sweep": sweep.name,
            "n_scenarios": sweep.n_scenarios,
            "chunk_size": size,
            "timing": timing,
            "chunks": [list(c) for c in chunks],
        }
    )
    return chunks


def run_sweep(
    sweep_path: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path,
    resume: bool = False,
    dataset: xr.Dataset | str | Path | None = None,
    progress: bool = True,
    chunk_size: int | None = None,
) -> xr.Dataset:
    """Run a sweep and return the combined result (also written to ``OUT/sweep.nc``).

    Parameters
    ----------
    sweep_path : str or pathlib.Path
        Sweep TOML (:mod:`critmin.sweep.spec`), or the name of one in the library.
    workers : int, optional
        Local worker processes (default 2); ``0`` computes in this process without Dask.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); `workers` is then ignored.
    out : str or pathlib.Path
        Store folder (:mod:`critmin.sweep.store`).
    resume : bool
        Continue the store at `out`: finished chunks are verified and not recomputed.
    dataset : xarray.Dataset or path, optional
        Dataset or data package path (default: the packaged dataset).
    progress : bool
        Show a progress bar and print the dashboard address and the summary.
    chunk_size : int, optional
        Scenarios per chunk, overriding the file and the timed rule (ignored on resume).

    Returns
    -------
    xarray.Dataset
        Per-scenario results along ``scenario`` with case metadata and ``loss_usd``.

    Raises
    ------
    critmin.errors.ScenarioError
        The sweep file is invalid (all problems listed; nothing is created), or `out` holds
        another sweep.
    """
    if scheduler:
        check_scheduler(scheduler)
    data = resolve_dataset(dataset)
    sweep = load_sweep(sweep_path, data)
    if chunk_size is not None:
        from dataclasses import replace

        sweep = replace(sweep, chunk_size=chunk_size)
    key = dataset_hash(data)
    store = _open_store(out, sweep, key, resume)
    client = None if workers == 0 and not scheduler else _client(workers, scheduler)
    try:
        if client is not None and progress:
            print(f"dask dashboard: {client.dashboard_link}", file=sys.stderr)
        n_workers = 1 if client is None else max(1, len(client.scheduler_info()["workers"]))
        chunks = _plan(store, sweep, data, key, n_workers)
        done = {int(k) for k in store.verified()}
        todo = [(i, a, b) for i, (a, b) in enumerate(chunks) if i not in done]
        with _bar(len(chunks), len(done), progress) as bar:
            _execute(todo, sweep, data, key, store, client, bar)
    finally:
        if client is not None:
            _close(client, scheduler)
    return finalise(store, sweep, data, key, progress)


def finalise(store: Store, sweep: Sweep, dataset: xr.Dataset, key: str, show: bool) -> xr.Dataset:
    """Combine the chunks, add case metadata and losses, write ``sweep.nc`` and the summary."""
    from critmin.sweep.summary import annotate, summarise_sweep, write_summary

    result = annotate(store.assemble(sweep.n_scenarios), sweep, dataset, key)
    write_netcdf(result, store.final_path)
    summary = summarise_sweep(result)
    write_summary(summary, store.root)
    if show:
        print(summary.text())
    return result
