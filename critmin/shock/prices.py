"""Two-market prices and the demand response to them.

Per item there is an *inside* market (the controlling country; China where no control names
another) and an *outside* market (every other country). Each month:

* outside cover ratio ``x_out = sum(available) / sum(need + target stock)`` over outside users,
  1 in the baseline; the target stock is the users' cover at *baseline* need, so a one-month
  rush of orders (front-loading) does not read as scarcity through an inflated target.
  ``available`` is users' inventory plus receipts, which include supply redirected from
  non-controlled producers and stockpile releases, so both buffers soften it;
  inside ``x_in = (available + exports refused by the control) / (need + target stock)`` at the
  inside country: stock trapped by a control counts as supply inside;
* an item without outside users of its own (Dy and Tb oxide, bought outside China only as
  metal or alloy) takes as outside cover the weighted outside cover of the items it feeds
  (:func:`build_markets`), so its outside price follows the scarcity of the users it serves;
* price ratio to baseline from the cover ratio ``lag = price_lag_months`` ago, in a form that
  saturates (bounded elasticity): ``p = 1 + flexibility * ln(1 / x)`` when short (``x < 1``),
  ``p = 1 / (1 + flexibility * ln x)`` in a glut, clipped to ``[1 / cap, cap]``. Its elasticity
  at baseline is ``-flexibility`` (the dataset's ``price_response_to_cover``), and it falls with
  depth: halving cover adds ``0.69 * flexibility`` to the ratio, not a power of two. A power law
  ``x ** -flexibility`` hit the 30x cap for Ga 2023, where ex-China prices roughly doubled;
  ``inside_price_flexibility`` is used for the inside market;
* forward-looking outside buyers: while a control is in view (from the day it is announced,
  even when that is the day it takes effect, unless it is an informal halt:
  :mod:`critmin.shock.expectations`), the outside price is the larger of the lagged price and
  the price of the expected cover ``x_fwd = (inventory + H * N0 * fill) / (H * N0 + target)`` over
  outside users (``H = price_outlook_months``, ``N0`` baseline need, ``fill`` the mean
  expected order multiplier of the coming ``H`` months, front-loading counted as 1). So the
  price moves in the announcement month, and the glut that the pre-control rush leaves in
  the lagged cover does not pull the price below what the expected scarcity gives;
* the inside price never rises while the controller's exports of the item, or of an item it
  is an input to, are refused: trapped exports are a surplus inside (China's domestic Ga price
  fell 9 % in Aug 2023, Fastmarkets), and the inside cover would otherwise read the de-stocking
  of refiners whose downstream exports are held as scarcity. So ``p_in = min(p_in, last
  month's p_in)`` in those months;
* thrifting and substitution: the desired cut of final demand is
  ``min(substitution_cap, substitution_sensitivity * ln(p[t - substitution_lag]))`` at the
  user's market price read from the lagged cover (physical scarcity, not the forward price);
  the cut moves towards it by at most ``substitution_max_rate / 12`` per month and is never
  undone within the horizon.

Every parameter named here is in :data:`critmin.shock.parameters.PARAMETERS` with its range and
source (``critmin parameters`` prints the table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from critmin.shock.network import Network
from critmin.shock.parameters import DAYS_PER_MONTH


def cover_ratio(available: np.ndarray, requirement: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Sum of `available` over masked countries divided by the same sum of `requirement`.

    Examples
    --------
    >>> a = np.array([[[5.0, 1.0]]]); r = np.array([[[10.0, 1.0]]]); m = np.array([[True, False]])
    >>> cover_ratio(a, r, m)
    array([[0.5]])
    """
    num = (available * mask).sum(-1)
    den = (requirement * mask).sum(-1)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)


def push_history(history: np.ndarray, current: np.ndarray) -> np.ndarray:
    """History with `current` in front (index 0 = this month, index k = k months ago)."""
    return np.concatenate([current[..., None], history[..., :-1]], axis=-1)


