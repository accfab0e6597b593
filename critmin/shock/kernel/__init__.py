"""The fused month step: the numpy step of :mod:`critmin.shock.step`, compiled, draw by draw.

:class:`FusedStep` is built once per batch (:func:`critmin.shock.kernel.layout.build_layout`)
and called like :func:`critmin.shock.step.step`. Draws are split into blocks run on threads (the
kernel releases the GIL); each draw's arithmetic is independent of its block, so results are
bit-identical however draws are split. The kernel compiles at first use (``numba``, cached on
disk in ``__pycache__`` or, where that is not writable, in ``NUMBA_CACHE_DIR``) and agrees with
the numpy step to rounding (``tests/shock/test_kernel.py``).

Examples
--------
>>> from critmin.shock.synthetic import synthetic_dataset
>>> from critmin.shock.network import build_network
>>> from critmin.shock.simulate import run_batch
>>> from critmin.scenarios import load_scenario
>>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
>>> s = load_scenario("backtest_ga_ge_2023")
>>> a = run_batch(net, s, [0, 1], engine="fused")["shortfall"]
>>> b = run_batch(net, s, [0, 1], engine="numpy")["shortfall"]
>>> bool(abs(a - b).max() <= 1e-9 * abs(b).max())
True
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

from critmin.shock.context import Context
from critmin.shock.events import CompiledEvents, Drivers
from critmin.shock.kernel import month
from critmin.shock.kernel.layout import Layout, build_layout, unsupported
from critmin.shock.step import State

NODE_ROWS = (
    "stock_sold",
    "redirect_out",
    "drawn",
    "production",
    "redirect_in",
    "receipts",
    "project_supply",
    "release",
    "available",
    "f",
    "use",
    "shortfall",
    "need",
    "inventory",
    "stockpile",
    "producer_stock",
    "cut",
)
"""The kernel's node outputs, in the row order of :mod:`critmin.shock.kernel.month` (``on``)."""


def cores() -> int:
    """Cores this process may use: one inside a Dask worker, whose own processes share the cores."""
    if _in_dask_worker():
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _in_dask_worker() -> bool:
    if "distributed" not in sys.modules:  # never imported: not a worker (and importing it costs a second)
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


