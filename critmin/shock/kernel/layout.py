"""Constants of the fused kernel for one batch: index lists of the nodes and edges that can be nonzero.

A node (item, country) is *active* when anything can ever flow through it: it has baseline need,
capacity, production, a strategic stock, final demand, a sourcing edge (as supplier or buyer) or
project supply in the scenario, or it is an input node of an active node (``chain[o, j] > 0``
carries need and use from ``(o, c)`` to ``(j, c)``). Every other node is zero in every month of
the numpy step, so the kernel never visits it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from critmin.shock.context import Context
from critmin.shock.events import CompiledEvents
from critmin.shock.kernel.month import PAIRWISE_BLOCK
from critmin.shock.parameters import DAYS_PER_MONTH

PARAMETER_COLUMNS = (
    "rebuild_months",
    "ramp_up_rate",
    "new_capacity_lead_months",
    "price_cap_ratio",
    "price_outlook_months",
    "price_flexibility",
    "inside_price_flexibility",
    "price_lag_months",
    "substitution_lag_months",
    "substitution_cap",
    "substitution_sensitivity",
    "substitution_max_rate",
)
"""Per-draw parameters the kernel reads, in the column order of :mod:`critmin.shock.kernel.month`."""


@dataclass(frozen=True, eq=False)
class Layout:
    """What the kernel needs besides the state and the month's drivers.

    Attributes
    ----------
    constants : tuple
        The network and scenario arrays, in the order :mod:`critmin.shock.kernel.month` unpacks.
    active : ndarray (I, C) bool
        Nodes that can be nonzero.
    params : ndarray (B, 12)
        Per-draw parameters, columns :data:`PARAMETER_COLUMNS`.
    tie, min_level : ndarray
        The firm classes' per-draw arrays, (B, F, G) and (B, S).
    rule : tuple
        Stockpile release ``(on, trigger_days, monthly_rate, own_first)``.
    substitute : bool
        Whether the scenario lets demand substitute away.
    """

    constants: tuple
    active: np.ndarray
    params: np.ndarray
    tie: np.ndarray
    min_level: np.ndarray
    rule: tuple[bool, float, float, bool]
    substitute: bool


def active_nodes(ctx: Context, events: CompiledEvents) -> np.ndarray:
    """Nodes (I, C) that can be nonzero in any month of the batch (see the module docstring).

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> from critmin.shock.context import build_context
    >>> from critmin.shock.events import batch_parameters, compile_events, draw_values
    >>> from critmin.scenarios import load_scenario
    >>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
    >>> s = load_scenario("backtest_ga_ge_2023"); v = draw_values(s, [0])
    >>> p = batch_parameters(net.parameters, s, v, 1)
    >>> active_nodes(build_context(net, s, p), compile_events(s, net, p, v, 1)).shape == net.shape
    True
    """
    net = ctx.net
    active = (net.need > 0) | (net.capacity > 0) | (net.production > 0) | (ctx.stock0 > 0)
    active[ctx.pair_item, ctx.pair_country] = True
    active[net.edge_item, net.edge_supplier] = True
    active[net.edge_item, net.edge_buyer] = True
    for p in events.projects:
        split = np.asarray(p.split)
        active |= (split != 0).reshape(-1, *net.shape).any(0)
    links = np.argwhere(net.chain > 0)
    while True:
        wider = active.copy()
        for o, j in links:
            wider[j] |= active[o]
        if (wider == active).all():
            return active
        active = wider


def _csr(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(groups) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(g) for g in groups])
    flat = np.concatenate(groups).astype(np.int64) if groups else np.zeros(0, np.int64)
    return ptr, flat


def unsupported(ctx: Context) -> str | None:
    """Why the kernel cannot run this batch, or None when it can."""
    if np.any(np.diff(ctx.net.edge_item) < 0):
        return "the network's sourcing edges are not sorted by item"
    ni, nc = ctx.net.shape
    if max(nc, len(ctx.net.sectors)) > PAIRWISE_BLOCK:
        return f"more than {PAIRWISE_BLOCK} countries or sectors (numpy would sum them in halves)"
    return None


def build_layout(ctx: Context, events: CompiledEvents) -> Layout:
    """Index lists and constant arrays of one batch for :func:`critmin.shock.kernel.month.block`."""
    net, mk, firms = ctx.net, ctx.markets, ctx.firms
    ni, nc = net.shape
    i64, f64 = np.int64, np.float64
    active = active_nodes(ctx, events)
    link_index = {lk: n for n, lk in enumerate(ctx.links)}
    lev_ptr, lev_items = _csr([lv.items for lv in ctx.levels])
    lev_out_ptr, lev_out = _csr([np.array([link_index[lk] for lk in lv.links_out], i64) for lv in ctx.levels])
    lev_in_ptr, lev_in = _csr([np.array([link_index[lk] for lk in lv.links_in], i64) for lv in ctx.levels])
    lev_pair_ptr, lev_pairs = _csr([lv.pairs for lv in ctx.levels])
    act_ptr, act_c = _csr([np.flatnonzero(active[i]) for i in range(ni)])
    e_ptr = np.searchsorted(net.edge_item, np.arange(ni + 1)).astype(i64)
    buyer_node = net.edge_item * nc + net.edge_buyer
    in_ptr, in_e = _csr([np.flatnonzero(buyer_node == n) for n in range(ni * nc)])
    out_mask = ~mk.inside
    base_flow = np.zeros(ni)
    np.add.at(base_flow, net.edge_item, mk.outside_flow)
    links = np.array(ctx.links, dtype=f64).reshape(-1, 3)

    def flat(x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x, dtype=f64).reshape(-1)

    constants = (
        nc,
        (lev_ptr, lev_items, lev_out_ptr, lev_out, lev_in_ptr, lev_in, lev_pair_ptr, lev_pairs),
        (links[:, 0].astype(i64), links[:, 1].astype(i64), np.array([a for _, _, a in ctx.links], f64)),
        act_ptr,
        act_c,
        (e_ptr, net.edge_supplier.astype(i64), net.edge_buyer.astype(i64), flat(net.edge_share), in_ptr, in_e),
        net.edge_supplier == ctx.inside[net.edge_item],
        (flat(net.capacity), flat(net.cover_days), flat(ctx.stock0), flat(net.need * net.cover_days / DAYS_PER_MONTH)),
        flat(ctx.world),
        (
            ctx.pair_item.astype(i64),
            ctx.pair_country.astype(i64),
            np.ascontiguousarray(firms.weight, dtype=f64),
            ctx.sector_order.astype(i64),
            int(ctx.n_priority),
            *_csr([np.flatnonzero(row != 0) for row in ctx.pair_final]),
        ),
        np.ascontiguousarray(ctx.pair_final, dtype=f64),
        (
            np.asarray(ctx.inside, i64),
            np.array(mk.derived, i64),
            np.ascontiguousarray(mk.feeds, dtype=f64),
            flat(mk.outside_flow),
            np.ascontiguousarray(mk.upstream, dtype=np.bool_),
            (net.need * out_mask).sum(1),
            (net.need * net.cover_days / DAYS_PER_MONTH * out_mask).sum(1),
            base_flow,
            mk.outside_flow > 0,
        ),
    )
    rule = ctx.policy.stockpile_release
    return Layout(
        constants,
        active,
        np.ascontiguousarray(np.stack([ctx.params[k] for k in PARAMETER_COLUMNS], axis=-1), dtype=f64),
        np.ascontiguousarray(firms.tie, dtype=f64),
        np.ascontiguousarray(firms.min_level, dtype=f64),
        (False, 0.0, 0.0, False)
        if rule is None
        else (True, float(rule.trigger_days), float(rule.monthly_rate), rule.coordination == "own_first"),
        bool(ctx.policy.substitution),
    )
