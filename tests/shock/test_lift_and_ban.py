"""A lifted control releases the orders it held; a banned destination gets exactly nothing on
its direct edge. Each checked against arithmetic written out here."""

import numpy as np
import pytest

from critmin.shock import mass_residual, simulate
from critmin.shock.simulate import run_batch
from tests.shock.test_licensing_queue import drivers, edge, need_on, queue

# April 2024 has 30 days (days 0-29), May 31 (30-60), June 30 (61-90).
HALT = 'approval_path = [0.0]\ntransit_days = 5\nlifted = "2024-05-06"\n'


def test_a_lift_releases_the_held_orders_over_the_release_days(gallium_network):
    # Halt from day 15 (16 Apr) to day 35 (6 May), goods 5 days in transit: arrivals stop on
    # days 20-39, 10 days of April and 10 of May. With leakage 0.2, April gets
    # 1 - 10/30 + 0.2 * 10/30 = 22/30. Held: 20 days x 0.8 = 16 days of flow, shipped from day
    # 40 over 10 days (days 40-49, all in May): May gets 1 - 10/31 + 0.2 * 10/31 + 16/31 = 39/31.
    # What buyers order to rebuild stock is not part of the held orders: May's restock
    # multiplier stays 23/31, and June is normal.
    net = gallium_network
    s = queue(HALT, leakage=0.2, horizon=3, tail="[parameters]\nlift_release_days = 10\n")
    e = edge(net, "CHN", "JPN")
    d0, d1, d2 = (drivers(net, s, t) for t in range(3))
    assert d0.edge_mult[0, e] == pytest.approx(22 / 30, rel=1e-12)
    assert d1.edge_mult[0, e] == pytest.approx(39 / 31, rel=1e-12)
    assert d1.restock_mult[0, e] == pytest.approx(23 / 31, rel=1e-12)
    assert d2.edge_mult[0, e] == 1.0


def test_the_release_spreads_over_months_and_ships_a_rebound(gallium_network):
    # Same halt, released over 30 days from day 40: 21 days in May (40-60), 9 in June (61-69),
    # at 16/30 of a day's flow per day. May: 1 - 10/31 + 2/31 + 16 * 21 / 30 / 31; June:
    # 1 + 16 * 9 / 30 / 30. In the run, the rebound month ships more than the buyer needs.
    net = gallium_network
    s = queue(HALT, leakage=0.2, horizon=4, tail="[parameters]\nlift_release_days = 30\n")
    e = edge(net, "CHN", "JPN")
    assert drivers(net, s, 1).edge_mult[0, e] == pytest.approx((23 + 16 * 21 / 30) / 31, rel=1e-12)
    assert drivers(net, s, 2).edge_mult[0, e] == pytest.approx(1 + 16 * 9 / 30 / 30, rel=1e-12)
    out = run_batch(net, s, [0])
    assert out["shipments"][0, 1, e] > 1.1 * need_on(out, net, e, 1)
    r = mass_residual(simulate(net, s, draws=[0]))
    for name in ("user", "producer", "stockpile", "producer_stock"):
        assert float(abs(r[name]).max()) < 1e-6, name


def test_a_control_never_lifted_releases_nothing(gallium_network):
    s = queue(HALT.replace('lifted = "2024-05-06"\n', ""), leakage=0.2, horizon=3)
    e = edge(gallium_network, "CHN", "JPN")
    assert drivers(gallium_network, s, 1).edge_mult[0, e] == pytest.approx(0.2, rel=1e-12)


def test_a_banned_class_gets_exactly_zero_while_leakage_reaches_the_others(gallium_network):
    # Effective 1 April, no transit, leakage 0.3. The banned USA edge carries exactly 0 (what
    # leaks goes through third countries, not on the direct edge); Japan's class, never
    # approved, gets the leakage: 0.3.
    classes = """
[[events.destination_classes]]
name = "prohibited"
countries = ["USA"]
banned = true

[[events.destination_classes]]
name = "others"
countries = {all_but = ["USA"]}
approval_probability = 0.0
"""
    net = gallium_network
    s = queue("transit_days = 0\n" + classes, destinations='"all"', effective="2024-04", leakage=0.3)
    usa, jpn = edge(net, "CHN", "USA"), edge(net, "CHN", "JPN")
    for t in (0, 1):
        drv = drivers(net, s, t)
        assert drv.edge_mult[0, usa] == 0.0
        assert drv.restock_mult[0, usa] == 0.0
        assert drv.edge_mult[0, jpn] == pytest.approx(0.3, rel=1e-12)
    out = run_batch(net, s, [0])
    assert np.all(out["shipments"][0, :, usa] == 0.0)