@cache
def _pool(threads: int, pid: int) -> ThreadPoolExecutor:
    """One pool per thread count and process: a forked child must not reuse its parent's threads."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="critmin-kernel")


def split(draws: int, blocks: int) -> list[tuple[int, int]]:
    """``blocks`` consecutive ranges of draws, as equal as possible (empty ones dropped).

    >>> split(5, 2)
    [(0, 2), (2, 5)]
    """
    edges = np.linspace(0, draws, max(1, blocks) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


class FusedStep:
    """The month step of one batch, compiled; ``fused(state, drivers, outlook)`` is ``step(state,
    drivers, ctx, outlook)``, except that the arrays it returns (state and flows) are two sets
    of buffers used in turn: a month's arrays are overwritten by the step after next (copy what
    you keep longer). Two parts of the state that no output reads are not advanced:
    ``cut`` off the nodes with final demand, and the firm classes of sectors with no final
    demand at a node (the numpy step moves their stock, which never shows).

    Parameters
    ----------
    ctx, events
        The batch's context and compiled events.
    threads : int, optional
        Threads to run blocks of draws on; default every core.
    blocks : int, optional
        Blocks of draws per month; default one per thread. Results do not depend on it.
    """

    def __init__(
        self, ctx: Context, events: CompiledEvents, threads: int | None = None, blocks: int | None = None
    ) -> None:
        reason = unsupported(ctx)
        if reason is not None:
            raise ValueError(f"the fused kernel cannot run this batch: {reason}")
        self.ctx = ctx
        self.layout: Layout = build_layout(ctx, events)
        self.threads = max(1, threads or cores())
        self.ranges = split(ctx.draws, blocks or self.threads)
        ni, nc = ctx.net.shape
        small = max(len(ctx.net.sectors), 2 * ctx.firms.weight.shape[1] * ctx.firms.stock0.shape[-1])
        self.scratch = [
            (
                np.zeros((month.NODE_SCRATCH, ni * nc)),
                np.zeros((4, ni)),
                np.zeros((3, small)),
                np.zeros(len(ctx.net.edge_item)),
                np.zeros((1, nc)),
            )
            for _ in self.ranges
        ]
        self.inactive = np.flatnonzero(~self.layout.active.ravel())
        self.buffers: list[tuple[np.ndarray, ...]] = []

    def _target(self, state: State) -> tuple[np.ndarray, ...]:
        """The output buffers to write this month: of the two sets, one the input state does not use.

        Fresh arrays every month cost more than the step itself: each page of them is faulted in
        on first write, and two threads faulting serialise on the kernel's memory lock. The
        buffers are allocated once per batch; every cell a month can change is rewritten each
        month, the others keep their constant values (zero, a fill ratio of 1, the firm classes
        of sectors without final demand, as in the first state).
        """
        ctx = self.ctx
        b, (ni, nc), ne = ctx.draws, ctx.net.shape, len(ctx.net.edge_item)
        nf, ns = ctx.pair_final.shape
        if not self.buffers:
            for _ in range(2):
                on = np.zeros((len(NODE_ROWS), b, ni * nc))
                on[month.F_OUT] = 1.0
                on[month.CUT] = np.asarray(state.cut, dtype=np.float64).reshape(b, ni * nc)
                firm = np.array(state.firm_stock, dtype=np.float64, order="C")
                hist = np.zeros((2, *np.shape(state.cover_out)))
                self.buffers.append(
                    (
                        on,
                        np.zeros((2, b, ne)),
                        np.zeros((3, b, nf, ns)),
                        firm,
                        np.zeros((b, ni, 2)),
                        np.zeros((b, ni)),
                        hist,
                    )
                )
        held = [state.inventory, state.stockpile, state.cut, state.producer_stock, state.firm_stock]
        held += [state.bound, state.cover_out, state.cover_in]
        for out in self.buffers:
            if not any(np.may_share_memory(x, buf) for x in held for buf in out):
                return out
        raise ValueError("the state passed to the fused step holds arrays of both its output buffers")

    def __call__(self, state: State, drv: Drivers, outlook: np.ndarray | None = None) -> tuple[State, dict]:
        ctx, lay = self.ctx, self.layout
        b, (ni, nc), ne = ctx.draws, ctx.net.shape, len(ctx.net.edge_item)
        nf, ns = ctx.pair_final.shape
        if drv.supply.reshape(b, -1)[:, self.inactive].any():
            raise ValueError("project supply reaches a node the fused kernel's layout holds inactive")
        outlook = np.ones((b, ne)) if outlook is None else outlook

        def node(x: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(x, dtype=np.float64).reshape(b, ni * nc)

        st = (
            node(state.inventory),
            node(state.stockpile),
            node(state.cut),
            np.ascontiguousarray(state.price_in),
            np.ascontiguousarray(state.bound, dtype=np.float64),
            np.ascontiguousarray(state.cover_out),
            np.ascontiguousarray(state.cover_in),
            node(state.producer_stock),
            np.ascontiguousarray(state.firm_stock),
        )
        drivers = (
            np.ascontiguousarray(drv.edge_mult, dtype=np.float64),
            np.ascontiguousarray(drv.blocked, dtype=np.bool_).reshape(b, -1),
            node(drv.cap_mult),
            np.ascontiguousarray(drv.dem_mult, dtype=np.float64),
            node(drv.supply),
            np.ascontiguousarray(drv.restock_mult, dtype=np.float64),
            np.ascontiguousarray(outlook, dtype=np.float64),
        )
        out = self._target(state)
        on = out[0]

        def run(n: int) -> None:
            first, last = self.ranges[n]
            args = (lay.constants, self.scratch[n], st, drivers, out, lay.params, lay.rule, lay.substitute)
            month.block(first, last, *args, lay.tie, lay.min_level)

        if self.threads == 1 or len(self.ranges) == 1:
            for n in range(len(self.ranges)):
                run(n)
        else:
            list(_pool(self.threads, os.getpid()).map(run, range(len(self.ranges))))
        d = {k: on[n].reshape(b, ni, nc) for n, k in enumerate(NODE_ROWS)}
        d.update(refused=out[1][0], shipments=out[1][1], final_need=out[2][0], final_use=out[2][1])
        d.update(stopped=out[2][2], firm_stock=out[3], price=out[4])
        new = State(
            state.month + 1,
            d["inventory"],
            d["stockpile"],
            d.pop("cut"),
            out[5],
            out[6][0],
            out[6][1],
            d["producer_stock"],
            d["firm_stock"],
            d["price"][..., 0].copy(),
        )
        return new, d
