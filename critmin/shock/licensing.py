"""Export licensing at day resolution, reduced once per control to shares of each month.

Days count from the 1st of the scenario's start month; month ``t`` covers days
``[s_t, s_{t+1})`` (calendar days, ``D_t = s_{t+1} - s_t``). For a control announced on day
``A``, effective on day ``E`` and lifted on day ``L``, with goods taking ``T`` days to arrive
(``transit_days``), the flow reaching buyers in month ``t``, as a share of normal flow, is made of:

* the **rush** share ``r_t = |[min(A + K, E), E) in t| / D_t``, ordered at the front-loading
  factor: an order placed once the control is known clears customs ``K`` days later
  (``rush_lead_days``: order confirmation and export documents);
* the **controlled** share ``c_t = |[E + T, L + T) in t| / D_t``: goods declared before ``E``
  arrive until ``E + T``, and exports freed at ``L`` arrive from ``L + T``;
* the **approved** share: buyers file applications at the normal flow rate on every day
  ``a`` in ``[E, L)``; each is decided after a processing time ``X`` with distribution ``F``
  (``F(z) = P(X < z)``), granted with probability ``p``, and the goods arrive ``T`` days later::

      a_t = p / D_t * sum_{a=E}^{L-1} [F(u_t - T - a) - F(l_t - T - a)],
      u_t = min(s_{t+1}, L + T),  l_t = min(s_t, L + T)

  computed exactly with cumulative sums of ``F`` over whole days (``a_t <= c_t``);
* the **released backlog** at a lift (:func:`backlog_release`): orders not delivered while the
  control held, ``sum_t (c_t - a_t) (1 - leakage) D_t`` days of normal flow, are still wanted
  and ship from ``L + T`` at an even rate over ``R`` days (``lift_release_days``). In Sep 2010
  Japan-bound rare-earth cargo was "stuck at Chinese ports" and loading resumed on 19 Nov
  (https://www.washingtontimes.com/news/2010/sep/29/traders-china-resumes-rare-earth-exports-to-japan/,
  http://worldal.com/news/china/2010-11-20/129021850131472.shtml).

Processing times are lognormal (median ``m``, dispersion ``sigma`` = sd of ``ln X``; sigma 0 =
exactly ``m`` days) or uniform on ``[low, high]``. A lognormal fits waiting times that cannot
be negative and have a right tail; the legal limit (45 working days, ~63 calendar days, in
China's 2023 rules) sits near its 90th percentile with the parameter defaults.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr


def window_share(begin: np.ndarray | int, end: np.ndarray | int, starts: np.ndarray) -> np.ndarray:
    """Share of each month's days inside ``[begin, end)``, per draw: (B, H) for (B,) bounds.

    Examples
    --------
    >>> window_share(np.array([15]), np.array([10**9]), np.array([0, 30, 60])).tolist()
    [[0.5, 1.0]]
    """
    lo = np.atleast_1d(begin)[:, None]
    hi = np.atleast_1d(end)[:, None]
    inside = np.clip(np.minimum(hi, starts[None, 1:]) - np.maximum(lo, starts[None, :-1]), 0, None)
    return inside / np.diff(starts)[None, :]


def processing_cdf(
    days: np.ndarray,
    median: np.ndarray,
    dispersion: np.ndarray,
    uniform: tuple[float, float] | None = None,
) -> np.ndarray:
    """``P(X < z)`` for whole days `z` (N,), per draw (B, N).

    Examples
    --------
    >>> z = np.arange(5)
    >>> processing_cdf(z, np.array([2.0]), np.array([0.0])).tolist()
    [[0.0, 0.0, 0.0, 1.0, 1.0]]
    >>> processing_cdf(z, np.array([2.0]), np.array([0.0]), uniform=(0.0, 4.0)).tolist()
    [[0.0, 0.25, 0.5, 0.75, 1.0]]
    """
    z = np.asarray(days, float)[None, :]
    size = len(median)
    if uniform is not None:
        low, high = uniform
        return np.broadcast_to(np.clip((z - low) / (high - low), 0.0, 1.0), (size, z.shape[1])).copy()
    m, s = median[:, None], dispersion[:, None]
    with np.errstate(divide="ignore"):
        log_ratio = np.log(z) - np.log(m)
    spread = np.where(s > 0, s, 1.0)
    smooth = ndtr(log_ratio / spread)
    return np.where(s > 0, smooth, (z > m).astype(float)) * (z > 0)


def approved_share(
    cdf: np.ndarray, effective: int, lifted: int, transit: np.ndarray, p: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """Approved flow per month as a share of normal flow, (B, H) (module docstring, ``a_t``).

    `cdf` is :func:`processing_cdf` on days ``0 .. starts[-1] - effective``; `transit` (B,)
    whole days.

    Examples
    --------
    Effective on day 15 of a 31-day month, every licence takes exactly 10 days, no transit:
    applications of days 15-20 arrive in the first month, 6 of its 31 days; then full flow.

    >>> starts = np.array([0, 31, 60])
    >>> cdf = processing_cdf(np.arange(60 - 15 + 1), np.array([10.0]), np.array([0.0]))
    >>> (approved_share(cdf, 15, 10**9, np.array([0]), np.array([1.0]), starts) * [31, 29]).tolist()
    [[6.0, 29.0]]
    """
    size = len(p)
    top = cdf.shape[1] - 1
    # padded[b, y + 1] = sum of F(0..y), so y = -1 reads 0
    padded = np.concatenate([np.zeros((size, 1)), np.cumsum(cdf, axis=1)], axis=1)
    rows = np.arange(size)[:, None]
    span = lifted - effective

    def filed_by(x: np.ndarray) -> np.ndarray:
        y = x - transit[:, None] - effective
        at = np.clip(y, -1, top) + 1
        before = np.clip(y - span, -1, top) + 1
        return padded[rows, at] - padded[rows, before]

    end = (lifted + transit)[:, None]
    upper = filed_by(np.minimum(starts[None, 1:], end))
    lower = filed_by(np.minimum(starts[None, :-1], end))
    return p[:, None] * (upper - lower) / np.diff(starts)[None, :]


def backlog_release(
    held: np.ndarray, lifted: int, transit: np.ndarray, release_days: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """Backlog shipped after a lift per month, as a share of normal flow, (B, H).

    `held` (B, H) is the share of each month's normal flow not delivered while the control held
    (module docstring); its total in days of flow ships at an even rate over `release_days`
    (B,) from ``lifted + transit``.

    Examples
    --------
    Ten days of flow held in a 30-day month, lifted on day 40, no transit, released over 20
    days: half a month's flow arrives on days 40-59, 10 of them in each month.

    >>> starts = np.array([0, 30, 50, 80])
    >>> held = np.array([[1 / 3, 0.0, 0.0]])
    >>> (backlog_release(held, 40, np.array([0]), np.array([20.0]), starts) * [30, 20, 30]).round(9).tolist()
    [[0.0, 5.0, 5.0]]
    """
    days = (held * np.diff(starts)[None, :]).sum(axis=1)
    span = np.maximum(np.asarray(release_days, float), 1.0)
    begin = lifted + np.asarray(transit)
    return (days / span)[:, None] * window_share(begin, begin + span, starts)
