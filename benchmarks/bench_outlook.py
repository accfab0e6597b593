"""Benchmark of the outlook and the multi-year plan on the packaged data.

Outlook: 1,000 draws x the years base..2035 (12 with the base year), every default target.
Its ratio is against a same-run baseline: the outlook at 1 draw (the fixed cost of building the
base network, demand and chains), so ``per-draw cost = (t_1000 - t_1) / 999`` and
``ratio = t_1000 / t_1``.
Plan: 100 draws, every ally x key step <= 65% by 2030 at alpha 0.9: build time (draws, terms,
model) and HiGHS solve time, and the build share build / (build + solve).

Usage: python benchmarks/bench_outlook.py [--draws 1000] [--plan-draws 100].
Prints a table and writes out/benchmarks/bench_outlook.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from critmin.data import load
from critmin.outlook import load_scenario
from critmin.outlook.output import REPORTED
from critmin.outlook.plan import PlanTarget, plan
from critmin.outlook.run import run_outlook
from critmin.vocabulary import ALLIES

OUT = Path(__file__).resolve().parents[1] / "out" / "benchmarks" / "bench_outlook.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--plan-draws", type=int, default=100)
    args = parser.parse_args()
    data, scenario = load(), load_scenario("steps")
    timings = {}
    for draws in (1, args.draws):
        started = time.perf_counter()
        result = run_outlook(data, scenario, draws=draws, seed=0)
        timings[draws] = time.perf_counter() - started
    steps = [tuple(t.split("/")) for t in (*REPORTED, "graphite_anode/refining")]
    targets = [PlanTarget(a, m, s, 2030) for a in ALLIES for m, s in steps]
    started = time.perf_counter()
    found = plan(data, scenario, targets, draws=args.plan_draws, alpha=0.9)
    plan_total = time.perf_counter() - started
    report = {
        "outlook_draws": args.draws,
        "outlook_years": int(result.sizes["year"]),
        "outlook_1_draw_s": timings[1],
        "outlook_s": timings[args.draws],
        "ratio_to_1_draw": timings[args.draws] / timings[1],
        "per_draw_ms": 1000 * (timings[args.draws] - timings[1]) / max(args.draws - 1, 1),
        "plan_draws": args.plan_draws,
        "plan_targets": len(targets),
        "plan_build_s": found.build_seconds,
        "plan_solve_s": found.solve_seconds,
        "plan_build_share": found.build_seconds / max(found.build_seconds + found.solve_seconds, 1e-9),
        "plan_total_s": plan_total,
        "plan_cost_usd": found.cost,
        "plan_options_bought": len(found.bought),
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
    }
    for key, value in report.items():
        print(f"{key:>22}: {value:,.3f}" if isinstance(value, float) else f"{key:>22}: {value}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
