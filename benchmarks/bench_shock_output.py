"""Benchmark: a shock run written as bands (the default) vs full trajectories, in the same process.

Usage: python benchmarks/bench_shock_output.py [--draws 1000] [--baseline-draws 5]
[--scenario japan_ree_magnet_halt_6m]. On the packaged dataset, runs `--draws` draws the way
``critmin shock --out`` does (monthly bands and per-draw summary; one compressed NetCDF and two
CSV summaries) and, as the baseline, `--baseline-draws` draws keeping full trajectories written
to an uncompressed NetCDF (what a run kept before bands; the CSV tables it also wrote are left
out, so the baseline is a lower bound). Ratios compare cost per draw. Wall time depends on the
machine's load (stated); CPU time less so. Prints a table and writes
out/benchmarks/shock_output.json.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from published import publish

from critmin.data import load
from critmin.scenarios import load_scenario
from critmin.shock import run, write_results


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def timed(work):  # (result, wall s, cpu s)
    wall, cpu = time.perf_counter(), cpu_s()
    out = work()
    return out, time.perf_counter() - wall, cpu_s() - cpu


def banded(ds, scenario, draws: int, folder: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall, cpu) seconds to simulate as ``critmin shock`` does, and to write the result."""
    bands, sim_s, sim_cpu = timed(lambda: run(ds, scenario, draws=draws, trajectories=False))
    _, write_s, write_cpu = timed(lambda: write_results(bands, folder))
    return (sim_s, sim_cpu), (write_s, write_cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--baseline-draws", type=int, default=5)
    parser.add_argument("--scenario", default="japan_ree_magnet_halt_6m")
    args = parser.parse_args()
    ds = load()
    scenario = load_scenario(args.scenario)
    with tempfile.TemporaryDirectory() as tmp:
        (sim_s, sim_cpu), (write_s, write_cpu) = banded(ds, scenario, args.draws, Path(tmp) / "bands")
        disk = folder_bytes(Path(tmp) / "bands")
        rss = peak_rss_mb()
        full, base_sim_s, _ = timed(lambda: run(ds, scenario, draws=args.baseline_draws, trajectories=True))
        path = Path(tmp) / "full.nc"
        _, base_write_s, _ = timed(lambda: full.to_netcdf(path, engine="netcdf4"))
        base_disk = path.stat().st_size
    new_per_draw = (sim_s + write_s) / args.draws
    old_per_draw = (base_sim_s + base_write_s) / args.baseline_draws
    result = {
        "scenario": scenario.name,
        "months": scenario.horizon_months,
        "draws": args.draws,
        "load_average_1min": round(os.getloadavg()[0], 1),
        "simulate_wall_s": round(sim_s, 1),
        "simulate_cpu_s": round(sim_cpu, 1),
        "write_wall_s": round(write_s, 2),
        "write_cpu_s": round(write_cpu, 2),
        "total_wall_s": round(sim_s + write_s, 1),
        "disk_mb": round(disk / 1e6, 2),
        "peak_rss_mb": round(rss, 0),
        "baseline_draws": args.baseline_draws,
        "baseline_wall_s": round(base_sim_s + base_write_s, 1),
        "baseline_disk_mb": round(base_disk / 1e6, 1),
        "baseline_disk_mb_at_draws": round(base_disk / args.baseline_draws * args.draws / 1e6, 0),
        "ratio_wall_per_draw": round(old_per_draw / new_per_draw, 1),
        "ratio_disk_per_draw": round((base_disk / args.baseline_draws) / (disk / args.draws), 0),
    }
    publish("shock_output", result)


if __name__ == "__main__":
    main()
