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
from critmin.shock.expectations import expected_multiplier
from critmin.shock.firms import FIRM_CLASSES, ORIGIN_GROUPS
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
                sold[c] = min(received[c] - normal[c], st["pstock"][i][c] * min(drv.cap_mult[b, i, c], 1.0))
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


def _allocate(pool: float, need_s: list[float], order: list[int], n_prio: int) -> list[float]:
    alloc = [0.0] * len(need_s)
    left = pool
    for s in order[:n_prio]:
        alloc[s] = min(max(left, 0.0), need_s[s])
        left -= alloc[s]
    rest = [s for s in order[n_prio:]]
    ratio = min(1.0, _div(pool - sum(alloc[s] for s in order[:n_prio]), sum(need_s[s] for s in rest)))
    for s in rest:
        alloc[s] = need_s[s] * ratio
    return alloc


def _firms(
    ctx: Context, b: int, p: int, stock: list[list[list[float]]], alloc: list[float], final_s: list[float], rates: tuple
) -> tuple[list[float], list[float]]:
    """Firm classes of one node (pair `p`), in place on `stock`: final use and stopped share."""
    firms, (f_in, f_oth, total) = ctx.firms, rates
    h = float(firms.inside_share[p])
    mix = h * f_in + (1.0 - h) * f_oth
    use_s, share_s = [], []
    for s in range(len(final_s)):
        level = float(firms.min_level[b, s])
        wanted = share = 0.0
        for g in range(len(stock[s])):
            a = float(firms.tie[b, p, g])
            q = total * (a * f_in + (1.0 - a) * f_oth) / mix if mix > 0 else total
            w = float(firms.weight[p, g]) / len(stock[s][g])
            for k in range(len(stock[s][g])):
                have = stock[s][g][k] + q
                used = min(1.0, have) if have >= level else 0.0
                stock[s][g][k] = have - used
                wanted += w * used
                share += w * (have < level)
        wanted *= final_s[s]
        empty = final_s[s] > 0 and alloc[s] < level * wanted
        use_s.append(0.0 if empty else min(alloc[s], wanted))
        share_s.append((1.0 if empty else share) if final_s[s] > 0 else 0.0)
    return use_s, share_s


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
    stop = [[[0.0] * len(net.sectors) for _ in range(nc)] for _ in range(ni)]
    ship = [0.0] * len(net.edge_item)
    got = [[[0.0, 0.0] for _ in range(nc)] for _ in range(ni)]
    placed = [[[0.0, 0.0] for _ in range(nc)] for _ in range(ni)]
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
                    n = 0 if k == ctx.inside[i] else 1
                    got[i][net.edge_buyer[e]][n] += ship[e]
                    placed[i][net.edge_buyer[e]][n] += pl["orders"][e] + pl["refused"][e]
            avail = [st["inv"][i][c] + rec[i][c] + float(supply[i, c]) for c in range(nc)]
            given, drawn = _release(avail, pl["need"][i], st["stock"][i], ctx.stock0[i], ctx.policy.stockpile_release)
            for c in range(nc):
                avail_all[i][c] = avail[c] + given[c]
                given_all[i][c], drawn_all[i][c] = given[c], drawn[c]
                need = pl["need"][i][c]
                f[i][c] = min(1.0, _div(avail_all[i][c], need)) if need > 0 else 1.0
                p = int(ctx.pair_of[i, c])
                if p < 0:
                    continue
                alloc = _allocate(f[i][c] * sum(final[i][c]), final[i][c], list(ctx.sector_order), ctx.n_priority)
                got[i][c][0] += rec[i][c] - sum(got[i][c])  # redirected supply replaces refused orders
                fills = [got[i][c][n] / placed[i][c][n] if placed[i][c][n] > 0 else 1.0 for n in range(2)]
                total = (avail_all[i][c] - st["inv"][i][c]) / need if need > 0 else 1.0
                use_f[i][c], stop[i][c] = _firms(
                    ctx, b, p, st["firm"][p], alloc, final[i][c], (fills[0], fills[1], total)
                )
    return dict(
        prod=prod, rec=rec, given=given_all, drawn=drawn_all, avail=avail_all, f=f, use_f=use_f, stop=stop, ship=ship
    )


