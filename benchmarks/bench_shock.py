"""Benchmark: vectorised shock engine vs the per-node reference, on the full default network.

Usage: python benchmarks/bench_shock.py [--draws 10000] [--months 120] [--batch 250]
[--reference-draws 1] [--reference-months 12]. Uses the packaged dataset when it loads, else a
synthetic network of the same size. Runs the Monte Carlo without trajectories (the per-draw
summary is computed month by month), in batches, so memory is bounded by the batch size.
The reference runs a subset (draws x months) in the same process and is scaled per
draw-month. Prints a table and writes out/benchmarks/shock.json.
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace

from published import publish

from critmin.scenarios import load_scenario
from critmin.shock.montecarlo import simulate_draws
from critmin.shock.network import build_network
from critmin.shock.reference import reference_run
from critmin.shock.simulate import run_batch
from critmin.shock.synthetic import synthetic_dataset


def dataset():
    try:
        from critmin.data import load

        return load(), "packaged"
    except Exception:  # dataset not ready: same-size synthetic network
        return synthetic_dataset(countries=40, materials=16), "synthetic 16 materials x 40 countries"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--reference-draws", type=int, default=1)
    parser.add_argument("--reference-months", type=int, default=12)
    args = parser.parse_args()
    ds, label = dataset()
    net = build_network(ds)
    base = load_scenario("japan_ree_magnet_halt_6m")
    scenario = replace(base, horizon_months=args.months)
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    out = simulate_draws(net, scenario, range(args.draws), batch_size=args.batch, trajectories=False)
    fast = time.perf_counter() - t0
    rss_engine = peak_rss_mb()
    small = replace(base, horizon_months=args.reference_months)
    draws = range(args.reference_draws)
    t0 = time.perf_counter()
    reference_run(net, small, draws)
    slow = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_batch(net, small, draws, trajectories=False)
    same_subset = time.perf_counter() - t0
    per_fast = fast / (args.draws * args.months)
    per_slow = slow / (args.reference_draws * args.reference_months)
    result = {
        "network": label,
        "items": net.shape[0],
        "countries": net.shape[1],
        "edges": int(len(net.edge_item)),
        "final_demand_nodes": int(len(net.final_pairs[0])),
        "draws": args.draws,
        "months": args.months,
        "batch": args.batch,
        "wall_s": round(fast, 2),
        "peak_rss_mb": round(rss_engine, 1),
        "peak_rss_before_mb": round(rss_before, 1),
        "draws_per_s": round(args.draws / fast, 1),
        "scenario_months_per_s": round(args.draws * args.months / fast, 1),
        "reference_subset": f"{args.reference_draws} draw(s) x {args.reference_months} months",
        "s_per_draw_month_engine": per_fast,
        "s_per_draw_month_reference": per_slow,
        "speedup_vs_reference": round(per_slow / per_fast, 1),
        "engine_on_reference_subset_s": round(same_subset, 4),
        "summary_variables": sorted(str(v) for v in out.data_vars),
    }
    publish("shock", result, hidden=("summary_variables",))


if __name__ == "__main__":
    main()
