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
* price ratio to baseline from the cover ratio ``lag = price_lag_months`` ago, in a form that
  saturates (bounded elasticity): ``p = 1 + flexibility * ln(1 / x)`` when short (``x < 1``),
  ``p = 1 / (1 + flexibility * ln x)`` in a glut, clipped to ``[1 / cap, cap]``. Its elasticity
  at baseline is ``-flexibility`` (the dataset's ``price_response_to_cover``), and it falls with
  depth: halving cover adds ``0.69 * flexibility`` to the ratio, not a power of two. A power law
  ``x ** -flexibility`` hit the 30x cap for Ga 2023, where ex-China prices roughly doubled;
  ``inside_price_flexibility`` is used for the inside market;
* thrifting and substitution: the desired cut of final demand is
  ``min(substitution_cap, substitution_sensitivity * ln(p[t - substitution_lag]))`` at the
  user's market price; the cut moves towards it by at most ``substitution_max_rate / 12`` per
  month and is never undone within the horizon.
"""

from __future__ import annotations

import numpy as np


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
