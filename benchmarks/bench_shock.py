"""Benchmark: vectorised shock engine vs the per-node reference, on a full-size network.

Usage: python benchmarks/bench_shock.py [--draws 10000] [--months 120] [--batch 250]
[--reference-draws 2]. Uses the packaged dataset when it loads, else a synthetic network of
the same size (16 materials, 40 countries). Prints a table and writes
out/benchmarks/bench_shock.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from dataclasses import replace
from pathlib import Path

from critmin.scenarios import load_scenario
from critmin.shock.montecarlo import simulate_draws
from critmin.shock.network import build_network
from critmin.shock.reference import reference_run
from critmin.shock.synthetic import synthetic_dataset


def dataset():
    try:
        from critmin.data import load

        return load(), "packaged"
    except Exception:  # dataset not ready: same-size synthetic network
        return synthetic_dataset(countries=40, materials=16), "synthetic 16 materials x 40 countries"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--reference-draws", type=int, default=2)
    args = parser.parse_args()
    ds, label = dataset()
    net = build_network(ds)
    scenario = replace(load_scenario("japan_ree_magnet_halt_6m"), horizon_months=args.months)
    t0 = time.perf_counter()
    simulate_draws(net, scenario, range(args.draws), batch_size=args.batch, trajectories=False)
    fast = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    reference_run(net, scenario, range(args.reference_draws))
    slow = time.perf_counter() - t0
    per_fast, per_slow = fast / args.draws, slow / args.reference_draws
    result = {"network": label, "items": net.shape[0], "countries": net.shape[1],
              "edges": int(len(net.edge_item)), "draws": args.draws, "months": args.months,
              "batch": args.batch, "wall_s": round(fast, 2), "peak_rss_mb": round(peak_mb, 1),
              "s_per_draw_engine": per_fast, "s_per_draw_reference": per_slow,
              "speedup": round(per_slow / per_fast, 1)}
    for key, value in result.items():
        print(f"{key:>22} | {value}")
    out = Path("out/benchmarks")
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_shock.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
