"""The front-loading rush starts an order lead after the announcement, checked against arithmetic
written out here.

April 2024 has 30 days (days 0-29), May 31 (30-60). A control announced on 10 Apr (day 9) and
effective on 16 May (day 45), halting everything (no licences, no leakage, 5 days in transit),
with front-loading factor 2.5 and an order lead of 10 days: orders placed from day 9 are exported
from day 19, so the rush runs over days 19-44, 11 of April's 30 days and 15 of May's 31. Before,
the rush began on the announcement day (21 days of April). April's multiplier on a controlled edge
is 1 + 1.5 * 11 / 30; May's 1 + 1.5 * 15 / 31 less the days from day 50 (45 + 5 in transit) on,
11 of 31.
"""

import pytest

from tests.shock.test_licensing_queue import drivers, edge, queue

HALT = "approval_path = [0.0]\ntransit_days = 5\n"
LEAD = "[parameters]\nfrontload_factor = 2.5\nrush_lead_days = 10\n"


def test_the_rush_starts_an_order_lead_after_the_announcement(gallium_network):
    net = gallium_network
    s = queue(HALT, effective="2024-05-16", announced="2024-04-10", horizon=3, tail=LEAD)
    e = edge(net, "CHN", "JPN")
    assert drivers(net, s, 0).edge_mult[0, e] == pytest.approx(1 + 1.5 * 11 / 30, rel=1e-12)
    assert drivers(net, s, 1).edge_mult[0, e] == pytest.approx(1 + 1.5 * 15 / 31 - 11 / 31, rel=1e-12)
    assert drivers(net, s, 2).edge_mult[0, e] == 0.0


def test_a_lead_past_the_effective_day_leaves_no_rush(gallium_network):
    # announced 10 May, effective 16 May (day 45): the lead would end on day 49, past the
    # effective day, so no order placed after the announcement leaves before the control.
    net = gallium_network
    s = queue(HALT, effective="2024-05-16", announced="2024-05-10", horizon=2, tail=LEAD)
    e = edge(net, "CHN", "JPN")
    assert drivers(net, s, 0).edge_mult[0, e] == 1.0
    assert drivers(net, s, 1).edge_mult[0, e] == pytest.approx(1 - 11 / 31, rel=1e-12)
