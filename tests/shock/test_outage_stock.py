"""Producers' stock behind an outage: the share of it at shut sites cannot be sold.

Germanium (tests/shock/tiny.py): China makes 100 t/month (1,200 t/year) with no capacity data,
so its capacity is 100 / 0.8 (``capacity_utilisation``) = 125 t/month, and holds one month of
output in stock (``producer_stock_months`` = 1): 100 t. An outage takes 80 % of its capacity
from the second month: 25 t/month can be made. Orders are unchanged (every buyer holds its
target cover), 100 t/month. Before this rule the 75 t beyond capacity came out of the 100 t of
stock, so every buyer got its full order in the outage's first month; now only the 20 % of the
stock at the sites still running can move: 20 t. China ships (25 + 20) / 100 = 45 % of each
order, and its stock falls from 100 t to 80 t.
"""

import numpy as np
import pytest

from critmin.shock.network import build_network
from critmin.shock.reference import reference_run
from critmin.shock.simulate import run_batch
from tests.shock.scenario_text import header
from tests.shock.tiny import germanium

OUTAGE = """
[[events]]
kind = "outage"
country = "CHN"
material = "germanium"
stage = "refining"
capacity_lost = 0.8
start = "2024-02"
duration_months = 2
"""


@pytest.fixture(scope="module")
def run():
    from critmin.scenarios import parse_scenario

    net = build_network(germanium())
    scenario = parse_scenario(header(3) + OUTAGE)
    return net, scenario


def _edge(net, supplier, buyer):
    c = net.countries
    return int(np.flatnonzero((net.edge_supplier == c.index(supplier)) & (net.edge_buyer == c.index(buyer)))[0])


@pytest.mark.parametrize("engine", ["numpy", "fused"])
def test_an_outage_locks_the_stock_at_the_sites_it_shuts(run, engine):
    net, scenario = run
    out = run_batch(net, scenario, [0], engine=engine)
    e = _edge(net, "CHN", "JPN")
    assert out["shipments"][0, 0, e] == pytest.approx(400 / 12, rel=1e-12)
    assert out["shipments"][0, 1, e] == pytest.approx(400 / 12 * 0.45, rel=1e-12)
    chn = net.countries.index("CHN")
    assert out["stock_sold"][0, 1, 0, chn] == pytest.approx(20.0, rel=1e-12)
    assert out["producer_stock"][0, 1, 0, chn] == pytest.approx(80.0, rel=1e-12)


def test_the_reference_locks_the_same_stock(run):
    net, scenario = run
    fast, slow = run_batch(net, scenario, [0]), reference_run(net, scenario, [0])
    for name, expected in slow.items():
        np.testing.assert_allclose(fast[name], expected, rtol=1e-9, atol=1e-9, err_msg=name)
