"""What buyers expect: the mean order multiplier of announced controls over the coming months.

Buyers know a published control from its announcement (a licensing regime announced ahead:
Ga/Ge 2023, graphite 2023), also when it takes effect the day it is announced: on 24 Feb 2025,
the day DR Congo announced its cobalt export suspension (effective 22 Feb), Wuxi cobalt futures
hit their daily limit
(https://www.timeslive.co.za/news/africa/2025-02-25-drc-bans-cobalt-exports-for-four-months-to-curb-oversupply/).
Priced only through cover, after the price lag, such a control would leave the outside price
flat through the first months of a sudden halt. An informal halt (``published = false``, e.g.
the 2010 halt to Japan, which China denied and which "major rare earths traders in China and
Japan told Reuters they had not heard of",
http://www.ccgp-fushun.com/business/2010-09/24/content_20994732.htm) is priced only as its
shortage shows, unless it was announced ahead. Outages, surges and projects are not foreseen:
an outage has no announced path. Front-loading counts as normal supply (multiplier
capped at 1): it moves purchases forward and is not new supply; the stock it builds enters the
forward cover through users' inventory once it has arrived.
"""

from __future__ import annotations

import numpy as np

from critmin.shock.events import CompiledEvents


def expected_multiplier(events: CompiledEvents, t: int, months: np.ndarray) -> np.ndarray:
    """Mean order multiplier per edge over months ``t .. t + months - 1``, (B, E).

    Counts the controls announced by month `t` (licensing delay, approval path,
    leakage and lifting; front-loading months count as 1); 1 on every edge when none is known.
    `months` is the outlook per draw (``price_outlook_months``).

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> from critmin.shock.events import batch_parameters, compile_events, draw_values
    >>> from critmin.scenarios import load_scenario
    >>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
    >>> s = load_scenario("backtest_ga_ge_2023")
    >>> p = batch_parameters(net.parameters, s, draw_values(s, [0]), 1)
    >>> ev = compile_events(s, net, p, draw_values(s, [0]), 1)
    >>> before, at = (expected_multiplier(ev, t, np.array([6])).min() for t in (0, 1))
    >>> float(before), bool(at < 1)
    (1.0, True)
    """
    b, _, _, _, ne = events.shape
    known = [c for c in events.controls if c.foreseen and c.announced_month <= t]
    if not known:
        return np.ones((b, ne))
    months = np.maximum(np.asarray(months, dtype=int), 1)
    total = np.zeros((b, ne))
    for h in range(int(months.max())):
        mult = np.ones((b, ne))
        for c in known:
            # past the horizon the last month's terms hold, as they would for a buyer looking ahead
            month = min(t + h, c.mult.shape[-1] - 1)
            mult[:, c.edges] *= c.mult[c.group, :, month].T
        total += np.minimum(mult, 1.0) * (h < months)[:, None]
    return total / months[:, None]