def lagged_price(history: np.ndarray, lag: np.ndarray, flexibility: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Price ratio from the cover ratio `lag` months ago, per draw (saturating log form).

    Examples
    --------
    >>> h = np.array([[[1.0, 0.9, np.exp(-1.0), np.exp(0.5)]]])
    >>> lagged_price(h, np.array([2]), np.array([1.5]), np.array([30.0]))
    array([[2.5]])
    >>> lagged_price(h, np.array([3]), np.array([2.0]), np.array([30.0]))
    array([[0.5]])
    """
    index = np.broadcast_to(lag.astype(int)[:, None, None], (*history.shape[:2], 1))
    cover = np.take_along_axis(history, index, axis=-1)[..., 0]
    return price_ratio(cover, flexibility[:, None], cap[:, None])


def price_ratio(cover: np.ndarray, flexibility: np.ndarray | float, cap: np.ndarray | float) -> np.ndarray:
    """``1 + f ln(1/x)`` when short, ``1 / (1 + f ln x)`` in a glut, clipped to ``[1/cap, cap]``.

    Examples
    --------
    >>> price_ratio(np.array([1.0, 0.5, 1e-12]), 1.0, 30.0).round(3)
    array([ 1.   ,  1.693, 28.631])
    """
    log = np.log(np.maximum(cover, 1e-12))
    ratio = np.where(log < 0, 1.0 - flexibility * log, 1.0 / (1.0 + flexibility * log))
    return np.clip(ratio, 1.0 / cap, cap)


def substitution(previous: np.ndarray, price: np.ndarray, params: dict[str, np.ndarray], enabled: bool) -> np.ndarray:
    """New demand cut share per (draw, item, country) from the user's lagged price ratio.

    Examples
    --------
    >>> p = {"substitution_cap": np.array([0.3]), "substitution_sensitivity": np.array([0.25]),
    ...      "substitution_max_rate": np.array([0.12])}
    >>> substitution(np.zeros((1, 1, 1)), np.full((1, 1, 1), np.e), p, True)
    array([[[0.01]]])
    """
    if not enabled:
        return previous
    cap = params["substitution_cap"][:, None, None]
    sens = params["substitution_sensitivity"][:, None, None]
    step = params["substitution_max_rate"][:, None, None] / 12.0
    desired = np.minimum(cap, sens * np.log(np.maximum(price, 1.0)))
    return np.maximum(previous, np.minimum(desired, previous + step))


@dataclass(frozen=True, eq=False)
class Markets:
    """Constants of the two markets per item (I items, C countries, E edges).

    Attributes
    ----------
    inside : ndarray (I, C) bool
        The inside country of each item.
    feeds : ndarray (I, I)
        ``feeds[j, o]``: weight of item o's outside cover in item j's, for items j without
        outside users of their own (rows of the other items are zero).
    derived : tuple of int
        Items whose outside cover is derived, downstream first.
    outside_flow : ndarray (E,)
        Baseline flow on each edge to an outside buyer (0 on edges to the inside country).
    upstream : ndarray (I, I) bool
        ``upstream[j, o]``: item j is a direct or indirect input of item o.
    """

    inside: np.ndarray
    feeds: np.ndarray
    derived: tuple[int, ...]
    outside_flow: np.ndarray
    upstream: np.ndarray


def build_markets(net: Network, inside_country: np.ndarray) -> Markets:
    """Masks and downstream weights of the markets for a network and its inside countries.

    An item without outside users (Dy and Tb oxide, when magnet makers outside China buy metal
    or alloy) takes its outside cover from the items it feeds, weighted by the tonnes of it
    embodied in their outside users' need (``chain[o, j] x reach[o]``, ``reach`` = outside need,
    or for a derived item its own embodied need).

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> net = build_network(synthetic_dataset(countries=3, materials=["gallium"]))
    >>> build_markets(net, np.zeros(len(net.items), dtype=int)).inside.sum()
    np.int64(2)
    """
    ni, nc = net.shape
    inside = np.zeros((ni, nc), dtype=bool)
    inside[np.arange(ni), inside_country] = True
    reach = (net.need * ~inside).sum(1)
    feeds = np.zeros((ni, ni))
    derived = []
    for j in sorted(range(ni), key=lambda n: -int(net.level[n])):
        if reach[j] > 0:
            continue
        weight = net.chain[:, j] * reach
        if weight.sum() > 0:
            feeds[j] = weight / weight.sum()
            reach[j] = weight.sum()
            derived.append(j)
    buyer_out = ~inside[net.edge_item, net.edge_buyer]
    flow = net.need[net.edge_item, net.edge_buyer] * net.edge_share * buyer_out
    upstream = net.chain.T > 0
    for _ in range(ni):
        wider = upstream | ((upstream.astype(int) @ upstream.astype(int)) > 0)
        if (wider == upstream).all():
            break
        upstream = wider
    return Markets(inside, feeds, tuple(derived), flow, upstream)


def fill_derived(cover: np.ndarray, markets: Markets) -> np.ndarray:
    """Outside cover (B, I) with the derived items' value taken from the items they feed."""
    out = cover.copy()
    for j in markets.derived:
        out[:, j] = out @ markets.feeds[j]
    return out


