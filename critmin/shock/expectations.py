"""What buyers expect: the mean order multiplier of announced controls over the coming months.

Buyers know a control from its announcement (a published licensing regime: Ga/Ge 2023,
graphite 2023), and a control that takes effect the day it is announced from that day: the
buyers whose orders it stops are told at once. On 24 Feb 2025, the day DR Congo announced its
cobalt export suspension (effective 22 Feb), Wuxi cobalt futures hit their daily limit
(https://www.timeslive.co.za/news/africa/2025-02-25-drc-bans-cobalt-exports-for-four-months-to-curb-oversupply/);
even the informal 2010 halt to Japan, which China denied, was known to Japanese trading houses
within three days ("only Japan-bound shipments were suspended",
http://www.france24.com/en/20100924-china-bans-mineral-exports-japan-despite-captain-release-offer-boat-collision-diplomacy).
Priced only through cover, after the price lag, such a control would leave the outside price
flat through the first months of a sudden halt. Outages, surges and projects are not
foreseen: an outage has no announced path. Front-loading counts as normal supply (multiplier
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
    known = [c for c in events.controls if c.announced_month <= t]
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
