"""Benchmark of the portfolio optimiser: build time, solve time, peak memory by scenario count.

Synthetic instance sized like the default data (critmin.optimise.testing.synthetic_inputs):
15 materials, 7 allies + ROW, 10 holders (42 stockpile options), 25 projects x 5 instruments,
5 research programmes, 60 months. Each size runs in a fresh process so peak memory (max RSS) is
its own. Prints a table and writes out/benchmarks/bench_optimise.json.

Usage: python benchmarks/bench_optimise.py [--sizes 10 100 1000] [--quarterly-from 1000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import resource
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "out" / "benchmarks" / "bench_optimise.json"


def run_one(n_scenarios: int, quarterly: bool, budget: float, queue: Any) -> None:
    """Prepare, build and solve one instance; put timings and peak RSS on `queue`."""
    from critmin.optimise.api import model_data
    from critmin.optimise.portfolio import build
    from critmin.optimise.prepare import Settings
    from critmin.optimise.solve import solve
    from critmin.optimise.testing import synthetic_inputs

    inputs = synthetic_inputs(n_scenarios)
    settings = Settings(aggregate=("quarter",) if quarterly else (), mip_rel_gap=1e-4,
                        time_limit=900)
    t0 = time.perf_counter()
    data, settings = model_data(**inputs, budget=budget, settings=settings)
    t1 = time.perf_counter()
    model = build(data, budget, settings)
    t2 = time.perf_counter()
    report = solve(model, mip_rel_gap=settings.mip_rel_gap, time_limit=settings.time_limit)
    t3 = time.perf_counter()
    queue.put({
        "scenarios": n_scenarios, "periods": "quarter" if quarterly else "month",
        "variables": int(model.nvars), "constraints": int(model.ncons),
        "prepare_s": t1 - t0, "build_s": t2 - t1, "solve_s": t3 - t2,
        "build_share": (t2 - t0) / (t3 - t0), "mip_gap": report.mip_gap,
        "condition": report.condition,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
    })


def main() -> None:
    """Run each size in its own process, print a table, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--quarterly-from", type=int, default=1000)
    parser.add_argument("--budget", type=float, default=2e9)
    args = parser.parse_args()
    rows = []
    ctx = mp.get_context("spawn")
    for n in args.sizes:
        queue = ctx.Queue()
        proc = ctx.Process(target=run_one, args=(n, n >= args.quarterly_from, args.budget, queue))
        proc.start()
        rows.append(queue.get())
        proc.join()
    header = (f"{'scenarios':>9} {'periods':>7} {'vars':>9} {'cons':>9} {'prep s':>7} "
              f"{'build s':>7} {'solve s':>8} {'build %':>7} {'gap':>8} {'peak GB':>7}")
    print(header)
    for r in rows:
        print(f"{r['scenarios']:>9} {r['periods']:>7} {r['variables']:>9} {r['constraints']:>9} "
              f"{r['prepare_s']:>7.2f} {r['build_s']:>7.2f} {r['solve_s']:>8.2f} "
              f"{100 * r['build_share']:>6.1f}% {r['mip_gap']:>8.1e} {r['peak_rss_gb']:>7.2f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": platform.platform(), "python": platform.python_version(),
               "note": "build share = (prepare + build) / (prepare + build + solve)",
               "rows": rows}
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    tmp.replace(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
