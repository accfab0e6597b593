"""Reference implementation: the same rules as `step`, one node at a time in plain Python.

Slow and obvious on purpose. Tests check the vectorised engine against it on small networks
and the benchmark measures the speed-up over it. Event drivers are shared (they are inputs);
every rule of the month is re-implemented here with loops over draws, items, countries, edges.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from critmin.scenarios.spec import Scenario, StockpileRelease
from critmin.shock.context import Context, build_context
from critmin.shock.events import Drivers, batch_parameters, compile_events, draw_values, month_drivers
from critmin.shock.network import Network
from critmin.shock.parameters import DAYS_PER_MONTH as DPM

Final = list[list[list[float]]]
"""Final demand of the month per item, country and sector."""


def _div(a: float, b: float) -> float:
    return a / b if b > 0 else 0.0


def _plan(
    net: Network, ctx: Context, par: dict[str, float], st: dict[str, Any], drv: Drivers, final: Final, b: int
) -> dict[str, Any]:
    ni, nc = net.shape
    need_int = [[0.0] * nc for _ in range(ni)]
    need, planned, fill = (
        [[0.0] * nc for _ in range(ni)],
        [[0.0] * nc for _ in range(ni)],
        [[1.0] * nc for _ in range(ni)],
    )
    r_out, r_in = [[0.0] * nc for _ in range(ni)], [[0.0] * nc for _ in range(ni)]
    s_fill, s_sold = [[0.0] * nc for _ in range(ni)], [[0.0] * nc for _ in range(ni)]
    orders_e, refused_e, bound = [0.0] * len(net.edge_item), [0.0] * len(net.edge_item), [0.0] * ni
    for lv in reversed(ctx.levels):
        for o, j, a in lv.links_out:
            for c in range(nc):
                need_int[j][c] += a * planned[o][c]
        for i in lv.items:
            received, short = [0.0] * nc, [0.0] * nc
            orders = []
            for c in range(nc):
                need[i][c] = need_int[i][c] + sum(final[i][c])
                target = need[i][c] * net.cover_days[i, c] / DPM
                orders.append(max(0.0, need[i][c] + (target - st["inv"][i][c]) / max(par["rebuild_months"], 1e-9)))
            for e in lv.edges:
                if net.edge_item[e] != i:
                    continue
                asked = orders[net.edge_buyer[e]] * net.edge_share[e]
                extra = max(0.0, asked - need[i][net.edge_buyer[e]] * net.edge_share[e])
                orders_e[e] = asked * drv.edge_mult[b, e] - extra * (drv.edge_mult[b, e] - drv.restock_mult[b, e])
                refused_e[e] = max(0.0, asked - orders_e[e])
                received[net.edge_supplier[e]] += orders_e[e]
                short[net.edge_buyer[e]] += refused_e[e]
            bound[i] = st["bound"][i] + 1 if st["bound"][i] > 0 or sum(short) > 0 else 0
            ramp = par["ramp_up_rate"] * ctx.world[i] / 12.0
            late = max(0.0, st["bound"][i] - par["new_capacity_lead_months"])
            open_cap = sum(net.capacity[i, c] for c in range(nc) if not drv.blocked[b, i, c])
            idle = [0.0] * nc
            normal = [0.0] * nc
            sold = [0.0] * nc
            for c in range(nc):
                is_open = not drv.blocked[b, i, c]
                new = ramp * late * _div(net.capacity[i, c] * is_open, open_cap)
                cap = net.capacity[i, c] * drv.cap_mult[b, i, c] + new
                normal[c] = min(received[c], cap)
                sold[c] = min(received[c] - normal[c], st["pstock"][i][c])
                s_fill[i][c] = _div(sold[c], received[c])
                s_sold[i][c] = sold[c]
                fill[i][c] = _div(normal[c], received[c]) if received[c] > 0 else 1.0
                idle[c] = (cap - normal[c]) * is_open
            total = min(sum(idle), sum(short), ramp * bound[i])
            for c in range(nc):
                r_out[i][c] = total * _div(idle[c], sum(idle))
                r_in[i][c] = total * _div(short[c], sum(short))
                planned[i][c] = normal[c] + r_out[i][c]
    return dict(
        need_int=need_int,
        need=need,
        planned=planned,
        fill=fill,
        r_out=r_out,
        r_in=r_in,
        orders=orders_e,
        refused=refused_e,
        bound=bound,
        s_fill=s_fill,
        s_sold=s_sold,
    )


def _allocate(
    pool: float, need_s: list[float], order: list[int], n_prio: int, min_level: float
) -> tuple[list[float], list[bool]]:
    alloc = [0.0] * len(need_s)
    left = pool
    for s in order[:n_prio]:
        alloc[s] = min(max(left, 0.0), need_s[s])
        left -= alloc[s]
    rest = [s for s in order[n_prio:]]
    ratio = min(1.0, _div(pool - sum(alloc[s] for s in order[:n_prio]), sum(need_s[s] for s in rest)))
    for s in rest:
        alloc[s] = need_s[s] * ratio
    stopped = [need_s[s] > 0 and alloc[s] < min_level * need_s[s] for s in range(len(need_s))]
    return [0.0 if stopped[s] else alloc[s] for s in range(len(need_s))], stopped


def _release(
    avail: list[float], need: list[float], stock: list[float], stock0: Any, rule: StockpileRelease | None
) -> tuple[list[float], list[float]]:
    n = len(avail)
    if rule is None:
        return [0.0] * n, [0.0] * n
    trig = [need[c] > 0 and avail[c] / need[c] * DPM < rule.trigger_days for c in range(n)]
    can = [min(stock[c], rule.monthly_rate * stock0[c]) for c in range(n)]
    gap = [max(0.0, need[c] - avail[c]) * trig[c] for c in range(n)]
    if rule.coordination == "own_first":
        given = [min(can[c], gap[c]) for c in range(n)]
        return given, given
    total = min(sum(can), sum(gap))
    users = [need[c] * trig[c] for c in range(n)]
    return [total * _div(users[c], sum(users)) for c in range(n)], [total * _div(can[c], sum(can)) for c in range(n)]


def _deliver(
    net: Network,
    ctx: Context,
    par: dict[str, float],
    st: dict[str, Any],
    pl: dict[str, Any],
    final: Final,
    b: int,
    supply: np.ndarray,
) -> dict[str, Any]:
    ni, nc = net.shape
    f = [[1.0] * nc for _ in range(ni)]
    prod, rec, given_all, drawn_all, avail_all = ([[0.0] * nc for _ in range(ni)] for _ in range(5))
    use_f = [[[0.0] * len(net.sectors) for _ in range(nc)] for _ in range(ni)]
    stop = [[[False] * len(net.sectors) for _ in range(nc)] for _ in range(ni)]
    ship = [0.0] * len(net.edge_item)
    for lv in ctx.levels:
        fin: dict[tuple[int, int], float] = {}
        for o, j, _ in lv.links_in:
            for c in range(nc):
                fin[o, c] = min(fin.get((o, c), 1.0), f[j][c])
        for i in lv.items:
            sent = 0.0
            for c in range(nc):
                prod[i][c] = pl["planned"][i][c] * fin.get((i, c), 1.0)
                sent += pl["r_out"][i][c] * fin.get((i, c), 1.0)
            scale = _div(sent, sum(pl["r_out"][i]))
            for c in range(nc):
                rec[i][c] = pl["r_in"][i][c] * scale
            for e in lv.edges:
                if net.edge_item[e] == i:
                    k = net.edge_supplier[e]
                    ship[e] = pl["orders"][e] * (pl["fill"][i][k] * fin.get((i, k), 1.0) + pl["s_fill"][i][k])
                    rec[i][net.edge_buyer[e]] += ship[e]
            avail = [st["inv"][i][c] + rec[i][c] + float(supply[i, c]) for c in range(nc)]
            given, drawn = _release(avail, pl["need"][i], st["stock"][i], ctx.stock0[i], ctx.policy.stockpile_release)
            for c in range(nc):
                avail_all[i][c] = avail[c] + given[c]
                given_all[i][c], drawn_all[i][c] = given[c], drawn[c]
                need = pl["need"][i][c]
                f[i][c] = min(1.0, _div(avail_all[i][c], need)) if need > 0 else 1.0
                use_f[i][c], stop[i][c] = _allocate(
                    f[i][c] * sum(final[i][c]),
                    final[i][c],
                    list(ctx.sector_order),
                    ctx.n_priority,
                    par["min_operating_level"],
                )
    return dict(
        prod=prod, rec=rec, given=given_all, drawn=drawn_all, avail=avail_all, f=f, use_f=use_f, stop=stop, ship=ship
    )


def _prices(
    net: Network, ctx: Context, par: dict[str, float], st: dict[str, Any], pl: dict[str, Any], d: dict[str, Any]
) -> tuple[list[list[float]], dict[str, list[list[float]]]]:
    ni, nc = net.shape
    hist: dict[str, list[list[float]]] = {"out": [], "in": []}
    price: list[list[float]] = []
    for i in range(ni):
        req = [pl["need"][i][c] + net.need[i, c] * net.cover_days[i, c] / DPM for c in range(nc)]
        refused = sum(
            pl["refused"][e]
            for e in range(len(net.edge_item))
            if net.edge_item[e] == i and net.edge_supplier[e] == ctx.inside[i]
        )
        k = ctx.inside[i]
        x_in = _div(d["avail"][i][k] + refused, req[k]) if req[k] > 0 else 1.0
        den = sum(req[c] for c in range(nc) if c != k)
        x_out = sum(d["avail"][i][c] for c in range(nc) if c != k) / den if den > 0 else 1.0
        h_out = [x_out, *st["h_out"][i][:-1]]
        h_in = [x_in, *st["h_in"][i][:-1]]
        hist["out"].append(h_out)
        hist["in"].append(h_in)

        def p(h: list[float], lag: float, flex: float) -> float:
            x = math.log(max(h[int(lag)], 1e-12))
            r = 1.0 - flex * x if x < 0 else 1.0 / (1.0 + flex * x)
            return min(max(r, 1.0 / par["price_cap_ratio"]), par["price_cap_ratio"])

        price.append(
            [
                p(h_in, par["price_lag_months"], par["inside_price_flexibility"]),
                p(h_out, par["price_lag_months"], par["price_flexibility"]),
            ]
        )
        lag = par["price_lag_months"] + par["substitution_lag_months"]
        for c in range(nc):
            seen = p(h_in, lag, par["inside_price_flexibility"]) if c == k else p(h_out, lag, par["price_flexibility"])
            if ctx.policy.substitution:
                desired = min(par["substitution_cap"], par["substitution_sensitivity"] * math.log(max(seen, 1.0)))
                st["cut"][i][c] = max(
                    st["cut"][i][c], min(desired, st["cut"][i][c] + par["substitution_max_rate"] / 12)
                )
    return price, hist


def reference_run(net: Network, scenario: Scenario, draws: Sequence[int]) -> dict[str, np.ndarray]:
    """Production, receipts, inventory, shortfall and price ratio per (draw, month, ...)."""
    values = draw_values(scenario, draws)
    params = batch_parameters(net.parameters, scenario, values, len(draws))
    ctx = build_context(net, scenario, params)
    events = compile_events(scenario, net, params, values, len(draws))
    drivers = [month_drivers(events, t) for t in range(scenario.horizon_months)]
    ni, nc = net.shape
    out: dict[str, list[np.ndarray]] = {
        k: [] for k in ("production", "receipts", "inventory", "shortfall", "price_ratio")
    }
    for b in range(len(draws)):
        par = {k: float(v[b]) for k, v in params.items()}
        inv0 = net.need * net.cover_days / DPM
        st = {
            "inv": inv0.tolist(),
            "stock": net.stockpile.tolist(),
            "bound": [0.0] * ni,
            "cut": [[0.0] * nc for _ in range(ni)],
            "pstock": (par["producer_stock_months"] * net.production).tolist(),
            "h_out": [[1.0] * ctx.history for _ in range(ni)],
            "h_in": [[1.0] * ctx.history for _ in range(ni)],
        }
        rows: dict[str, list[np.ndarray]] = {k: [] for k in out}
        for drv in drivers:
            final = [
                [
                    [
                        (
                            ctx.pair_final[ctx.pair_of[i, c], s] * drv.dem_mult[b, ctx.pair_of[i, c], s]
                            if ctx.pair_of[i, c] >= 0
                            else 0.0
                        )
                        * (1.0 - st["cut"][i][c])
                        for s in range(len(net.sectors))
                    ]
                    for c in range(nc)
                ]
                for i in range(ni)
            ]
            pl = _plan(net, ctx, par, st, drv, final, b)
            d = _deliver(net, ctx, par, st, pl, final, b, drv.supply[b])
            use_int = [[0.0] * nc for _ in range(ni)]
            for o, j, a in ctx.links:
                for c in range(nc):
                    use_int[j][c] += a * d["prod"][o][c]
            short = [
                [
                    pl["need_int"][i][c] * (1.0 - d["f"][i][c]) + sum(final[i][c]) - sum(d["use_f"][i][c])
                    for c in range(nc)
                ]
                for i in range(ni)
            ]
            price, hist = _prices(net, ctx, par, st, pl, d)
            for i in range(ni):
                for c in range(nc):
                    st["inv"][i][c] = d["avail"][i][c] - use_int[i][c] - sum(d["use_f"][i][c])
                    st["stock"][i][c] -= d["drawn"][i][c]
                    st["pstock"][i][c] -= pl["s_sold"][i][c]
            st.update(bound=pl["bound"], h_out=hist["out"], h_in=hist["in"])
            for k, v in (
                ("production", d["prod"]),
                ("receipts", d["rec"]),
                ("inventory", st["inv"]),
                ("shortfall", short),
                ("price_ratio", price),
            ):
                rows[k].append(np.array(v, dtype=float))
        for k in out:
            out[k].append(np.stack(rows[k]))
    return {k: np.stack(v) for k, v in out.items()}