def forward_cover(
    inventory: np.ndarray, multiplier: np.ndarray, months: np.ndarray, net: Network, markets: Markets
) -> tuple[np.ndarray, np.ndarray]:
    """Outside users' expected cover over the outlook, and whether a control is in view, (B, I).

    ``x_fwd = (inventory + H * N0 * fill) / (H * N0 + target)`` summed over outside users,
    with ``fill`` the baseline-weighted mean expected order multiplier on the edges to them
    (`multiplier`, (B, E), from :func:`critmin.shock.expectations.expected_multiplier`) and ``H`` the
    outlook in months per draw; 1 in the baseline.
    """
    b, (ni, _) = multiplier.shape[0], net.shape
    flow = markets.outside_flow
    expected, base = np.zeros((b, ni)), np.zeros(ni)
    np.add.at(expected.T, net.edge_item, (multiplier * flow).T)
    np.add.at(base, net.edge_item, flow)
    moved = np.zeros((b, ni))
    np.add.at(moved.T, net.edge_item, ((np.abs(multiplier - 1.0) > 1e-12) * (flow > 0)).T)
    fill = np.where(base > 0, expected / np.where(base > 0, base, 1.0), 1.0)
    out = ~markets.inside
    need0 = (net.need * out).sum(1)
    target = (net.need * net.cover_days / DAYS_PER_MONTH * out).sum(1)
    h = months[:, None]
    den = h * need0 + target
    x = np.where(den > 0, ((inventory * out).sum(-1) + h * need0 * fill) / np.where(den > 0, den, 1.0), 1.0)
    return fill_derived(x, markets), fill_derived(moved, markets) > 0


def outside_price(
    lagged: np.ndarray, forward: np.ndarray, in_view: np.ndarray, flexibility: np.ndarray, cap: np.ndarray
) -> np.ndarray:
    """Lagged price, or the forward one where a control is in view and it is higher, (B, I).

    Examples
    --------
    >>> outside_price(np.array([[0.8, 0.8]]), np.array([[0.5, 0.5]]), np.array([[True, False]]),
    ...               np.array([1.0]), np.array([30.0])).round(3)
    array([[1.693, 0.8  ]])
    """
    ahead = price_ratio(forward, flexibility[:, None], cap[:, None])
    return np.where(in_view & (forward < 1.0), np.maximum(lagged, ahead), lagged)


def trapped_inside(refused: np.ndarray, markets: Markets) -> np.ndarray:
    """Items whose inside market holds trapped exports, (B, I): the item's own exports are
    refused, or those of an item it is an input to (Chinese Dy oxide when magnets are held).

    `refused` is the controller's refused exports per item, (B, I).
    """
    own = refused > 0
    return own | ((own.astype(float) @ markets.upstream.T.astype(float)) > 0)


def inside_price(computed: np.ndarray, previous: np.ndarray, trapped: np.ndarray) -> np.ndarray:
    """The inside price: never above last month's while the controller's exports are trapped.

    Examples
    --------
    >>> inside_price(np.array([[1.2, 1.2]]), np.array([[1.0, 1.0]]), np.array([[True, False]]))
    array([[1. , 1.2]])
    """
    return np.where(trapped, np.minimum(computed, previous), computed)
