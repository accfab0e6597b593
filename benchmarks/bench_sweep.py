"""Sweep throughput in-process, on 1 and 2 local workers; Dask's overhead; the machine's own ceiling.

Run ``.venv/bin/python benchmarks/bench_sweep.py [--draws 400 --horizon 60 --repeats 3]``;
prints a table and writes ``out/benchmarks/sweep.json``.

* The chunk size is the rule's choice for 2 workers, as ``critmin sweep`` makes it; every run
  (in-process, 1 and 2 workers) then does the same chunks.
* Worker runs alternate (1, 2, 1, 2, ...) so that a slow spell of a shared machine hits both
  modes; the ratio reported is of the medians, with every run listed. Cluster start-up is not
  timed (a LocalCluster is started and warmed, then passed as ``scheduler``); each timed run
  includes loading the data, scattering it, building networks on the workers, computing,
  committing chunk files and writing the combined file and its summary.
* The machine's ceiling: the same chunk computed by one plain process alone, then by two at
  once (no Dask). Two processes on two cores slow each other down (shared cache and memory
  bandwidth), so ``2 / (time together / time alone)`` is the best ratio any scheduler could reach.
* Dask's overhead: a trivial task's round trip, alone and in a batch of 200.
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from critmin.sweep.run import TARGET_CHUNK_SECONDS, choose_chunk_size, dataset_hash, local_cluster, run_sweep
from critmin.sweep.spec import load_sweep
from critmin.sweep.store import sha256_file

ROOT = Path(__file__).resolve().parents[1]
SWEEP = """
name = "bench"
base = "backtest_ga_ge_2023"
seed = 3
draws_per_case = {draws}
horizon_months = {horizon}
[grid]
"events[0].controller" = ["CHN", "RUS"]
"events[0].duration_months" = [3, 6, 12]
[uncertain]
"events[0].leakage" = {{dist = "uniform", low = 0.0, high = 0.3}}
[policies.status_quo]
[policies.more_stock]
stockpile_multiplier = {{holders = {{KOR = 4.0}}}}
"""


def _noop(x: int) -> int:
    return x


def _overhead(client: Any, n: int = 200) -> dict[str, float]:
    """Seconds per trivial task: one at a time (latency) and many at once (throughput)."""
    t0 = time.perf_counter()
    for i in range(20):
        client.submit(_noop, i, pure=False).result()
    latency = (time.perf_counter() - t0) / 20
    t0 = time.perf_counter()
    client.gather([client.submit(_noop, i, pure=False) for i in range(n)])
    return {"round_trip_s": latency, "batched_per_task_s": (time.perf_counter() - t0) / n}


def _busy_fraction(stream: list[dict[str, Any]], wall: float) -> float:
    """Share of the run's wall time the workers spent computing chunks (mean over workers)."""
    busy: dict[str, float] = {}
    for task in stream:
        for span in task["startstops"]:
            if span["action"] == "compute":
                busy[task["worker"]] = busy.get(task["worker"], 0.0) + span["stop"] - span["start"]
    return statistics.fmean(busy.values()) / wall if busy else float("nan")


def _worker_run(path: Path, out: Path, chunk: int, workers: int) -> tuple[float, float, str]:
    """(seconds, busy fraction, sha256 of sweep.nc) of one sweep on a fresh, warmed cluster."""
    from dask.distributed import Client, get_task_stream

    with local_cluster(workers) as cluster, Client(cluster) as client:
        client.run(lambda: __import__("critmin.sweep.run"))
        with get_task_stream(client) as stream:
            t0 = time.perf_counter()
            address = cluster.scheduler_address
            run_sweep(path, workers=workers, scheduler=address, out=out, progress=False, chunk_size=chunk)
            seconds = time.perf_counter() - t0
    return seconds, _busy_fraction(stream.data, seconds), sha256_file(out / "sweep.nc")


def _chunk_seconds(path: str, chunk: int, queue: Any) -> None:
    """Child process: compute chunk 0 three times (after a warm-up) and report the best time."""
    from critmin.sweep.run import chunk_parts, compute_chunk, dataset_hash, resolve_dataset
    from critmin.sweep.spec import load_sweep

    data = resolve_dataset(None)
    sweep = load_sweep(path, data)
    key = dataset_hash(data)
    parts = chunk_parts(sweep.cases, sweep.draws_per_case, 0, chunk)
    compute_chunk(data, key, sweep.draws_per_case, parts, 0)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        compute_chunk(data, key, sweep.draws_per_case, parts, 0)
        times.append(time.perf_counter() - t0)
    queue.put(min(times))


def _machine_ceiling(path: Path, chunk: int) -> dict[str, float]:
    """Chunk time of one plain process alone and of two at once; the best possible 2-vs-1 ratio."""
    context = multiprocessing.get_context("spawn")
    seconds = {}
    for n in (1, 2):
        queue = context.Queue()
        processes = [context.Process(target=_chunk_seconds, args=(str(path), chunk, queue)) for _ in range(n)]
        for process in processes:
            process.start()
        seconds[n] = statistics.fmean(queue.get() for _ in processes)
        for process in processes:
            process.join()
    return {"alone_s": seconds[1], "two_at_once_s": seconds[2], "best_ratio": 2 * seconds[1] / seconds[2]}