def _ratio(x: float, flex: float, cap: float) -> float:
    log = math.log(max(x, 1e-12))
    r = 1.0 - flex * log if log < 0 else 1.0 / (1.0 + flex * log)
    return min(max(r, 1.0 / cap), cap)


def _derive(values: list[float], ctx: Context) -> list[float]:
    """Items without outside users take the weighted value of the items they feed."""
    out = list(values)
    for j in ctx.markets.derived:
        out[j] = sum(float(ctx.markets.feeds[j, o]) * out[o] for o in range(len(out)))
    return out


def _forward(
    net: Network, ctx: Context, par: dict[str, float], inv_end: list[list[float]], mult: np.ndarray
) -> tuple[list[float], list[float]]:
    ni, nc = net.shape
    flow = ctx.markets.outside_flow
    h = par["price_outlook_months"]
    x_fwd, moved = [1.0] * ni, [0.0] * ni
    for i in range(ni):
        k = ctx.inside[i]
        edges = [e for e in range(len(net.edge_item)) if net.edge_item[e] == i]
        base = sum(flow[e] for e in edges)
        fill = sum(flow[e] * mult[e] for e in edges) / base if base > 0 else 1.0
        moved[i] = float(sum(1 for e in edges if abs(mult[e] - 1.0) > 1e-12 and flow[e] > 0))
        need0 = sum(net.need[i, c] for c in range(nc) if c != k)
        target = sum(net.need[i, c] * net.cover_days[i, c] / DPM for c in range(nc) if c != k)
        stock = sum(inv_end[i][c] for c in range(nc) if c != k)
        den = h * need0 + target
        x_fwd[i] = (stock + h * need0 * fill) / den if den > 0 else 1.0
    return _derive(x_fwd, ctx), _derive(moved, ctx)


def _prices(
    net: Network,
    ctx: Context,
    par: dict[str, float],
    st: dict[str, Any],
    pl: dict[str, Any],
    d: dict[str, Any],
    inv_end: list[list[float]],
    mult: np.ndarray,
) -> tuple[list[list[float]], dict[str, list[list[float]]]]:
    ni, nc = net.shape
    hist: dict[str, list[list[float]]] = {"out": [], "in": []}
    price: list[list[float]] = []
    cap = par["price_cap_ratio"]
    x_out, x_in, trapped = [1.0] * ni, [1.0] * ni, [False] * ni
    for i in range(ni):
        req = [pl["need"][i][c] + net.need[i, c] * net.cover_days[i, c] / DPM for c in range(nc)]
        refused = sum(
            pl["refused"][e]
            for e in range(len(net.edge_item))
            if net.edge_item[e] == i and net.edge_supplier[e] == ctx.inside[i]
        )
        k = ctx.inside[i]
        trapped[i] = refused > 0
        x_in[i] = _div(d["avail"][i][k] + refused, req[k]) if req[k] > 0 else 1.0
        den = sum(req[c] for c in range(nc) if c != k)
        x_out[i] = sum(d["avail"][i][c] for c in range(nc) if c != k) / den if den > 0 else 1.0
    x_out = _derive(x_out, ctx)
    held = [any(trapped[o] for o in range(ni) if o == j or ctx.markets.upstream[j, o]) for j in range(ni)]
    x_fwd, moved = _forward(net, ctx, par, inv_end, mult)
    for i in range(ni):
        k = ctx.inside[i]
        h_out = [x_out[i], *st["h_out"][i][:-1]]
        h_in = [x_in[i], *st["h_in"][i][:-1]]
        hist["out"].append(h_out)
        hist["in"].append(h_in)
        lag = int(par["price_lag_months"])
        p_out = _ratio(h_out[lag], par["price_flexibility"], cap)
        if moved[i] > 0 and x_fwd[i] < 1.0:
            p_out = max(p_out, _ratio(x_fwd[i], par["price_flexibility"], cap))
        p_in = _ratio(h_in[lag], par["inside_price_flexibility"], cap)
        if held[i]:
            p_in = min(p_in, st["price_in"][i])
        st["price_in"][i] = p_in
        price.append([p_in, p_out])
        sub = int(par["price_lag_months"] + par["substitution_lag_months"])
        for c in range(nc):
            seen = (
                _ratio(h_in[sub], par["inside_price_flexibility"], cap)
                if c == k
                else _ratio(h_out[sub], par["price_flexibility"], cap)
            )
            if ctx.policy.substitution:
                desired = min(par["substitution_cap"], par["substitution_sensitivity"] * math.log(max(seen, 1.0)))
                st["cut"][i][c] = max(
                    st["cut"][i][c], min(desired, st["cut"][i][c] + par["substitution_max_rate"] / 12)
                )
    return price, hist


