"""The month step of :mod:`critmin.shock.step`, fused: one draw at a time, active nodes only.

Every function here is ``@njit(cache=True, nogil=True)`` and works on flat float64 arrays
(node ``n = item * C + country``). The arithmetic follows the numpy step operation by operation,
and sums over countries, sectors and firm classes use numpy's pairwise order
(:func:`pairwise`), so results agree with the numpy step to rounding (a ``log`` or a BLAS dot
may differ in the last bit) and a draw's numbers never depend on the other draws of its block.
Scratch arrays hold zeros outside the active nodes, so a row sum over all countries equals the
numpy sum over the full row, zeros included. The constants are the tuple built by
:func:`critmin.shock.kernel.layout.build_layout`; the unpacking order below is its order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from critmin.shock.parameters import DAYS_PER_MONTH as DPM


# columns of the per-draw parameter matrix (layout.PARAMETER_COLUMNS)
REBUILD, RAMP, LEAD, CAP, OUTLOOK, FLEX, IFLEX, LAG, SUBLAG, SCAP, SSENS, SRATE = range(12)


@njit(cache=True, nogil=True)
def pairwise(a, start, n):  # pragma: no cover - compiled
    """Sum of ``a[start:start + n]`` in numpy's pairwise order (bit-identical to ``ndarray.sum``)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[start + i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
        r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
        i = 8
        while i < n - (n % 8):
            k = start + i
            r0 += a[k]
            r1 += a[k + 1]
            r2 += a[k + 2]
            r3 += a[k + 3]
            r4 += a[k + 4]
            r5 += a[k + 5]
            r6 += a[k + 6]
            r7 += a[k + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[start + i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2)


@njit(cache=True, nogil=True)
def share(part, whole):  # pragma: no cover - compiled
    return part / whole if whole > 0 else 0.0


@njit(cache=True, nogil=True)
def price_ratio(cover, flex, cap):  # pragma: no cover - compiled
    log = np.log(max(cover, 1e-12))
    ratio = 1.0 - flex * log if log < 0 else 1.0 / (1.0 + flex * log)
    return min(max(ratio, 1.0 / cap), cap)


@njit(cache=True, nogil=True)
def fill_derived(x, derived, feeds):  # pragma: no cover - compiled
    """``prices.fill_derived`` in place on one draw's (I,) vector."""
    ni = x.shape[0]
    for j in derived:
        total = 0.0
        for o in range(ni):
            total += x[o] * feeds[j, o]
        x[j] = total


@njit(cache=True, nogil=True)
def plan(b, k, s, st, drv, out, par):  # pragma: no cover - compiled
    """Pass 1 for draw b: needs, orders, supplier plans, redirection (downstream first)."""
    (nc, lev_ptr, lev_items, lev_out_ptr, lev_out, _, _, _, _, link_o, link_j, link_a, act_ptr, act_c, e_ptr,
     edge_sup, edge_buy, edge_share, _, _, capacity, cover_days, _, _, world) = k[:25]
    inv, bound0, pstock = st[0][b], st[4][b], st[7][b]
    edge_mult, blocked, cap_mult, restock = drv[0][b], drv[1][b], drv[2][b], drv[5][b]
    need_int, need, orders, fill, stock_fill, planned, rin, received, short, idle, ordn, final_sum = s[:12]
    refused, stock_sold, rout, bound = out[0][b], out[1][b], out[2][b], out[3][b]
    rebuild = max(par[REBUILD], 1e-9)
    for lv in range(len(lev_ptr) - 2, -1, -1):
        for q in range(lev_out_ptr[lv], lev_out_ptr[lv + 1]):
            li = lev_out[q]
            o, j, a = link_o[li], link_j[li], link_a[li]
            for m in range(act_ptr[o], act_ptr[o + 1]):
                c = act_c[m]
                need_int[j * nc + c] += a * planned[o * nc + c]
        for q in range(lev_ptr[lv], lev_ptr[lv + 1]):
            i = lev_items[q]
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = i * nc + act_c[m]
                nd = need_int[n] + final_sum[n]
                need[n] = nd
                target = nd * cover_days[n] / DPM
                ordn[n] = max(0.0, nd + (target - inv[n]) / rebuild)
                received[n] = 0.0
                short[n] = 0.0
            for e in range(e_ptr[i], e_ptr[i + 1]):
                nb = i * nc + edge_buy[e]
                asked = ordn[nb] * edge_share[e]
                restocking = max(0.0, asked - need[nb] * edge_share[e])
                mult = edge_mult[e]
                oe = asked * mult - restocking * (mult - restock[e])
                orders[e] = oe
                re = max(0.0, asked - oe)
                refused[e] = re
                received[i * nc + edge_sup[e]] += oe
                short[nb] += re
            row = i * nc
            b0 = bound0[i]
            bd = b0 + 1 if (b0 > 0 or pairwise(short, row, nc) > 0) else 0.0
            bound[i] = bd
            ramp = par[RAMP] * world[i] / 12.0
            late = max(0.0, b0 - par[LEAD])
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = row + act_c[m]
                idle[n] = capacity[n] * (0.0 if blocked[n] else 1.0)
            base_sum = pairwise(idle, row, nc)
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = row + act_c[m]
                open_ = 0.0 if blocked[n] else 1.0
                cap = capacity[n] * cap_mult[n] + (ramp * late) * share(capacity[n] * open_, base_sum)
                rec = received[n]
                made = min(rec, cap)
                sold = min(rec - made, pstock[n])
                fill[n] = made / rec if rec > 0 else 1.0
                stock_fill[n] = share(sold, rec)
                stock_sold[n] = sold
                planned[n] = made
                idle[n] = (cap - made) * open_
            idle_sum, short_sum = pairwise(idle, row, nc), pairwise(short, row, nc)
            total = min(min(idle_sum, short_sum), ramp * bd)
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = row + act_c[m]
                ro = total * share(idle[n], idle_sum)
                rout[n] = ro
                rin[n] = total * share(short[n], short_sum)
                planned[n] += ro


@njit(cache=True, nogil=True)
def release(b, k, s, st, out, i, rule):  # pragma: no cover - compiled
    """Stockpile release of item i (``step.release``) into `given` (scratch) and `drawn`."""
    nc, act_ptr, act_c, stock0 = k[0], k[12], k[13], k[22]
    has, trigger, rate, own_first = rule
    stock, drawn = st[1][b], out[4][b]
    need, available, can, gap, users, given = s[1], s[12], s[13], s[14], s[15], s[16]
    row = i * nc
    for m in range(act_ptr[i], act_ptr[i + 1]):
        n = row + act_c[m]
        if not has:
            given[n] = 0.0
            drawn[n] = 0.0
            continue
        nd = need[n]
        cover = available[n] / (nd if nd > 0 else 1.0) * DPM
        on = 1.0 if (nd > 0 and cover < trigger) else 0.0
        can[n] = min(stock[n], rate * stock0[n])
        gap[n] = max(0.0, nd - available[n]) * on
        users[n] = nd * on
        if own_first:
            given[n] = min(can[n], gap[n])
            drawn[n] = given[n]
    if has and not own_first:
        can_sum, users_sum = pairwise(can, row, nc), pairwise(users, row, nc)
        total = min(can_sum, pairwise(gap, row, nc))
        for m in range(act_ptr[i], act_ptr[i + 1]):
            n = row + act_c[m]
            given[n] = total * share(users[n], users_sum)
            drawn[n] = total * share(can[n], can_sum)


@njit(cache=True, nogil=True)
def allocate(pool, final, p, order, n_priority, ordered, alloc):  # pragma: no cover - compiled
    """``step.allocate`` for one node: priority sectors in order, then pro rata."""
    ns = order.shape[0]
    for q in range(ns):
        ordered[q] = final[p, order[q]]
    before = 0.0
    for q in range(n_priority):
        got = min(max(pool - (before + ordered[q] - ordered[q]), 0.0), ordered[q])
        alloc[order[q]] = got
        before += ordered[q]
    for q in range(n_priority):
        ordered[q] = alloc[order[q]]
    left = pool - pairwise(ordered, 0, n_priority)
    scale = min(1.0, share(left, pairwise(ordered, n_priority, ns - n_priority)))
    for q in range(n_priority, ns):
        alloc[order[q]] = ordered[q] * scale


@njit(cache=True, nogil=True)
def firms(b, k, st, out, p, fill_in, fill_oth, total, alloc, tie, min_level, wk):  # pragma: no cover - compiled
    """Firm classes of final-demand node p (``firms.group_supply``, ``operate``, ``sector_use``)."""
    h, weight = k[28], k[29]
    stock, new, final = st[8][b], out[16][b], out[13][b]
    use_out, stopped = out[14][b], out[15][b]
    ns, ng, nk = stock.shape[1], stock.shape[2], stock.shape[3]
    mix = h[p] * fill_in + (1.0 - h[p]) * fill_oth
    for s in range(ns):
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
                wk[g * nk + c] = w * use
                wk[ng * nk + g * nk + c] = 0.0 if running else w
        fin = final[p, s]
        wanted = fin * pairwise(wk, 0, ng * nk)
        empty = fin > 0 and alloc[s] < level * wanted
        stopped[p, s] = (1.0 if empty else pairwise(wk, ng * nk, ng * nk)) if fin > 0 else 0.0
        use_out[p, s] = 0.0 if empty else min(alloc[s], wanted)


@njit(cache=True, nogil=True)
def deliver(b, k, s, st, drv, out, rule, tie, min_level):  # pragma: no cover - compiled
    """Pass 2 for draw b: production, shipments, receipts, release, use (upstream first)."""
    (nc, lev_ptr, lev_items, _, _, lev_in_ptr, lev_in, lev_pair_ptr, lev_pairs, link_o, link_j, _, act_ptr, act_c,
     e_ptr, edge_sup, _, _, in_ptr, in_e) = k[:20]
    pair_item, pair_country, order, n_priority, at_inside = k[25], k[26], k[30], k[31], k[33]
    inv, supply = st[0][b], drv[4][b]
    need, orders, fill, stock_fill, planned, rin_plan = s[1], s[2], s[3], s[4], s[5], s[6]
    available, given, fin, f, ordered, alloc, wk = s[12], s[16], s[17], s[18], s[27], s[28], s[29]
    refused, rout, production, ship, rin = out[0][b], out[2][b], out[5][b], out[6][b], out[7][b]
    receipts, project, released, avail_out, f_out, final = out[8][b], out[9][b], out[10][b], out[11][b], out[12][b], out[13][b]
    for lv in range(len(lev_ptr) - 1):
        for q in range(lev_ptr[lv], lev_ptr[lv + 1]):
            i = lev_items[q]
            for m in range(act_ptr[i], act_ptr[i + 1]):
                fin[i * nc + act_c[m]] = 1.0
        for q in range(lev_in_ptr[lv], lev_in_ptr[lv + 1]):
            o, j = link_o[lev_in[q]], link_j[lev_in[q]]
            for m in range(act_ptr[o], act_ptr[o + 1]):
                c = act_c[m]
                fin[o * nc + c] = min(fin[o * nc + c], f[j * nc + c])
        for q in range(lev_ptr[lv], lev_ptr[lv + 1]):
            i = lev_items[q]
            row = i * nc
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = row + act_c[m]
                production[n] = planned[n] * fin[n]
                given[n] = rout[n] * fin[n]
            for e in range(e_ptr[i], e_ptr[i + 1]):
                sn = row + edge_sup[e]
                ship[e] = orders[e] * (fill[sn] * fin[sn] + stock_fill[sn])
            scale = share(pairwise(given, row, nc), pairwise(rout, row, nc))
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = row + act_c[m]
                rin[n] = rin_plan[n] * scale
                got = 0.0
                for x in range(in_ptr[n], in_ptr[n + 1]):
                    got += ship[in_e[x]]
                receipts[n] = got + rin[n]
                project[n] = supply[n]
                available[n] = inv[n] + receipts[n] + supply[n]
            release(b, k, s, st, out, i, rule)
            for m in range(act_ptr[i], act_ptr[i + 1]):
                n = row + act_c[m]
                released[n] = given[n]
                av = available[n] + given[n]
                available[n] = av
                avail_out[n] = av
                nd = need[n]
                f[n] = min(1.0, av / nd) if nd > 0 else 1.0
                f_out[n] = f[n]
        for q in range(lev_pair_ptr[lv], lev_pair_ptr[lv + 1]):
            p = lev_pairs[q]
            n = pair_item[p] * nc + pair_country[p]
            allocate(f[n] * pairwise(final[p], 0, final.shape[1]), final, p, order, n_priority, ordered, alloc)
            got_in, got_oth, placed_in, placed_oth = 0.0, 0.0, 0.0, 0.0
            for x in range(in_ptr[n], in_ptr[n + 1]):
                e = in_e[x]
                if at_inside[e]:
                    got_in += ship[e]
                    placed_in += orders[e] + refused[e]
                else:
                    got_oth += ship[e]
                    placed_oth += orders[e] + refused[e]
            got_in += rin[n]
            fill_in = got_in / placed_in if placed_in > 0 else 1.0
            fill_oth = got_oth / placed_oth if placed_oth > 0 else 1.0
            nd = need[n]
            total = (available[n] - inv[n]) / nd if nd > 0 else 1.0
            firms(b, k, st, out, p, fill_in, fill_oth, total, alloc, tie, min_level, wk)


@njit(cache=True, nogil=True)
def prices(b, k, s, st, drv, out, par, substitute):  # pragma: no cover - compiled
    """Cover ratios, forward cover, the two prices and the demand cut (``step._prices``)."""
    nc, act_ptr, act_c, e_ptr, edge_sup, req0 = k[0], k[12], k[13], k[14], k[15], k[23]
    pair_item, pair_country, inside_c, derived, feeds = k[25], k[26], k[32], k[34], k[35]
    outside_flow, upstream, need0_out, target_out, base_flow, flow_pos = k[36], k[37], k[38], k[39], k[40], k[41]
    need, available, row, refnode, xo, xi, fwd, moved = s[1], s[12], s[20], s[21], s[22], s[23], s[24], s[25]
    refused, outlook, inventory = out[0][b], drv[6][b], out[21][b]
    hist_out, hist_in, price, cut = out[25][b], out[26][b], out[20][b], out[24][b]
    old_out, old_in, price_in, cut0 = st[5][b], st[6][b], st[3][b], st[2][b]
    ni, nh = hist_out.shape[0], hist_out.shape[1]
    for i in range(ni):
        r0 = i * nc
        ins = inside_c[i]
        for m in range(act_ptr[i], act_ptr[i + 1]):
            refnode[r0 + act_c[m]] = 0.0
        for e in range(e_ptr[i], e_ptr[i + 1]):
            refnode[r0 + edge_sup[e]] += refused[e]
        for c in range(nc):
            row[c] = 0.0
        for m in range(act_ptr[i], act_ptr[i + 1]):
            c = act_c[m]
            row[c] = 0.0 if c == ins else available[r0 + c]
        num = pairwise(row, 0, nc)
        for m in range(act_ptr[i], act_ptr[i + 1]):
            c = act_c[m]
            row[c] = 0.0 if c == ins else need[r0 + c] + req0[r0 + c]
        den = pairwise(row, 0, nc)
        xo[i] = num / den if den > 0 else 1.0
        n = r0 + ins
        den = need[n] + req0[n]
        xi[i] = (available[n] + refnode[n]) / den if den > 0 else 1.0
        for m in range(act_ptr[i], act_ptr[i + 1]):
            c = act_c[m]
            row[c] = 0.0 if c == ins else inventory[r0 + c]
        held = pairwise(row, 0, nc)
        expected, count = 0.0, 0.0
        for e in range(e_ptr[i], e_ptr[i + 1]):
            expected += outlook[e] * outside_flow[e]
            count += 1.0 if (abs(outlook[e] - 1.0) > 1e-12 and flow_pos[e]) else 0.0
        moved[i] = count
        fill = expected / base_flow[i] if base_flow[i] > 0 else 1.0
        h = par[OUTLOOK]
        den = h * need0_out[i] + target_out[i]
        fwd[i] = (held + h * need0_out[i] * fill) / den if den > 0 else 1.0
    fill_derived(xo, derived, feeds)
    fill_derived(fwd, derived, feeds)
    fill_derived(moved, derived, feeds)
    cap, flex, iflex = par[CAP], par[FLEX], par[IFLEX]
    lag, lag2 = int(par[LAG]), int(par[LAG] + par[SUBLAG])
    for i in range(ni):
        for t in range(nh - 1, 0, -1):
            hist_out[i, t] = old_out[i, t - 1]
            hist_in[i, t] = old_in[i, t - 1]
        hist_out[i, 0] = xo[i]
        hist_in[i, 0] = xi[i]
        lagged = price_ratio(hist_out[i, lag], flex, cap)
        if moved[i] > 0 and fwd[i] < 1.0:
            lagged = max(lagged, price_ratio(fwd[i], flex, cap))
        price[i, 1] = lagged
    for i in range(ni):
        trapped = refnode[i * nc + inside_c[i]] > 0
        for o in range(ni):
            trapped = trapped or (upstream[i, o] and refnode[o * nc + inside_c[o]] > 0)
        p_in = price_ratio(hist_in[i, lag], iflex, cap)
        price[i, 0] = min(p_in, price_in[i]) if trapped else p_in
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
def draw_month(b, k, s, st, drv, out, par, rule, substitute, tie, min_level):  # pragma: no cover - compiled
    """The whole month step (``step.step``) for draw b, written into the `out` arrays."""
    nc, link_o, link_j, link_a, act_ptr, act_c = k[0], k[9], k[10], k[11], k[12], k[13]
    pair_item, pair_country, pair_final = k[25], k[26], k[27]
    need_int, need, final_sum, f, use_int, fu = s[0], s[1], s[11], s[18], s[19], s[26]
    inv, stock, pstock, cut0, dem = st[0][b], st[1][b], st[7][b], st[2][b], drv[3][b]
    drawn, stock_sold, final, final_use = out[4][b], out[1][b], out[13][b], out[14][b]
    use, shortfall, need_out, available = out[17][b], out[18][b], out[19][b], out[11][b]
    inventory, stockpile, producer_stock = out[21][b], out[22][b], out[23][b]
    ni = act_ptr.shape[0] - 1
    for i in range(ni):
        for m in range(act_ptr[i], act_ptr[i + 1]):
            n = i * nc + act_c[m]
            need_int[n] = 0.0
            final_sum[n] = 0.0
            f[n] = 1.0
            use_int[n] = 0.0
            fu[n] = 0.0
    ns = pair_final.shape[1]
    for p in range(pair_item.shape[0]):
        n = pair_item[p] * nc + pair_country[p]
        for q in range(ns):
            final[p, q] = pair_final[p, q] * dem[p, q] * (1.0 - cut0[n])
        final_sum[n] = pairwise(final[p], 0, ns)
    plan(b, k, s, st, drv, out, par)
    deliver(b, k, s, st, drv, out, rule, tie, min_level)
    for li in range(link_o.shape[0]):
        o, j, a = link_o[li], link_j[li], link_a[li]
        for m in range(act_ptr[o], act_ptr[o + 1]):
            c = act_c[m]
            use_int[j * nc + c] += a * out[5][b][o * nc + c]
    for p in range(pair_item.shape[0]):
        fu[pair_item[p] * nc + pair_country[p]] = pairwise(final_use[p], 0, ns)
    for i in range(ni):
        for m in range(act_ptr[i], act_ptr[i + 1]):
            n = i * nc + act_c[m]
            u = use_int[n] + fu[n]
            use[n] = u
            shortfall[n] = need_int[n] * (1.0 - f[n]) + (final_sum[n] - fu[n])
            need_out[n] = need[n]
            inventory[n] = available[n] - u
            stockpile[n] = stock[n] - drawn[n]
            producer_stock[n] = pstock[n] - stock_sold[n]
    prices(b, k, s, st, drv, out, par, substitute)


@njit(cache=True, nogil=True)
def block(first, last, k, s, st, drv, out, params, rule, substitute, tie, min_level):  # pragma: no cover - compiled
    """Draws ``first .. last - 1`` one after the other, with one set of scratch arrays `s`."""
    for b in range(first, last):
        draw_month(b, k, s, st, drv, out, params[b], rule, substitute, tie[b], min_level[b])
