"""One month of the shock model, pure: ``step(state, drivers, context) -> (state, outputs)``.

Arrays are (draw B, item I, country C[, sector S]) or (draw, edge E). Within a month orders go
upstream (chain levels downstream first), then goods go downstream (levels upstream first):

1. Final need ``F[b,i,c,s] = final_demand * dem_mult * (1 - cut)``, carried only on the nodes
   (i, c) with final demand (``Context.pair_*``, shape (B, F, S)); input need
   ``N_int[j,c] = sum_o chain[o,j] * P_plan[o,c]``; need ``N = N_int + sum_s F``.
2. Orders ``O[i,c] = max(0, N + (N * cover_days / 30.44 - inv) / rebuild_months)``, split over
   suppliers by baseline shares; on each edge ``O_e * edge_mult`` (control and front-loading),
   except that the part of ``O_e`` beyond the edge's share of ``N`` (inventory rebuilding) gets
   ``restock_mult``: no licence covers it, so under a control it is refused.
3. Supplier plan ``min(orders received, capacity * cap_mult + new capacity + producer stock)``,
   pro rata when that binds; what exceeds capacity is sold from producers' and traders' stock
   (``producer_stock_months`` of baseline output at the start, drawn down, not rebuilt within
   the horizon), so a front-loading rush can exceed capacity for a month or two. That stock
   is held at the sites in proportion to their capacity, so an outage locks the same share of
   it: at most ``producer_stock * cap_mult`` is sold in a month (a mine or a border crossing
   that is shut ships neither output nor the stock behind it). Orders
   refused by a control are redirected to non-blocked suppliers' idle capacity, in total at
   most ``ramp_up_rate * world_need * months_bound / 12`` per month;
   new capacity ``ramp_up_rate * world_need * max(0, months_bound - lead) / 12`` arrives after
   ``new_capacity_lead_months``.
4. Production ``P = P_plan * min_j f[j]`` (inputs available upstream; stock sales need no
   inputs); shipments follow production plus stock sold.
5. Available ``A = inv + receipts + project supply + stockpile release`` (project supply:
   ``project`` events' output delivered to the served users, from outside the network);
   ``f = min(1, A / N)``; input users get ``f * N_int``, final users ``f * sum_s F`` split by
   allocation (priority sectors first, then pro rata); within each sector the firm classes of
   :mod:`critmin.shock.firms` (own cover, tied to an origin) decide who stops.
6. ``inv' = A - use``; shortfall ``= N_int * (1 - f) + (F - final use)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from critmin.shock.context import Context, Level
from critmin.shock.events import Drivers
from critmin.shock.firms import group_supply, initial_stock, operate, sector_use
from critmin.shock.parameters import DAYS_PER_MONTH
from critmin.shock.prices import (
    cover_ratio,
    fill_derived,
    forward_cover,
    inside_price,
    lagged_price,
    outside_price,
    push_history,
    substitution,
    trapped_inside,
)


@dataclass(frozen=True, eq=False)
class State:
    """Stocks carried from month to month."""

    month: int
    inventory: np.ndarray
    stockpile: np.ndarray
    cut: np.ndarray
    bound: np.ndarray
    cover_out: np.ndarray
    cover_in: np.ndarray
    producer_stock: np.ndarray
    firm_stock: np.ndarray
    price_in: np.ndarray


def initial_state(ctx: Context) -> State:
    """Baseline: inventories at target cover, full stockpiles, no cut, neutral price history."""
    b, (ni, nc) = ctx.draws, ctx.net.shape
    inventory = ctx.net.need * ctx.net.cover_days / DAYS_PER_MONTH
    ones = np.ones((b, ni, ctx.history))
    producer = ctx.params["producer_stock_months"][:, None, None] * ctx.net.production
    return State(
        0,
        np.broadcast_to(inventory, (b, ni, nc)).copy(),
        np.broadcast_to(ctx.stock0, (b, ni, nc)).copy(),
        np.zeros((b, ni, nc)),
        np.zeros((b, ni)),
        ones,
        ones.copy(),
        producer,
        initial_stock(ctx.firms, len(ctx.net.sectors)),
        np.ones((b, ni)),
    )


def gather(values: np.ndarray, node: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Sum per-edge `values` (B, E) into nodes (B, I, C); node = item * C + country."""
    b, ni, nc = shape
    flat = (np.arange(b)[:, None] * (ni * nc) + node[None, :]).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=b * ni * nc).reshape(shape)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.where(whole > 0, part / np.where(whole > 0, whole, 1.0), 0.0)