def _by_material(net: Network, x: list[list[list[float]]], total: bool) -> list[list[list[float]]]:
    """(item, country, sector) -> (material, country, sector): summed, or the largest (shares)."""
    materials = list(dict.fromkeys(m for m, _ in net.items))
    ni, nc, ns = len(net.items), len(net.countries), len(net.sectors)
    out = [[[0.0] * ns for _ in range(nc)] for _ in materials]
    for i in range(ni):
        m = materials.index(net.items[i][0])
        for c in range(nc):
            for s in range(ns):
                out[m][c][s] = out[m][c][s] + x[i][c][s] if total else max(out[m][c][s], x[i][c][s])
    return out


def reference_run(net: Network, scenario: Scenario, draws: Sequence[int]) -> dict[str, np.ndarray]:
    """Production, receipts, inventory, shortfall, price ratio, final use and stopped share of
    output (by material, country, sector) per (draw, month, ...)."""
    values = draw_values(scenario, draws)
    params = batch_parameters(net.parameters, scenario, values, len(draws))
    ctx = build_context(net, scenario, params)
    events = compile_events(scenario, net, params, values, len(draws))
    drivers = [month_drivers(events, t) for t in range(scenario.horizon_months)]
    ni, nc = net.shape
    out: dict[str, list[np.ndarray]] = {
        k: [] for k in ("production", "receipts", "inventory", "shortfall", "price_ratio", "final_use", "stopped")
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
            "price_in": [1.0] * ni,
            "firm": [
                [
                    [
                        [float(ctx.firms.stock0[b, p, s, 0, k]) for k in range(FIRM_CLASSES)]
                        for _ in range(ORIGIN_GROUPS)
                    ]
                    for s in range(len(net.sectors))
                ]
                for p in range(len(ctx.pair_item))
            ],
        }
        rows: dict[str, list[np.ndarray]] = {k: [] for k in out}
        for t, drv in enumerate(drivers):
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
            inv_end = [[d["avail"][i][c] - use_int[i][c] - sum(d["use_f"][i][c]) for c in range(nc)] for i in range(ni)]
            mult = expected_multiplier(events, t, params["price_outlook_months"])[b]
            price, hist = _prices(net, ctx, par, st, pl, d, inv_end, mult)
            for i in range(ni):
                for c in range(nc):
                    st["inv"][i][c] = inv_end[i][c]
                    st["stock"][i][c] -= d["drawn"][i][c]
                    st["pstock"][i][c] -= pl["s_sold"][i][c]
            st.update(bound=pl["bound"], h_out=hist["out"], h_in=hist["in"])
            for k, v in (
                ("production", d["prod"]),
                ("receipts", d["rec"]),
                ("inventory", st["inv"]),
                ("shortfall", short),
                ("price_ratio", price),
                ("final_use", _by_material(net, d["use_f"], total=True)),
                ("stopped", _by_material(net, d["stop"], total=False)),
            ):
                rows[k].append(np.array(v, dtype=float))
        for k in out:
            out[k].append(np.stack(rows[k]))
    return {k: np.stack(v) for k, v in out.items()}
