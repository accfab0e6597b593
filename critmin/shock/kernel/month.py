# mypy: disallow-untyped-defs=False
# (numba infers the types of these compiled functions from their first call; annotations are not used)
"""The month step of :mod:`critmin.shock.step`, fused: one draw at a time, active nodes only.

Every function here is ``@njit(cache=True, nogil=True)`` and works on flat float64 arrays
(node ``n = item * C + country``). The arithmetic follows the numpy step operation by operation,
and sums over countries, sectors and firm classes use numpy's pairwise order
(:func:`pairwise`), so results agree with the numpy step to rounding (a ``log`` or a BLAS dot
may differ in the last bit) and a draw's numbers never depend on the other draws of its block.
Scratch arrays hold zeros outside the active nodes, so a row sum over all countries equals the
numpy sum over the full row, zeros included. Arrays of one kind are stacked (node scratch
``sn[ROW, node]``, node outputs ``on[ROW, draw, node]``) so that each compiled function takes
few arguments: numba's compile time grows with them. The constants are the tuple built by
:func:`critmin.shock.kernel.layout.build_layout`; :func:`block` unpacks it in that order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from critmin.shock.parameters import DAYS_PER_MONTH as DPM

PAIRWISE_BLOCK = 128
"""Longest row numpy sums in one block of eight partial sums."""

# columns of the per-draw parameter matrix (layout.PARAMETER_COLUMNS)
REBUILD, RAMP, LEAD, CAP, OUTLOOK, FLEX, IFLEX, LAG, SUBLAG, SCAP, SSENS, SRATE = range(12)
# rows of the node scratch sn (N,), item scratch si (I,) and small scratch sm
NEED_INT, NEED, FILL, STOCK_FILL, PLANNED, RIN, RECEIVED, SHORT, IDLE, ORDN, FINAL_SUM = range(11)
AVAILABLE, CAN, GAP, USERS, GIVEN, FIN, F, USE_INT, REFNODE, FU = range(11, 21)
NODE_SCRATCH = 21
XO, XI, FWD, MOVED = range(4)
ORDERED, ALLOC, WK = range(3)
# rows of the outputs: on (node), oe (edge), op (final-demand node x sector); kernel.NODE_ROWS names them
STOCK_SOLD, ROUT, DRAWN, PRODUCTION, RIN_D, RECEIPTS, PROJECT, RELEASE, AVAIL, F_OUT = range(10)
USE, SHORTFALL, NEED_OUT, INVENTORY, STOCKPILE, PSTOCK, CUT = range(10, 17)
REFUSED, SHIPMENTS = range(2)
FINAL_NEED, FINAL_USE, STOPPED = range(3)


@njit(cache=True, nogil=True)
def pairwise(a, r, start, n):
    """Sum of ``a[r, start:start + n]`` in numpy's pairwise order (bit-identical to ``ndarray.sum``).

    Takes the 2-D array and a row rather than the row itself: a slice made in a loop costs an
    atomic reference count increment and decrement, more than a short sum.

    Numpy splits rows longer than :data:`PAIRWISE_BLOCK` in halves; the kernel does not run
    on such networks (:func:`critmin.shock.kernel.layout.unsupported`), so no recursion here
    (a recursive function cannot be loaded from numba's cache).
    """
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[r, start + i]
        return res
    r0, r1, r2, r3 = a[r, start], a[r, start + 1], a[r, start + 2], a[r, start + 3]
    r4, r5, r6, r7 = a[r, start + 4], a[r, start + 5], a[r, start + 6], a[r, start + 7]
    i = 8
    while i < n - (n % 8):
        k = start + i
        r0 += a[r, k]
        r1 += a[r, k + 1]
        r2 += a[r, k + 2]
        r3 += a[r, k + 3]
        r4 += a[r, k + 4]
        r5 += a[r, k + 5]
        r6 += a[r, k + 6]
        r7 += a[r, k + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[r, start + i]
        i += 1
    return res


@njit(cache=True, nogil=True)
def share(part, whole):
    return part / whole if whole > 0 else 0.0


@njit(cache=True, nogil=True)
def price_ratio(cover, flex, cap):
    log = np.log(max(cover, 1e-12))
    ratio = 1.0 - flex * log if log < 0 else 1.0 / (1.0 + flex * log)
    return min(max(ratio, 1.0 / cap), cap)


@njit(cache=True, nogil=True)
def fill_derived(x, derived, feeds):
    """``prices.fill_derived`` in place on one draw's (I,) vector."""
    ni = x.shape[0]
    for j in derived:
        total = 0.0
        for o in range(ni):
            total += x[o] * feeds[j, o]
        x[j] = total


@njit(cache=True, nogil=True)
def plan(b, nc, lev, links, act_ptr, act_c, edges, node_c, world, st, drv, sn, orders, on, oe, bound, par):
    """Pass 1 for draw b: needs, orders, supplier plans, redirection (downstream first)."""
    lev_ptr, lev_items, lev_out_ptr, lev_out = lev[0], lev[1], lev[2], lev[3]
    link_o, link_j, link_a = links
    e_ptr, edge_sup, edge_buy, edge_share = edges[0], edges[1], edges[2], edges[3]
    capacity, cover_days = node_c[0], node_c[1]
    inv, bound0, pstock = st[0][b], st[4][b], st[7][b]
    edge_mult, blocked, cap_mult, restock = drv[0][b], drv[1][b], drv[2][b], drv[5][b]
    rebuild = max(par[REBUILD], 1e-9)
    for lv in range(len(lev_ptr) - 2, -1, -1):
        for q in range(lev_out_ptr[lv], lev_out_ptr[lv + 1]):
            li = lev_out[q]
            o, j, a = link_o[li], link_j[li], link_a[li]
            for m in range(act_ptr[o], act_ptr[o + 1]):
                c = act_c[m]
                sn[NEED_INT, j * nc + c] += a * sn[PLANNED, o * nc + c]
        for q in range(lev_ptr[lv], lev_ptr[lv + 1]):
            i = lev_items[q]
            row = i * nc
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = row + act_c[m]
                nd = sn[NEED_INT, n] + sn[FINAL_SUM, n]
                sn[NEED, n] = nd
                target = nd * cover_days[n] / DPM
                sn[ORDN, n] = max(0.0, nd + (target - inv[n]) / rebuild)
                sn[RECEIVED, n] = 0.0
                sn[SHORT, n] = 0.0
            for e in range(e_ptr[i], e_ptr[i + 1]):
                nb = row + edge_buy[e]
                asked = sn[ORDN, nb] * edge_share[e]
                restocking = max(0.0, asked - sn[NEED, nb] * edge_share[e])
                mult = edge_mult[e]
                oq = asked * mult - restocking * (mult - restock[e])
                orders[e] = oq
                re = max(0.0, asked - oq)
                oe[REFUSED, b, e] = re
                sn[RECEIVED, row + edge_sup[e]] += oq
                sn[SHORT, nb] += re
            b0 = bound0[i]
            bd = b0 + 1 if (b0 > 0 or pairwise(sn, SHORT, row, nc) > 0) else 0.0
            bound[b, i] = bd
            ramp = par[RAMP] * world[i] / 12.0
            late = max(0.0, b0 - par[LEAD])
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = row + act_c[m]
                sn[IDLE, n] = capacity[n] * (0.0 if blocked[n] else 1.0)
            base_sum = pairwise(sn, IDLE, row, nc)
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = row + act_c[m]
                open_ = 0.0 if blocked[n] else 1.0
                cap = capacity[n] * cap_mult[n] + (ramp * late) * share(capacity[n] * open_, base_sum)
                rec = sn[RECEIVED, n]
                made = min(rec, cap)
                sold = min(rec - made, pstock[n] * min(cap_mult[n], 1.0))
                sn[FILL, n] = made / rec if rec > 0 else 1.0
                sn[STOCK_FILL, n] = share(sold, rec)
                on[STOCK_SOLD, b, n] = sold
                sn[PLANNED, n] = made
                sn[IDLE, n] = (cap - made) * open_
            idle_sum, short_sum = pairwise(sn, IDLE, row, nc), pairwise(sn, SHORT, row, nc)
            total = min(min(idle_sum, short_sum), ramp * bd)
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = row + act_c[m]
                ro = total * share(sn[IDLE, n], idle_sum)
                on[ROUT, b, n] = ro
                sn[RIN, n] = total * share(sn[SHORT, n], short_sum)
                sn[PLANNED, n] += ro


@njit(cache=True, nogil=True)
def release(row, nc, lo, hi, act_c, stock0, stock, sn, drawn, rule):
    """Stockpile release (``step.release``) of one item's active nodes ``act_c[lo:hi]`` into ``sn[GIVEN]``."""
    has, trigger, rate, own_first = rule
    for m in range(lo, hi):
        n = row + act_c[m]
        if not has:
            sn[GIVEN, n] = 0.0
            drawn[n] = 0.0
            continue
        nd, av = sn[NEED, n], sn[AVAILABLE, n]
        cover = av / (nd if nd > 0 else 1.0) * DPM
        on_ = 1.0 if (nd > 0 and cover < trigger) else 0.0
        sn[CAN, n] = min(stock[n], rate * stock0[n])
        sn[GAP, n] = max(0.0, nd - av) * on_
        sn[USERS, n] = nd * on_
        if own_first:
            sn[GIVEN, n] = min(sn[CAN, n], sn[GAP, n])
            drawn[n] = sn[GIVEN, n]
    if has and not own_first:
        can_sum, users_sum = pairwise(sn, CAN, row, nc), pairwise(sn, USERS, row, nc)
        total = min(can_sum, pairwise(sn, GAP, row, nc))
        for m in range(lo, hi):
            n = row + act_c[m]
            sn[GIVEN, n] = total * share(sn[USERS, n], users_sum)
            drawn[n] = total * share(sn[CAN, n], can_sum)


@njit(cache=True, nogil=True)
def allocate(pool, final, p, order, n_priority, sm):
    """``step.allocate`` for pair `p` into ``sm[ALLOC]``: priority sectors in order, then pro rata."""
    ns = order.shape[0]
    for q in range(ns):
        sm[ORDERED, q] = final[p, order[q]]
    before = 0.0
    for q in range(n_priority):
        first = sm[ORDERED, q]
        sm[ALLOC, order[q]] = min(max(pool - (before + first - first), 0.0), first)
        before += first
    # ``need[..., order]`` puts the sector axis outermost in memory, so numpy sums it in sequence
    got, rest = 0.0, 0.0
    for q in range(n_priority):
        got += sm[ALLOC, order[q]]
    for q in range(n_priority, ns):
        rest += sm[ORDERED, q]
    left = pool - got
    scale = min(1.0, share(left, rest))
    for q in range(n_priority, ns):
        sm[ALLOC, order[q]] = sm[ORDERED, q] * scale


@njit(cache=True, nogil=True)
def firms(
    p, lo, hi, sectors, weight, tie, min_level, stock, new, final, use_out, stopped, fill_in, fill_oth, total, sm
):
    """Firm classes of pair `p` (``firms.group_supply``, ``operate``, ``sector_use``), for the
    sectors with final demand ``sectors[lo:hi]`` only: the others never use or stop anything, so
    their outputs stay zero in the buffers and their classes are left as they are.
    Arrays are indexed whole (``stock[p, s, g, c]``), never sliced: a slice costs a reference count.
    """
    ng, nk = stock.shape[2], stock.shape[3]
    h = weight[p, 0]
    mix = h * fill_in + (1.0 - h) * fill_oth
    for x in range(lo, hi):
        s = sectors[x]
        level = min_level[s]
        for g in range(ng):
            own = tie[p, g] * fill_in + (1.0 - tie[p, g]) * fill_oth
            q = total * (own / mix if mix > 0 else 1.0)
            w = weight[p, g] / nk
            for c in range(nk):
                have = stock[p, s, g, c] + q
                running = have >= level
                use = min(1.0, have) if running else 0.0
                new[p, s, g, c] = have - use
                sm[WK, g * nk + c] = w * use
                sm[WK, ng * nk + g * nk + c] = 0.0 if running else w
        fin = final[p, s]
        wanted = fin * pairwise(sm, WK, 0, ng * nk)
        empty = fin > 0 and sm[ALLOC, s] < level * wanted
        stopped[p, s] = (1.0 if empty else pairwise(sm, WK, ng * nk, ng * nk)) if fin > 0 else 0.0
        use_out[p, s] = 0.0 if empty else min(sm[ALLOC, s], wanted)


@njit(cache=True, nogil=True)
def deliver(
    b,
    nc,
    lev,
    links,
    act_ptr,
    act_c,
    edges,
    at_inside,
    pairs,
    stock0,
    st,
    drv,
    sn,
    sm,
    orders,
    on,
    oe,
    op,
    firm_new,
    rule,
    tie,
    min_level,
):
    """Pass 2 for draw b: production, shipments, receipts, release, use (upstream first)."""
    lev_ptr, lev_items, lev_in_ptr, lev_in, lev_pair_ptr, lev_pairs = lev[0], lev[1], lev[4], lev[5], lev[6], lev[7]
    link_o, link_j = links[0], links[1]
    e_ptr, edge_sup, in_ptr, in_e = edges[0], edges[1], edges[4], edges[5]
    pair_item, pair_country, weight, order, n_priority, dem_ptr, dem_s = pairs
    inv, stock, firm_stock, supply = st[0][b], st[1][b], st[8][b], drv[4][b]
    final, use, stopped, shipped = op[FINAL_NEED, b], op[FINAL_USE, b], op[STOPPED, b], oe[SHIPMENTS, b]
    new = firm_new[b]
    for lv in range(len(lev_ptr) - 1):
        for q in range(lev_ptr[lv], lev_ptr[lv + 1]):
            i = lev_items[q]
            for m in range(act_ptr[i], act_ptr[i + 1]):
                sn[FIN, i * nc + act_c[m]] = 1.0
        for q in range(lev_in_ptr[lv], lev_in_ptr[lv + 1]):
            o, j = link_o[lev_in[q]], link_j[lev_in[q]]
            for m in range(act_ptr[o], act_ptr[o + 1]):
                c = act_c[m]
                sn[FIN, o * nc + c] = min(sn[FIN, o * nc + c], sn[F, j * nc + c])
        for q in range(lev_ptr[lv], lev_ptr[lv + 1]):
            i = lev_items[q]
            row, lo, hi = i * nc, act_ptr[i], act_ptr[i + 1]
            for m in range(lo, hi):
                n = row + act_c[m]
                on[PRODUCTION, b, n] = sn[PLANNED, n] * sn[FIN, n]
                sn[GIVEN, n] = on[ROUT, b, n] * sn[FIN, n]
            for e in range(e_ptr[i], e_ptr[i + 1]):
                sq = row + edge_sup[e]
                shipped[e] = orders[e] * (sn[FILL, sq] * sn[FIN, sq] + sn[STOCK_FILL, sq])
            scale = share(pairwise(sn, GIVEN, row, nc), pairwise(on[ROUT], b, row, nc))
            for m in range(lo, hi):  # what was sent, not what was planned (GIVEN is reused below)
                on[ROUT, b, row + act_c[m]] = sn[GIVEN, row + act_c[m]]
            for m in range(lo, hi):
                n = row + act_c[m]
                rin = sn[RIN, n] * scale
                on[RIN_D, b, n] = rin
                got = 0.0
                for x in range(in_ptr[n], in_ptr[n + 1]):
                    got += shipped[in_e[x]]
                on[RECEIPTS, b, n] = got + rin
                on[PROJECT, b, n] = supply[n]
                sn[AVAILABLE, n] = inv[n] + (got + rin) + supply[n]
            release(row, nc, lo, hi, act_c, stock0, stock, sn, on[DRAWN, b], rule)
            for m in range(lo, hi):
                n = row + act_c[m]
                on[RELEASE, b, n] = sn[GIVEN, n]
                av = sn[AVAILABLE, n] + sn[GIVEN, n]
                sn[AVAILABLE, n] = av
                on[AVAIL, b, n] = av
                nd = sn[NEED, n]
                sn[F, n] = min(1.0, av / nd) if nd > 0 else 1.0
                on[F_OUT, b, n] = sn[F, n]
        for q in range(lev_pair_ptr[lv], lev_pair_ptr[lv + 1]):
            p = lev_pairs[q]
            n = pair_item[p] * nc + pair_country[p]
            allocate(sn[F, n] * sn[FINAL_SUM, n], final, p, order, n_priority, sm)
            got_in, got_oth, placed_in, placed_oth = 0.0, 0.0, 0.0, 0.0
            for x in range(in_ptr[n], in_ptr[n + 1]):
                e = in_e[x]
                if at_inside[e]:
                    got_in += shipped[e]
                    placed_in += orders[e] + oe[REFUSED, b, e]
                else:
                    got_oth += shipped[e]
                    placed_oth += orders[e] + oe[REFUSED, b, e]
            got_in += on[RIN_D, b, n]
            fill_in = got_in / placed_in if placed_in > 0 else 1.0
            fill_oth = got_oth / placed_oth if placed_oth > 0 else 1.0
            nd = sn[NEED, n]
            total = (sn[AVAILABLE, n] - inv[n]) / nd if nd > 0 else 1.0
            lo, hi = dem_ptr[p], dem_ptr[p + 1]
            firms(
                p,
                lo,
                hi,
                dem_s,
                weight,
                tie,
                min_level,
                firm_stock,
                new,
                final,
                use,
                stopped,
                fill_in,
                fill_oth,
                total,
                sm,
            )


@njit(cache=True, nogil=True)
def prices(
    b, nc, act_ptr, act_c, edges, market, req0, pairs, st, outlook, sn, si, row, on, oe, price, hist, par, substitute
):
    """Cover ratios, forward cover, the two prices and the demand cut (``step._prices``)."""
    e_ptr, edge_sup = edges[0], edges[1]
    inside_c, derived, feeds, outside_flow, upstream, need0_out, target_out, base_flow, flow_pos = market
    pair_item, pair_country = pairs[0], pairs[1]
    old_out, old_in, price_in, cut0 = st[5][b], st[6][b], st[3][b], st[2][b]
    refused, inventory, cut = oe[REFUSED, b], on[INVENTORY, b], on[CUT, b]
    hist_out, hist_in = hist[0, b], hist[1, b]
    ni, nh = hist_out.shape[0], hist_out.shape[1]
    h = par[OUTLOOK]
    for i in range(ni):
        r0, ins, lo, hi = i * nc, inside_c[i], act_ptr[i], act_ptr[i + 1]
        for m in range(lo, hi):
            sn[REFNODE, r0 + act_c[m]] = 0.0
        for e in range(e_ptr[i], e_ptr[i + 1]):
            sn[REFNODE, r0 + edge_sup[e]] += refused[e]
        for c in range(nc):
            row[0, c] = 0.0
        for m in range(lo, hi):
            c = act_c[m]
            row[0, c] = 0.0 if c == ins else sn[AVAILABLE, r0 + c]
        num = pairwise(row, 0, 0, nc)
        for m in range(lo, hi):
            c = act_c[m]
            row[0, c] = 0.0 if c == ins else sn[NEED, r0 + c] + req0[r0 + c]
        den = pairwise(row, 0, 0, nc)
        si[XO, i] = num / den if den > 0 else 1.0
        n = r0 + ins
        den = sn[NEED, n] + req0[n]
        si[XI, i] = (sn[AVAILABLE, n] + sn[REFNODE, n]) / den if den > 0 else 1.0
        for m in range(lo, hi):
            c = act_c[m]
            row[0, c] = 0.0 if c == ins else inventory[r0 + c]
        held = pairwise(row, 0, 0, nc)
        expected, count = 0.0, 0.0
        for e in range(e_ptr[i], e_ptr[i + 1]):
            expected += outlook[b, e] * outside_flow[e]
            count += 1.0 if (abs(outlook[b, e] - 1.0) > 1e-12 and flow_pos[e]) else 0.0
        si[MOVED, i] = count
        fill = expected / base_flow[i] if base_flow[i] > 0 else 1.0
        den = h * need0_out[i] + target_out[i]
        si[FWD, i] = (held + h * need0_out[i] * fill) / den if den > 0 else 1.0
    fill_derived(si[XO], derived, feeds)
    fill_derived(si[FWD], derived, feeds)
    fill_derived(si[MOVED], derived, feeds)
    cap, flex, iflex = par[CAP], par[FLEX], par[IFLEX]
    lag, lag2 = int(par[LAG]), int(par[LAG] + par[SUBLAG])
    for i in range(ni):
        for t in range(nh - 1, 0, -1):
            hist_out[i, t] = old_out[i, t - 1]
            hist_in[i, t] = old_in[i, t - 1]
        hist_out[i, 0] = si[XO, i]
        hist_in[i, 0] = si[XI, i]
        lagged = price_ratio(hist_out[i, lag], flex, cap)
        if si[MOVED, i] > 0 and si[FWD, i] < 1.0:
            lagged = max(lagged, price_ratio(si[FWD, i], flex, cap))
        price[b, i, 1] = lagged
    for i in range(ni):
        trapped = sn[REFNODE, i * nc + inside_c[i]] > 0
        for o in range(ni):
            trapped = trapped or (upstream[i, o] and sn[REFNODE, o * nc + inside_c[o]] > 0)
        p_in = price_ratio(hist_in[i, lag], iflex, cap)
        price[b, i, 0] = min(p_in, price_in[i]) if trapped else p_in
    step = par[SRATE] / 12.0
    for p in range(pair_item.shape[0]):
        i, c = pair_item[p], pair_country[p]
        n = i * nc + c
        if not substitute:
            cut[n] = cut0[n]
            continue
        if c == inside_c[i]:
            seen = price_ratio(hist_in[i, lag2], iflex, cap)
        else:
            seen = price_ratio(hist_out[i, lag2], flex, cap)
        desired = min(par[SCAP], par[SSENS] * np.log(max(seen, 1.0)))
        cut[n] = max(cut0[n], min(desired, cut0[n] + step))


@njit(cache=True, nogil=True)
def block(first, last, k, scratch, st, drv, out, params, rule, substitute, tie, min_level):
    """The month step (``step.step``) for draws ``first .. last - 1``, one after the other.

    `k` is :attr:`critmin.shock.kernel.layout.Layout.constants`; `scratch` one block's
    ``(sn, si, sm, orders, row)``; `out` ``(on, oe, op, firm_stock, price, bound, hist)``.
    """
    nc, lev, links, act_ptr, act_c, edges, at_inside, node_c, world, pairs, pair_final, market = k
    link_o, link_j, link_a = links
    pair_item, pair_country = pairs[0], pairs[1]
    capacity, cover_days, stock0, req0 = node_c
    sn, si, sm, orders, row = scratch
    on, oe, op, firm_new, price, bound, hist = out
    ni, ns = act_ptr.shape[0] - 1, pair_final.shape[1]
    for b in range(first, last):
        par, cut0, dem = params[b], st[2][b], drv[3][b]
        final, use = op[FINAL_NEED, b], op[FINAL_USE, b]
        for i in range(ni):
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = i * nc + act_c[m]
                sn[NEED_INT, n] = 0.0
                sn[FINAL_SUM, n] = 0.0
                sn[F, n] = 1.0
                sn[USE_INT, n] = 0.0
                sn[FU, n] = 0.0
        for p in range(pair_item.shape[0]):
            n = pair_item[p] * nc + pair_country[p]
            for q in range(ns):
                final[p, q] = pair_final[p, q] * dem[p, q] * (1.0 - cut0[n])
            sn[FINAL_SUM, n] = pairwise(final, p, 0, ns)
        plan(b, nc, lev, links, act_ptr, act_c, edges, node_c, world, st, drv, sn, orders, on, oe, bound, par)
        deliver(
            b,
            nc,
            lev,
            links,
            act_ptr,
            act_c,
            edges,
            at_inside,
            pairs,
            stock0,
            st,
            drv,
            sn,
            sm,
            orders,
            on,
            oe,
            op,
            firm_new,
            rule,
            tie[b],
            min_level[b],
        )
        for li in range(link_o.shape[0]):
            o, j, a = link_o[li], link_j[li], link_a[li]
            for m in range(act_ptr[o], act_ptr[o + 1]):
                c = act_c[m]
                sn[USE_INT, j * nc + c] += a * on[PRODUCTION, b, o * nc + c]
        for p in range(pair_item.shape[0]):
            sn[FU, pair_item[p] * nc + pair_country[p]] = pairwise(use, p, 0, ns)
        stock, pstock = st[1][b], st[7][b]
        for i in range(ni):
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = i * nc + act_c[m]
                u = sn[USE_INT, n] + sn[FU, n]
                on[USE, b, n] = u
                on[SHORTFALL, b, n] = sn[NEED_INT, n] * (1.0 - sn[F, n]) + (sn[FINAL_SUM, n] - sn[FU, n])
                on[NEED_OUT, b, n] = sn[NEED, n]
                on[INVENTORY, b, n] = sn[AVAILABLE, n] - u
                on[STOCKPILE, b, n] = stock[n] - on[DRAWN, b, n]
                on[PSTOCK, b, n] = pstock[n] - on[STOCK_SOLD, b, n]
        prices(
            b,
            nc,
            act_ptr,
            act_c,
            edges,
            market,
            req0,
            pairs,
            st,
            drv[6],
            sn,
            si,
            row,
            on,
            oe,
            price,
            hist,
            par,
            substitute,
        )