class Plan(NamedTuple):
    need_int: np.ndarray
    need: np.ndarray
    orders: np.ndarray
    refused: np.ndarray
    fill: np.ndarray
    planned: np.ndarray
    stock_fill: np.ndarray
    stock_sold: np.ndarray
    redirect_out: np.ndarray
    redirect_in: np.ndarray
    bound: np.ndarray


def _redirect(idle: np.ndarray, short: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = np.minimum(np.minimum(idle.sum(-1), short.sum(-1)), limit)
    return (
        total[..., None] * _share(idle, idle.sum(-1, keepdims=True)),
        total[..., None] * _share(short, short.sum(-1, keepdims=True)),
    )


def _plan_level(lv: Level, p: dict, state: State, drv: Drivers, ctx: Context) -> None:
    net, par, idx, e = ctx.net, ctx.params, lv.items, lv.edges
    for o, j, a in lv.links_out:
        p["need_int"][:, j] += a * p["planned"][:, o]
    need = p["need_int"][:, idx] + p["final"][:, idx]
    p["need"][:, idx] = need
    target = need * net.cover_days[idx] / DAYS_PER_MONTH
    rebuild = np.maximum(par["rebuild_months"], 1e-9)[:, None, None]
    orders = np.zeros_like(p["need"])
    orders[:, idx] = np.maximum(0.0, need + (target - state.inventory[:, idx]) / rebuild)
    asked = orders[:, net.edge_item[e], net.edge_buyer[e]] * net.edge_share[e]
    restocking = np.maximum(0.0, asked - p["need"][:, net.edge_item[e], net.edge_buyer[e]] * net.edge_share[e])
    mult = drv.edge_mult[:, e]
    p["orders"][:, e] = asked * mult - restocking * (mult - drv.restock_mult[:, e])
    p["refused"][:, e] = np.maximum(0.0, asked - p["orders"][:, e])
    shape = state.inventory.shape
    nc = shape[2]
    received = gather(p["orders"][:, e], net.edge_item[e] * nc + net.edge_supplier[e], shape)[:, idx]
    short = gather(p["refused"][:, e], net.edge_item[e] * nc + net.edge_buyer[e], shape)[:, idx]
    bound = np.where((state.bound[:, idx] > 0) | (short.sum(-1) > 0), state.bound[:, idx] + 1, 0)
    p["bound"][:, idx] = bound
    open_ = ~drv.blocked[:, idx]
    ramp = par["ramp_up_rate"][:, None] * ctx.world[idx] / 12.0
    late = np.maximum(0.0, state.bound[:, idx] - par["new_capacity_lead_months"][:, None])
    base_cap = net.capacity[idx] * open_
    new_cap = (ramp * late)[..., None] * _share(base_cap, base_cap.sum(-1, keepdims=True))
    cap = net.capacity[idx] * drv.cap_mult[:, idx] + new_cap
    made = np.minimum(received, cap)
    # stock lies at the sites as capacity does: the share at sites an outage shuts cannot move
    sellable = state.producer_stock[:, idx] * np.minimum(drv.cap_mult[:, idx], 1.0)
    sold = np.minimum(received - made, sellable)
    p["fill"][:, idx] = np.where(received > 0, _share(made, received), 1.0)
    p["stock_fill"][:, idx] = _share(sold, received)
    p["stock_sold"][:, idx] = sold
    out, into = _redirect((cap - made) * open_, short, ramp * bound)
    p["redirect_out"][:, idx], p["redirect_in"][:, idx] = out, into
    p["planned"][:, idx] = made + out


def plan(state: State, drv: Drivers, ctx: Context, final: np.ndarray) -> Plan:
    """Pass 1, downstream first: needs, orders, supplier plans and redirection.

    `final` is the final need summed over sectors, (B, I, C).
    """
    b, (ni, nc), ne = ctx.draws, ctx.net.shape, len(ctx.net.edge_item)
    p = {
        k: np.zeros((b, ni, nc))
        for k in ("need_int", "need", "fill", "planned", "stock_fill", "stock_sold", "redirect_out", "redirect_in")
    }
    p.update(orders=np.zeros((b, ne)), refused=np.zeros((b, ne)), bound=np.zeros((b, ni)), final=final)
    for lv in reversed(ctx.levels):
        _plan_level(lv, p, state, drv, ctx)
    return Plan(**{k: p[k] for k in Plan._fields})


def allocate(pool: np.ndarray, need: np.ndarray, order: np.ndarray, n_priority: int) -> np.ndarray:
    """Split `pool` (B, ...) over sectors (last axis of `need`): priority first, then pro rata.

    Examples
    --------
    >>> allocate(np.array([[[6.0]]]), np.array([[[[5.0, 5.0]]]]), np.array([1, 0]), 1).tolist()
    [[[[1.0, 5.0]]]]
    """
    ordered = need[..., order]
    first, rest = ordered[..., :n_priority], ordered[..., n_priority:]
    before = np.cumsum(first, axis=-1) - first
    got_first = np.clip(pool[..., None] - before, 0.0, first)
    left = pool - got_first.sum(-1)
    got_rest = rest * np.minimum(1.0, _share(left, rest.sum(-1)))[..., None]
    alloc = np.empty_like(need)
    alloc[..., order] = np.concatenate([got_first, got_rest], axis=-1)
    return alloc


def release(
    available: np.ndarray, need: np.ndarray, stock: np.ndarray, stock0: np.ndarray, ctx: Context
) -> tuple[np.ndarray, np.ndarray]:
    """Stockpile release by rule: (received by users, drawn from holders), both (B, n, C)."""
    rule = ctx.policy.stockpile_release
    if rule is None:
        return np.zeros_like(stock), np.zeros_like(stock)
    cover = available / np.where(need > 0, need, 1.0) * DAYS_PER_MONTH
    triggered = (need > 0) & (cover < rule.trigger_days)
    can = np.minimum(stock, rule.monthly_rate * stock0)
    gap = np.maximum(0.0, need - available) * triggered
    if rule.coordination == "own_first":
        given = np.minimum(can, gap)
        return given, given
    total = np.minimum(can.sum(-1), gap.sum(-1))[..., None]
    users = need * triggered
    return total * _share(users, users.sum(-1, keepdims=True)), total * _share(can, can.sum(-1, keepdims=True))


def _deliver_level(lv: Level, pl: Plan, d: dict, state: State, ctx: Context, supply: np.ndarray) -> None:
    net, idx, e = ctx.net, lv.items, lv.edges
    shape = state.inventory.shape
    fin = np.ones_like(d["f"])
    for o, j, _ in lv.links_in:
        fin[:, o] = np.minimum(fin[:, o], d["f"][:, j])
    d["production"][:, idx] = pl.planned[:, idx] * fin[:, idx]
    sup = net.edge_item[e] * shape[2] + net.edge_supplier[e]
    ratio = (pl.fill * fin + pl.stock_fill).reshape(shape[0], -1)[:, sup]
    d["shipments"][:, e] = pl.orders[:, e] * ratio
    at_inside = net.edge_supplier[e] == ctx.inside[net.edge_item[e]]
    asked = pl.orders[:, e] + pl.refused[:, e]
    sent_by_node = pl.redirect_out[:, idx] * fin[:, idx]  # short of inputs, a supplier sends less than it planned
    d["redirect_out"][:, idx] = sent_by_node
    scale = _share(sent_by_node.sum(-1), pl.redirect_out[:, idx].sum(-1))
    d["redirect_in"][:, idx] = pl.redirect_in[:, idx] * scale[..., None]
    buy = net.edge_item[e] * shape[2] + net.edge_buyer[e]
    receipts = gather(d["shipments"][:, e], buy, shape)[:, idx] + d["redirect_in"][:, idx]
    d["receipts"][:, idx] = receipts
    d["project_supply"][:, idx] = supply[:, idx]
    available = state.inventory[:, idx] + receipts + supply[:, idx]
    need = pl.need[:, idx]
    given, drawn = release(available, need, state.stockpile[:, idx], ctx.stock0[idx], ctx)
    d["release"][:, idx], d["drawn"][:, idx] = given, drawn
    available = available + given
    d["available"][:, idx] = available
    f = np.where(need > 0, np.minimum(1.0, _share(available, need)), 1.0)
    d["f"][:, idx] = f
    pairs = lv.pairs
    final = d["final_need"][:, pairs]
    node = ctx.pair_item[pairs], ctx.pair_country[pairs]
    f_pairs = d["f"][:, node[0], node[1]]
    alloc = allocate(f_pairs * final.sum(-1), final, ctx.sector_order, ctx.n_priority)
    firms = ctx.firms
    fill = np.ones((*final.shape[:2], 2))
    for n, mask in enumerate((at_inside, ~at_inside)):
        got = gather(d["shipments"][:, e] * mask, buy, shape)[:, node[0], node[1]]
        placed = gather(asked * mask, buy, shape)[:, node[0], node[1]]
        if n == 0:
            got = got + d["redirect_in"][:, node[0], node[1]]
        fill[..., n] = np.where(placed > 0, got / np.where(placed > 0, placed, 1.0), 1.0)
    need_p = pl.need[:, node[0], node[1]]
    inflow = d["available"][:, node[0], node[1]] - state.inventory[:, node[0], node[1]]
    total = np.where(need_p > 0, inflow / np.where(need_p > 0, need_p, 1.0), 1.0)
    supply_g = group_supply(firms.tie[:, pairs], firms.inside_share[pairs], fill, total)
    stock, running, used = operate(state.firm_stock[:, pairs], supply_g, firms.min_level)
    d["firm_stock"][:, pairs] = stock
    use, share = sector_use(alloc, final, firms.weight[pairs], running, used, firms.min_level)
    d["final_use"][:, pairs], d["stopped"][:, pairs] = use, share


def deliver(
    state: State, pl: Plan, ctx: Context, final: np.ndarray, final_sum: np.ndarray, supply: np.ndarray
) -> dict[str, np.ndarray]:
    """Pass 2, upstream first: production, shipments, receipts, project supply, release and use.

    `final` is final need by sector on the nodes with final demand, (B, F, S); `final_sum`
    the same summed over sectors on every node, (B, I, C); `supply` the projects' output
    delivered to users this month, (B, I, C).
    """
    b, (ni, nc), ne = ctx.draws, ctx.net.shape, len(ctx.net.edge_item)
    names = ("production", "redirect_out", "redirect_in", "receipts", "project_supply", "release", "drawn", "available")
    d = {k: np.zeros((b, ni, nc)) for k in names}
    d.update(
        f=np.ones((b, ni, nc)),
        shipments=np.zeros((b, ne)),
        final_need=final,
        final_use=np.zeros_like(final),
        stopped=np.zeros(final.shape),
        firm_stock=state.firm_stock.copy(),
    )
    for lv in ctx.levels:
        _deliver_level(lv, pl, d, state, ctx, supply)
    use_int = np.zeros((b, ni, nc))
    for o, j, a in ctx.links:
        use_int[:, j] += a * d["production"][:, o]
    final_use = np.zeros((b, ni, nc))
    final_use[:, ctx.pair_item, ctx.pair_country] = d["final_use"].sum(-1)
    d["use"] = use_int + final_use
    d["shortfall"] = pl.need_int * (1.0 - d["f"]) + (final_sum - final_use)
    return d


def _prices(
    state: State, pl: Plan, d: dict, ctx: Context, outlook: np.ndarray, inventory: np.ndarray
) -> tuple[np.ndarray, ...]:
    net, par, mk = ctx.net, ctx.params, ctx.markets
    requirement = pl.need + net.need * net.cover_days / DAYS_PER_MONTH
    inside = mk.inside
    refused = gather(pl.refused, net.edge_item * net.shape[1] + net.edge_supplier, state.inventory.shape)
    x_out = fill_derived(cover_ratio(d["available"], requirement, ~inside), mk)
    x_in = cover_ratio(d["available"] + refused, requirement, inside)
    hist_out, hist_in = push_history(state.cover_out, x_out), push_history(state.cover_in, x_in)
    cap = par["price_cap_ratio"]
    forward, in_view = forward_cover(inventory, outlook, par["price_outlook_months"], net, mk)
    p_out = outside_price(
        lagged_price(hist_out, par["price_lag_months"], par["price_flexibility"], cap),
        forward,
        in_view,
        par["price_flexibility"],
        cap,
    )
    trapped = trapped_inside((refused * inside).sum(-1), mk)
    p_in = inside_price(
        lagged_price(hist_in, par["price_lag_months"], par["inside_price_flexibility"], cap), state.price_in, trapped
    )
    lag = par["price_lag_months"] + par["substitution_lag_months"]
    seen = np.where(
        inside,
        lagged_price(hist_in, lag, par["inside_price_flexibility"], cap)[..., None],
        lagged_price(hist_out, lag, par["price_flexibility"], cap)[..., None],
    )
    cut = substitution(state.cut, seen, par, ctx.policy.substitution)
    return np.stack([p_in, p_out], axis=-1), hist_out, hist_in, cut


def step(
    state: State, drv: Drivers, ctx: Context, outlook: np.ndarray | None = None
) -> tuple[State, dict[str, np.ndarray]]:
    """Advance one month; returns the new state and the month's flows (see module docstring).

    `outlook` is the expected order multiplier per edge over the coming months, (B, E)
    (:func:`critmin.shock.expectations.expected_multiplier`); None: nothing foreseen.

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.simulate import simulate
    >>> from critmin.shock.network import build_network
    >>> from critmin.scenarios import parse_scenario
    >>> net = build_network(synthetic_dataset(countries=3, materials=["gallium"]))
    >>> s = parse_scenario('name="n"\\nhorizon_months=2\\nstart="2024-01"\\nseed=0\\ndraws=1')
    >>> out = simulate(net, s)
    >>> bool(abs(out.shortfall).max() < 1e-9)
    True
    """
    cut = state.cut[:, ctx.pair_item, ctx.pair_country]
    final = ctx.pair_final * drv.dem_mult * (1.0 - cut)[..., None]
    final_sum = np.zeros(state.inventory.shape)
    final_sum[:, ctx.pair_item, ctx.pair_country] = final.sum(-1)
    pl = plan(state, drv, ctx, final_sum)
    d = deliver(state, pl, ctx, final, final_sum, drv.supply)
    outlook = np.ones_like(pl.orders) if outlook is None else outlook
    price, hist_out, hist_in, cut = _prices(state, pl, d, ctx, outlook, d["available"] - d["use"])
    d.update(need=pl.need, price=price, refused=pl.refused, stock_sold=pl.stock_sold)
    new = replace(
        state,
        month=state.month + 1,
        inventory=d["available"] - d["use"],
        stockpile=state.stockpile - d["drawn"],
        cut=cut,
        bound=pl.bound,
        cover_out=hist_out,
        cover_in=hist_in,
        producer_stock=state.producer_stock - pl.stock_sold,
        firm_stock=d["firm_stock"],
        price_in=price[..., 0],
    )
    d["inventory"], d["stockpile"] = new.inventory, new.stockpile
    d["producer_stock"] = new.producer_stock
    return new, d
