"""Prices that split at once: forward-looking outside buyers, outside markets at every stage,
no glut read from the pre-control rush, no inside rise while exports are trapped."""

import numpy as np
import pytest

from critmin.errors import ScenarioError
from critmin.scenarios import parse_scenario
from critmin.shock import simulate
from critmin.shock.network import build_network
from critmin.shock.reference import reference_run
from critmin.shock.simulate import run_batch
from tests.shock.scenario_text import export_control, header
from tests.shock.tiny import germanium, tiny_dataset


def control(materials: str, destinations: str, announced: int, path: str = "[0.2, 0.5]") -> str:
    fields = {"materials": materials, "destinations": destinations, "announced": announced, "effective": 3}
    return export_control(header(12), **fields, licensing_delay_months=1, approval_path=path, leakage=0.05)


def outside(out, material, stage):
    return out.price_ratio.sel(material=material, stage=stage, market="outside").isel(draw=0).values


def test_the_outside_price_moves_in_the_announcement_month():
    out = simulate(build_network(germanium()), parse_scenario(control('["germanium"]', '"all"', announced=1)))
    price = outside(out, "germanium", "refining")
    assert price[0] == 1.0
    assert price[1] > 1.05  # month 1: announced, nothing cut yet


@pytest.mark.parametrize("engine", ["numpy", "fused"])
def test_a_halt_effective_on_announcement_moves_the_outside_price_in_its_first_month(engine):
    # China halts every germanium export from month 3, announced that day (no licences, no
    # leakage, no transit). Buyers are told at once, so month 3's outside price is the price
    # of the expected cover over the 6-month outlook: of the outside users' baseline flow
    # (JPN 400 from CHN + 100 from USA, USA 300 own + 60 from CHN, t/year) the 400 t not from
    # China keep coming, fill = 400 / 860; N0 = 860 / 12 t/month, target stock 2.5 * N0;
    # x = (month-end inventory of JPN and USA + 6 * N0 * fill) / (6 * N0 + 2.5 * N0) and the
    # price 1 + ln(1 / x) (flexibility 1). Before, such a halt was not foreseen and the price
    # stayed at 1 until the 3-month price lag read the lost cover.
    net = build_network(germanium())
    fields = {"materials": '["germanium"]', "destinations": '"all"', "announced": 3, "effective": 3}
    s = parse_scenario(export_control(header(5), **fields, approval_path="[0.0]", leakage=0.0, transit_days=0))
    out = run_batch(net, s, [0], engine=engine)
    price = out["price_ratio"][0, :, 0, 1]
    assert price[:3].tolist() == [1.0, 1.0, 1.0]
    n0 = 860 / 12
    held = out["inventory"][0, 3, 0, [net.countries.index("JPN"), net.countries.index("USA")]].sum()
    x = (held + 6 * n0 * 400 / 860) / (6 * n0 + 2.5 * n0)
    assert price[3] == pytest.approx(1 - np.log(x), rel=1e-12)
    assert price[3] > 1.5


def test_an_informal_halt_is_priced_only_as_its_shortage_shows():
    # The same halt, not published (the 2010 halt to Japan): no forward price; the outside price
    # stays at 1 through the effective month, until the 3-month lag reads the lost cover.
    net = build_network(germanium())
    fields = {"materials": '["germanium"]', "destinations": '"all"', "announced": 3, "effective": 3}
    text = export_control(header(5), **fields, approval_path="[0.0]", leakage=0.0, transit_days=0, published="false")
    price = run_batch(net, parse_scenario(text), [0])["price_ratio"][0, :, 0, 1]
    assert price.tolist() == [1.0] * 5


def test_published_must_be_true_or_false():
    fields = {"materials": '["germanium"]', "destinations": '"all"', "announced": 3, "effective": 3}
    text = export_control(header(5), **fields, published='"no"')
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, file="p.toml")
    assert [str(i) for i in err.value.issues] == [
        "p.toml, field 'events[0].published': 'no' is not true or false. Fix: write true or false."
    ]


def test_the_pre_control_rush_does_not_make_the_outside_price_fall():
    # Two months of front-loading fill outside inventories; from the effective month on, while
    # approvals stay below normal, the outside price never drops under its baseline.
    out = simulate(build_network(germanium()), parse_scenario(control('["germanium"]', '"all"', announced=1)))
    price = outside(out, "germanium", "refining")
    assert price[3:].min() >= 1.0


def test_the_inside_price_never_rises_while_exports_are_trapped(ree_network):
    # Exports to every destination are refused from the effective month 3 on (approvals at most
    # half, leakage 5 %): China's price of each item may fall or hold from month 3, never rise.
    s = parse_scenario(control('["rare_earths", "ndpr", "dysprosium", "ndfeb"]', '"all"', announced=2))
    inside = simulate(ree_network, s).price_ratio.sel(market="inside").isel(draw=0)
    rise = np.diff(inside.transpose("month", ...).values, axis=0)[2:]
    assert np.nanmax(rise) <= 1e-12
    assert np.nanmin(rise) < -1e-3


def test_upstream_inside_prices_do_not_rise_while_magnets_are_held(ree_network):
    # Only magnets are controlled; China's magnet makers, their exports held, order less
    # alloy, metal and oxide: China's upstream prices may fall or hold, not rise.
    s = parse_scenario(control('["ndfeb"]', '"all"', announced=3))
    inside = simulate(ree_network, s).price_ratio.sel(market="inside").isel(draw=0)
    rise = np.diff(inside.transpose("month", ...).values, axis=0)[2:]
    assert np.nanmax(rise) <= 1e-12


def dysprosium():
    ox, metal = ("dysprosium", "separation"), ("dysprosium", "metal")
    return tiny_dataset(
        production={(*ox, "CHN"): 1200.0, (*metal, "CHN"): 1000.0},
        trade={(*metal, "CHN", "JPN"): 400.0, (*metal, "CHN", "USA"): 100.0},
        demand={
            ("dysprosium", "JPN", "automotive"): 400.0,
            ("dysprosium", "USA", "automotive"): 100.0,
            ("dysprosium", "CHN", "electronics"): 500.0,
        },
        chain={(*metal, *ox): 1.15},
    )


def test_dy_oxide_outside_price_moves_under_a_dy_control():
    # No one outside China buys Dy oxide: outside users buy Dy metal made from it. The oxide's
    # outside price is that of the outside users it feeds.
    net = build_network(dysprosium())
    assert net.need[net.item_index("dysprosium", "separation"), net.countries.index("JPN")] == 0
    out = simulate(net, parse_scenario(control('["dysprosium"]', '"all"', announced=1)))
    oxide, metal = outside(out, "dysprosium", "separation"), outside(out, "dysprosium", "metal")
    assert oxide.max() > 1.2
    np.testing.assert_allclose(oxide, metal, rtol=1e-12)


def test_reference_agrees_on_the_prices():
    net = build_network(dysprosium())
    s = parse_scenario(control('["dysprosium"]', '"all"', announced=1))
    fast, slow = run_batch(net, s, [0]), reference_run(net, s, [0])
    for name, expected in slow.items():
        np.testing.assert_allclose(fast[name], expected, rtol=1e-9, atol=1e-9, err_msg=name)


def test_an_informal_halt_round_trips_through_toml():
    from critmin.scenarios import load_scenario
    from critmin.scenarios.toml_writer import scenario_to_toml

    s = load_scenario("backtest_ree_japan_2010")
    assert s.events[0].published is False
    text = scenario_to_toml(s)
    assert "published = false" in text.splitlines()
    assert parse_scenario(text) == s