def main(draws: int = 400, horizon: int = 60, repeats: int = 3) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    path = tmp / "bench.toml"
    path.write_text(SWEEP.format(draws=draws, horizon=horizon), encoding="utf-8")
    n = 12 * draws
    from critmin.data import load

    data = load()
    chunk, timing = choose_chunk_size(load_sweep(path, data), data, dataset_hash(data), n_workers=2)
    t0 = time.perf_counter()
    run_sweep(path, workers=0, out=tmp / "w0", progress=False, chunk_size=chunk)
    in_process = time.perf_counter() - t0
    manifest = json.loads((tmp / "w0" / "manifest.json").read_text())
    hashes = {sha256_file(tmp / "w0" / "sweep.nc")}
    runs: dict[int, list[float]] = {1: [], 2: []}
    busy: dict[int, list[float]] = {1: [], 2: []}
    for r in range(repeats):
        for workers in (1, 2):
            seconds, fraction, digest = _worker_run(path, tmp / f"w{workers}-{r}", chunk, workers)
            runs[workers].append(seconds)
            busy[workers].append(fraction)
            hashes.add(digest)
    from dask.distributed import Client

    overhead = {}
    for workers in (1, 2):
        with local_cluster(workers) as cluster, Client(cluster) as client:
            client.run(lambda: __import__("critmin.sweep.run"))
            overhead[workers] = _overhead(client)
    median = {w: statistics.median(v) for w, v in runs.items()}
    report = {
        "scenarios": n,
        "months": horizon,
        "chunk_size": chunk,
        "chunks": len(manifest["chunks"]),
        "repeats": repeats,
        "seconds": {"in-process": in_process, "1 worker": median[1], "2 workers": median[2]},
        "runs_seconds": {"1 worker": runs[1], "2 workers": runs[2]},
        "worker_busy_fraction": {"1 worker": statistics.median(busy[1]), "2 workers": statistics.median(busy[2])},
        "scenario_months_per_second": {
            "in-process": n * horizon / in_process,
            "1 worker": n * horizon / median[1],
            "2 workers": n * horizon / median[2],
        },
        "speedup_2_vs_1": median[1] / median[2],
        "speedup_2_vs_1_per_repeat": [a / b for a, b in zip(runs[1], runs[2], strict=True)],
        "machine_ceiling": _machine_ceiling(path, chunk),
        "dask_overhead_per_chunk": overhead,
        "identical_output": len(hashes) == 1,
        "rule": {
            "target_chunk_seconds": TARGET_CHUNK_SECONDS,
            "chosen": chunk,
            **timing,
        },
    }
    _print(report)
    out = ROOT / "out" / "benchmarks" / "sweep.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return report


def _print(r: dict[str, Any]) -> None:
    print(f"sweep of {r['scenarios']} scenarios x {r['months']} months, {r['chunks']} chunks of {r['chunk_size']}")
    print(f"{'mode':<12}{'seconds':>10}{'scen-months/s':>16}{'busy':>8}   runs")
    for k, v in r["seconds"].items():
        runs = " ".join(f"{s:.1f}" for s in r["runs_seconds"].get(k, []))
        busy = r["worker_busy_fraction"].get(k)
        busy_text = f"{busy:>8.0%}" if busy is not None else f"{'':>8}"
        print(f"{k:<12}{v:>10.2f}{r['scenario_months_per_second'][k]:>16.1f}{busy_text}   {runs}")
    per_repeat = ", ".join(f"{x:.2f}" for x in r["speedup_2_vs_1_per_repeat"])
    print(f"speed-up 2 vs 1 workers (medians): {r['speedup_2_vs_1']:.2f}x (per repeat: {per_repeat})")
    c = r["machine_ceiling"]
    print(
        f"machine ceiling: one chunk {c['alone_s']:.2f} s alone, {c['two_at_once_s']:.2f} s with two plain "
        f"processes at once -> best possible ratio {c['best_ratio']:.2f}x"
    )
    print(f"identical output across all runs: {r['identical_output']}")
    for w, o in r["dask_overhead_per_chunk"].items():
        print(
            f"dask overhead, {w} worker(s): round trip {1e3 * o['round_trip_s']:.1f} ms, "
            f"batched {1e3 * o['batched_per_task_s']:.2f} ms per task"
        )
    rule = r["rule"]
    print(
        f"chunk-size rule: target {rule['target_chunk_seconds']} s / "
        f"{rule.get('seconds_per_scenario', float('nan'))} s per scenario, capped at "
        f"{rule.get('cap_for_balance')} for balance -> {rule['chosen']} scenarios per chunk"
    )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=400, help="draws per case (12 cases)")
    parser.add_argument("--horizon", type=int, default=60, help="months per scenario")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs per worker count")
    options = parser.parse_args()
    main(options.draws, options.horizon, options.repeats)
