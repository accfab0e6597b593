"""Sweep throughput in-process, on 1 and 2 local workers, and Dask's overhead per chunk.

Run ``.venv/bin/python benchmarks/bench_sweep.py``; prints a table and writes
``out/benchmarks/sweep.json``. Cluster start-up is excluded (a LocalCluster is started, warmed
and passed as ``scheduler``); each timed run includes scattering the dataset, building networks
on the workers, computing, committing chunk files and writing the combined file.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from critmin.sweep.run import TARGET_CHUNK_SECONDS, local_cluster, run_sweep
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


def _overhead(client: object, n: int = 200) -> dict[str, float]:
    """Seconds per trivial task: one at a time (latency) and many at once (throughput)."""
    t0 = time.perf_counter()
    for i in range(20):
        client.submit(_noop, i, pure=False).result()
    latency = (time.perf_counter() - t0) / 20
    t0 = time.perf_counter()
    client.gather([client.submit(_noop, i, pure=False) for i in range(n)])
    return {"round_trip_s": latency, "batched_per_task_s": (time.perf_counter() - t0) / n}


def _timed(path: Path, out: Path, chunk: int, workers: int, scheduler: str | None) -> float:
    t0 = time.perf_counter()
    run_sweep(path, workers=workers, scheduler=scheduler, out=out, progress=False, chunk_size=chunk)
    return time.perf_counter() - t0


def main(draws: int = 80, chunk: int = 60, horizon: int = 12) -> dict[str, object]:
    from dask.distributed import Client

    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    path = tmp / "bench.toml"
    path.write_text(SWEEP.format(draws=draws, horizon=horizon), encoding="utf-8")
    n = 12 * draws
    rows, hashes, overhead = {}, set(), {}
    rows["in-process"] = _timed(path, tmp / "w0", chunk, 0, None)
    hashes.add(sha256_file(tmp / "w0" / "sweep.nc"))
    for workers in (1, 2):
        with local_cluster(workers) as cluster, Client(cluster) as client:
            client.run(lambda: __import__("critmin.sweep.run"))
            overhead[workers] = _overhead(client)
            name = f"{workers} worker{'s' if workers > 1 else ''}"
            rows[name] = _timed(path, tmp / f"w{workers}", chunk, workers, cluster.scheduler_address)
            hashes.add(sha256_file(tmp / f"w{workers}" / "sweep.nc"))
    auto = json.loads((tmp / "w0" / "manifest.json").read_text())
    run_sweep(path, workers=0, out=tmp / "auto", progress=False)
    rule = json.loads((tmp / "auto" / "manifest.json").read_text())
    report = {
        "scenarios": n,
        "months": horizon,
        "chunk_size": chunk,
        "chunks": len(auto["chunks"]),
        "seconds": rows,
        "scenario_months_per_second": {k: n * horizon / v for k, v in rows.items()},
        "speedup_2_vs_1": rows["1 worker"] / rows["2 workers"],
        "dask_overhead_per_chunk": overhead,
        "identical_output": len(hashes) == 1,
        "rule": {"target_chunk_seconds": TARGET_CHUNK_SECONDS, "chosen": rule["chunk_size"], **rule["timing"]},
    }
    _print(report)
    out = ROOT / "out" / "benchmarks" / "sweep.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return report


def _print(r: dict) -> None:
    print(f"sweep of {r['scenarios']} scenarios x {r['months']} months, {r['chunks']} chunks of {r['chunk_size']}")
    print(f"{'mode':<12}{'seconds':>10}{'scen-months/s':>16}")
    for k, v in r["seconds"].items():
        print(f"{k:<12}{v:>10.2f}{r['scenario_months_per_second'][k]:>16.1f}")
    print(f"speed-up 2 vs 1 workers: {r['speedup_2_vs_1']:.2f}x; identical output: {r['identical_output']}")
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
    parser.add_argument("--draws", type=int, default=80, help="draws per case (12 cases)")
    parser.add_argument("--chunk", type=int, default=60, help="scenarios per chunk")
    parser.add_argument("--horizon", type=int, default=12, help="months per scenario")
    options = parser.parse_args()
    main(options.draws, options.chunk, options.horizon)
