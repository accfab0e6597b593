"""Benchmark: the month step as numpy, fused kernel (1 and 2 threads) and per-node reference, and
the memory-bandwidth bound, all on the full default network in one run.

Usage: python benchmarks/bench_kernel.py [--quick] [--draws 10000] [--months 120] [--batch 256]
[--numpy-draws 128] [--numpy-months 12] [--reference-months 3].

Each engine loops the month step as :func:`critmin.shock.simulate.run_batch` does (drivers, the
buyers' outlook, the step), without the summaries and bands that follow it, in a subprocess
whose peak RSS is reported. The fused kernel runs the full size; the numpy step and the
per-node reference (:mod:`critmin.shock.reference`, whole simulation) run a subset and are
scaled per draw-month. The bound: a large numpy copy gives the machine's single-core bandwidth
(bytes read + written per second); a draw-month must touch the state, drivers and outputs of
the active nodes (computed from the kernel's layout), so ``bound = bytes x draws x months /
bandwidth``. CPU seconds are reported besides wall time: on a shared machine they show the
work done, wall time the wait. First-use compile time and cached load time are measured in fresh processes with
an empty, then a filled ``NUMBA_CACHE_DIR``. Times depend on the machine's load (stated).
Prints a table and writes out/benchmarks/kernel.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from published import publish

SCENARIO = "japan_ree_magnet_halt_6m"


def _setup(months: int):
    from dataclasses import replace

    from critmin.data import load
    from critmin.scenarios import load_scenario
    from critmin.shock.network import build_network

    return build_network(load()), replace(load_scenario(SCENARIO), horizon_months=months)


def _batch(net, scenario, draws):
    from critmin.shock.context import build_context
    from critmin.shock.events import batch_parameters, compile_events, draw_values

    values = draw_values(scenario, draws)
    params = batch_parameters(net.parameters, scenario, values, len(draws))
    return build_context(net, scenario, params), compile_events(scenario, net, params, values, len(draws)), params


def child_loop(engine: str, draws: int, months: int, batch: int, threads: int) -> dict:
    """Month-step loop over `draws` in batches; wall time, time inside the step, peak RSS."""
    import resource

    from critmin.shock.events import month_drivers
    from critmin.shock.expectations import expected_multiplier
    from critmin.shock.montecarlo import batches
    from critmin.shock.simulate import month_step
    from critmin.shock.step import initial_state

    net, scenario = _setup(months)
    ctx, events, _ = _batch(net, scenario, range(2))
    warm = month_step(ctx, events, engine, threads)  # compile or load the kernel outside the timing
    warm(initial_state(ctx), month_drivers(events, 0), None)
    start = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = start.ru_utime + start.ru_stime
    total, inside = time.perf_counter(), 0.0
    for chunk in batches(range(draws), batch):
        ctx, events, params = _batch(net, scenario, chunk)
        advance, state = month_step(ctx, events, engine, threads), initial_state(ctx)
        for t in range(months):
            drivers, outlook = month_drivers(events, t), expected_multiplier(events, t, params["price_outlook_months"])
            t0 = time.perf_counter()
            state, _ = advance(state, drivers, outlook)
            inside += time.perf_counter() - t0
    wall = time.perf_counter() - total
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    rss = usage.ru_maxrss / 1024
    return {"wall_s": wall, "cpu_s": cpu, "step_s": inside, "peak_rss_mib": rss, "draws": draws, "months": months}


def child_reference(months: int) -> dict:
    from critmin.shock.reference import reference_run

    net, scenario = _setup(months)
    t0 = time.perf_counter()
    reference_run(net, scenario, [0])
    return {"wall_s": time.perf_counter() - t0, "draws": 1, "months": months}


def child_compile() -> dict:
    """Time of the first fused step on two draws (compile when the cache is empty, else load)."""
    from critmin.shock.events import month_drivers
    from critmin.shock.kernel import FusedStep
    from critmin.shock.step import initial_state

    net, scenario = _setup(2)
    ctx, events, _ = _batch(net, scenario, range(2))
    t0 = time.perf_counter()
    FusedStep(ctx, events, threads=1)(initial_state(ctx), month_drivers(events, 0))
    return {"first_step_s": time.perf_counter() - t0}


def child_layout() -> dict:
    """Sizes of one draw-month: active nodes, edges, final-demand cells, firm classes, history."""
    from critmin.shock.kernel import FusedStep
    from critmin.shock.step import initial_state

    net, scenario = _setup(2)
    ctx, events, _ = _batch(net, scenario, range(1))
    fused = FusedStep(ctx, events, threads=1)
    nf, ns = ctx.pair_final.shape
    return {
        "nodes": int(net.shape[0] * net.shape[1]),
        "active_nodes": int(fused.layout.active.sum()),
        "edges": int(len(net.edge_item)),
        "final_cells": int(nf * ns),
        # the kernel moves the firm classes of (node, sector) cells with final demand only
        "firm_cells": int((ctx.pair_final > 0).sum() * initial_state(ctx).firm_stock[0, 0, 0].size),
        "items": int(net.shape[0]),
        "history": int(ctx.history),
    }


def draw_month_bytes(s: dict) -> int:
    """Bytes a draw-month must read and write in float64 (bool drivers as one byte).

    Per active node: 4 state arrays read (inventory, stockpile, cut, producer stock), 2 drivers
    read (capacity multiplier, project supply), the blocked flag, 17 outputs written (new state
    included); per edge: 3 drivers read (order and restocking multipliers, outlook), 2 outputs
    written (refused, shipments); per final-demand cell: the demand multiplier read, 3 outputs
    written; firm classes read and written; two price histories read and written; price (2),
    bound and inside price per item.
    """
    per_node = 8 * (4 + 2 + 17) + 1
    per_edge = 8 * (3 + 2)
    per_final = 8 * (1 + 3)
    firms = 8 * 2 * s["firm_cells"]
    items = 8 * s["items"] * (2 * 2 * s["history"] + 2 + 1 + 1)
    return s["active_nodes"] * per_node + s["edges"] * per_edge + s["final_cells"] * per_final + firms + items


def bandwidth_gbs() -> float:
    """Single-core copy bandwidth (read + write bytes per second), best of five 256 MiB copies."""
    import numpy as np

    src = np.ones(32 * 2**20)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    return 2 * src.nbytes / best / 1e9


def run_child(kind: str, args: list[str], env: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smoke run: 512 draws x 24 months")
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--numpy-draws", type=int, default=128)
    parser.add_argument("--numpy-months", type=int, default=12)
    parser.add_argument("--reference-months", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="fused", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = {
            "loop": lambda: child_loop(args.engine, args.draws, args.months, args.batch, args.threads),
            "reference": lambda: child_reference(args.reference_months),
            "compile": child_compile,
            "layout": child_layout,
        }[args.child]()
        print(json.dumps(result))
        return
    if args.quick:
        args.draws, args.months, args.numpy_draws, args.numpy_months, args.reference_months = 512, 24, 64, 6, 2
    size = ["--months", str(args.months), "--batch", str(args.batch)]
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        compiled = run_child("compile", [], env)["first_step_s"]
        cached = run_child("compile", [], env)["first_step_s"]
    layout = run_child("layout", [])
    per_draw_month = draw_month_bytes(layout)
    gbs = bandwidth_gbs()
    dm = args.draws * args.months
    fused = {n: run_child("loop", [*size, "--draws", str(args.draws), "--threads", str(n)]) for n in (1, 2)}
    numpy_args = ["--engine", "numpy", "--draws", str(args.numpy_draws), "--months", str(args.numpy_months)]
    numpy_run = run_child("loop", [*numpy_args, "--batch", "64"])
    reference = run_child("reference", ["--reference-months", str(args.reference_months)])
    per_numpy = numpy_run["wall_s"] / (numpy_run["draws"] * numpy_run["months"])
    per_reference = reference["wall_s"] / (reference["draws"] * reference["months"])
    bound = per_draw_month * dm / (gbs * 1e9)
    best = min(fused[1]["wall_s"], fused[2]["wall_s"])
    result = {
        "scenario": f"{SCENARIO}, {args.months} months",
        "draws x months": f"{args.draws} x {args.months}",
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
        **{f"layout_{k}": v for k, v in layout.items()},
        "bytes_per_draw_month": per_draw_month,
        "copy_bandwidth_GBps_1_core": round(gbs, 2),
        "bound_s": round(bound, 2),
        "fused_1_thread_s": round(fused[1]["wall_s"], 2),
        "fused_1_thread_in_step_s": round(fused[1]["step_s"], 2),
        "fused_2_threads_s": round(fused[2]["wall_s"], 2),
        "fused_2_threads_in_step_s": round(fused[2]["step_s"], 2),
        "fused_1_thread_cpu_s": round(fused[1]["cpu_s"], 2),
        "fused_2_threads_cpu_s": round(fused[2]["cpu_s"], 2),
        "numpy_cpu_s_extrapolated": round(numpy_run["cpu_s"] / (numpy_run["draws"] * numpy_run["months"]) * dm, 1),
        "fused_peak_rss_mib": round(max(f["peak_rss_mib"] for f in fused.values()), 1),
        "numpy_s_extrapolated": round(per_numpy * dm, 1),
        "numpy_subset": f"{args.numpy_draws} x {args.numpy_months}, {numpy_run['wall_s']:.2f} s",
        "numpy_peak_rss_mib": round(numpy_run["peak_rss_mib"], 1),
        "reference_s_extrapolated": round(per_reference * dm, 1),
        "reference_subset": f"1 x {args.reference_months}, {reference['wall_s']:.2f} s",
        "compile_first_use_s": round(compiled, 2),
        "cached_load_s": round(cached, 2),
        "ratio_fused_over_bound": round(best / bound, 2),
        "ratio_reference_over_fused": round(per_reference * dm / best, 1),
        "ratio_numpy_over_fused": round(per_numpy * dm / best, 1),
        "ratio_2_threads_over_1": round(fused[1]["wall_s"] / fused[2]["wall_s"], 2),
        "ratio_numpy_over_fused_cpu": round(
            numpy_run["cpu_s"] / (numpy_run["draws"] * numpy_run["months"]) * dm / fused[1]["cpu_s"], 1
        ),
        "ratio_fused_cpu_over_bound": round(fused[1]["cpu_s"] / bound, 2),
    }
    publish("kernel", result)


if __name__ == "__main__":
    main()
