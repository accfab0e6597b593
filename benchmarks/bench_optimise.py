"""Benchmark of the portfolio optimiser: build time, solve time, peak memory by scenario count.

Synthetic instance sized like the default data (critmin.optimise.testing.synthetic_inputs):
15 materials, 7 allies + ROW, 10 holders (42 stockpile options), 25 projects x 5 instruments,
5 research programmes, 60 months. Each size runs in a fresh process so peak memory (max RSS) is
its own. Prints a table and writes out/benchmarks/bench_optimise.json.

Default-data case (``--case default``): scenarios are draws of the library's example scenarios
(japan_ree_magnet_halt_6m and critical_minerals_ban_usa, half the draws each) simulated on
``critmin.load()``; the default option tables of ``critmin.optimise.inputs``. Reported per size:
simulation time, prepare (baseline + model data), build and solve time, peak memory, and the share
of time spent building ((prepare + build) / (prepare + build + solve); goal < 25% at 1,000).
``--aggregation-check N`` solves N scenarios by month and by quarter and re-simulates both
portfolios on the same fresh draws: the difference in out-of-sample loss is what aggregating the
second stage by quarter costs.

Usage: python benchmarks/bench_optimise.py [--case synthetic|default|both] [--sizes 10 100 1000]
       [--quarterly-from 1000] [--aggregation-check 100]
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
    settings = Settings(aggregate=("quarter",) if quarterly else (), mip_rel_gap=1e-4, time_limit=900)
    t0 = time.perf_counter()
    data, settings = model_data(**inputs, budget=budget, settings=settings)
    t1 = time.perf_counter()
    model = build(data, budget, settings)
    t2 = time.perf_counter()
    report = solve(model, mip_rel_gap=settings.mip_rel_gap, time_limit=settings.time_limit)
    t3 = time.perf_counter()
    queue.put(
        {
            "scenarios": n_scenarios,
            "periods": "quarter" if quarterly else "month",
            "variables": int(model.nvars),
            "constraints": int(model.ncons),
            "prepare_s": t1 - t0,
            "build_s": t2 - t1,
            "solve_s": t3 - t2,
            "build_share": (t2 - t0) / (t3 - t0),
            "mip_gap": report.mip_gap,
            "condition": report.condition,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
        }
    )


DEFAULT_SCENARIOS = ("japan_ree_magnet_halt_6m", "critical_minerals_ban_usa")


def run_default(n_scenarios: int, quarterly: bool, budget: float, queue: Any) -> None:
    """Simulate, prepare, build and solve the default-data case; timings and peak RSS on `queue`."""
    import warnings

    warnings.simplefilter("ignore")
    import critmin
    from critmin.optimise.api import model_data
    from critmin.optimise.pipeline import inputs_from_results, simulate
    from critmin.optimise.portfolio import build
    from critmin.optimise.prepare import Settings
    from critmin.optimise.solve import solve

    ds = critmin.load()
    per_file = max(1, n_scenarios // len(DEFAULT_SCENARIOS))
    t0 = time.perf_counter()
    results = simulate(ds, list(DEFAULT_SCENARIOS), per_file, 1)
    t1 = time.perf_counter()
    inputs = inputs_from_results(ds, results)
    settings = Settings(aggregate=("quarter",) if quarterly else (), mip_rel_gap=1e-4, time_limit=900)
    data, settings = model_data(**inputs.optimiser_arguments(), budget=budget, settings=settings)
    t2 = time.perf_counter()
    model = build(data, budget, settings)
    t3 = time.perf_counter()
    report = solve(model, mip_rel_gap=settings.mip_rel_gap, time_limit=settings.time_limit)
    t4 = time.perf_counter()
    queue.put(
        {
            "case": "default",
            "scenarios": int(inputs.baseline_shortfall.sizes["scenario"]),
            "periods": "quarter" if quarterly else "month",
            "variables": int(model.nvars),
            "constraints": int(model.ncons),
            "simulate_s": t1 - t0,
            "prepare_s": t2 - t1,
            "build_s": t3 - t2,
            "solve_s": t4 - t3,
            "build_share": (t3 - t1) / (t4 - t1),
            "mip_gap": report.mip_gap,
            "condition": report.condition,
            "objective_usd": report.objective,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
        }
    )


def aggregation_check(n_scenarios: int, budget: float, fresh_draws: int, queue: Any) -> None:
    """Monthly and quarterly portfolios on the same inputs, re-simulated on the same fresh draws."""
    import warnings

    warnings.simplefilter("ignore")
    import critmin
    from critmin.optimise.pipeline import optimise_inputs, prepare_inputs, resimulate

    ds = critmin.load()
    inputs = prepare_inputs(ds, list(DEFAULT_SCENARIOS), max(1, n_scenarios // 2), 1)
    row: dict[str, Any] = {
        "scenarios": int(inputs.baseline_shortfall.sizes["scenario"]),
        "fresh_draws_per_file": fresh_draws,
    }
    for label, agg in (("month", ()), ("quarter", ("quarter",))):
        t0 = time.perf_counter()
        result = optimise_inputs(inputs, budget, marginal="none", aggregate=agg)
        t1 = time.perf_counter()
        check = resimulate(ds, result, list(DEFAULT_SCENARIOS), fresh_draws, seed=1)
        row[f"{label}_solve_s"] = t1 - t0
        row[f"{label}_in_sample_loss_usd"] = float(result.expected_loss_usd)
        row[f"{label}_out_of_sample_loss_usd"] = float(check.expected_loss_with_usd)
        row["out_of_sample_loss_without_usd"] = float(check.expected_loss_without_usd)
    row["aggregation_cost_usd"] = row["quarter_out_of_sample_loss_usd"] - row["month_out_of_sample_loss_usd"]
    queue.put(row)


def main() -> None:
    """Run each size in its own process, print a table, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--quarterly-from", type=int, default=1000)
    parser.add_argument("--budget", type=float, default=2e9)
    parser.add_argument("--case", choices=["synthetic", "default", "both"], default="both")
    parser.add_argument(
        "--aggregation-check",
        type=int,
        default=0,
        help="scenarios of the month-vs-quarter re-simulation check (0: skip)",
    )
    parser.add_argument("--fresh-draws", type=int, default=50)
    args = parser.parse_args()
    rows = []
    ctx = mp.get_context("spawn")
    cases = {"synthetic": [run_one], "default": [run_default], "both": [run_one, run_default]}[args.case]
    for target in cases:
        for n in args.sizes:
            queue = ctx.Queue()
            proc = ctx.Process(target=target, args=(n, n >= args.quarterly_from, args.budget, queue))
            proc.start()
            row = queue.get()
            row.setdefault("case", "synthetic")
            row.setdefault("simulate_s", 0.0)
            rows.append(row)
            proc.join()
            print(row, flush=True)
    aggregation = None
    if args.aggregation_check:
        queue = ctx.Queue()
        proc = ctx.Process(
            target=aggregation_check, args=(args.aggregation_check, args.budget, args.fresh_draws, queue)
        )
        proc.start()
        aggregation = queue.get()
        proc.join()
        print(aggregation, flush=True)
    header = (
        f"{'case':>9} {'sim s':>7} {'scenarios':>9} {'periods':>7} {'vars':>9} {'cons':>9} "
        f"{'prep s':>7} "
        f"{'build s':>7} {'solve s':>8} {'build %':>7} {'gap':>8} {'peak GB':>7}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['case']:>9} {r['simulate_s']:>7.1f} {r['scenarios']:>9} {r['periods']:>7} "
            f"{r['variables']:>9} {r['constraints']:>9} "
            f"{r['prepare_s']:>7.2f} {r['build_s']:>7.2f} {r['solve_s']:>8.2f} "
            f"{100 * r['build_share']:>6.1f}% {r['mip_gap']:>8.1e} {r['peak_rss_gb']:>7.2f}"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        "note": "build share = (prepare + build) / (prepare + build + solve)",
        "rows": rows,
        "aggregation_check": aggregation,
    }
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    tmp.replace(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
