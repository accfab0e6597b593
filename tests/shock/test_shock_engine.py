"""Properties of the engine: conservation, bounds, steady state, monotonicity, determinism."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from critmin.errors import ScenarioError
from critmin.scenarios import parse_scenario
from critmin.shock import mass_residual, run, simulate, simulate_draws, summarise, write_results
from critmin.shock.reference import reference_run
from critmin.shock.simulate import run_batch
from critmin.shock.synthetic import synthetic_dataset

HEADER = 'name = "t"\nhorizon_months = {h}\nstart = "2024-01"\nseed = 3\ndraws = 3\n'
CONTROL = """
[[events]]
kind = "export_control"
controller = "CHN"
materials = {materials}
destinations = {destinations}
announced = 1
effective = 2
licensing_delay_months = 1
approval_path = {path}
leakage = {leakage}
"""


def control_scenario(
    materials='["rare_earths", "ndpr", "ndfeb"]',
    destinations='["JPN"]',
    path="[0.2, 0.5]",
    leakage=0.05,
    horizon=10,
    extra="",
):
    text = (
        HEADER.format(h=horizon)
        + CONTROL.format(materials=materials, destinations=destinations, path=path, leakage=leakage)
        + extra
    )
    return parse_scenario(text)


RELEASE = """
[policy]
substitution = {sub}
allocation = ["defence"]

[policy.stockpile_release]
trigger_days = 40
monthly_rate = 0.3
coordination = "{coord}"
"""


def test_mass_is_conserved_every_month(ree_network):
    s = control_scenario(extra=RELEASE.format(sub="true", coord="pro_rata_consumption"))
    r = mass_residual(simulate(ree_network, s))
    for name in ("user", "producer", "stockpile", "producer_stock"):
        assert float(abs(r[name]).max()) < 1e-6, name


def test_no_negative_stocks(ree_network):
    out = simulate(
        ree_network, control_scenario(leakage=0.0, path="[0.0]", extra=RELEASE.format(sub="true", coord="own_first"))
    )
    assert float(out.inventory.min()) > -1e-9
    assert float(out.stockpile.min()) > -1e-9


def test_without_events_the_baseline_is_a_steady_state(ree_network):
    out = simulate(ree_network, parse_scenario(HEADER.format(h=12)))
    first = out.production.isel(month=0)
    np.testing.assert_allclose(out.production, first.broadcast_like(out.production), rtol=1e-9)
    assert float(abs(out.shortfall).max()) < 1e-9
    np.testing.assert_allclose(out.price_ratio.fillna(1.0), 1.0, rtol=1e-12)
    net_prod = out.production.isel(draw=0, month=0).stack(n=("material", "stage")).dropna("n")
    assert float(net_prod.sum()) == pytest.approx(ree_network.production.sum(), rel=1e-9)


@given(extra=st.floats(0.0, 5.0))
@settings(max_examples=15, deadline=None)
def test_more_stockpile_never_means_more_shortfall(ree_network, extra):
    s = control_scenario(path="[0.0]", leakage=0.0, extra=RELEASE.format(sub="false", coord="pro_rata_consumption"))
    more = dataclasses.replace(ree_network, stockpile=ree_network.stockpile * (1.0 + extra) + 10)
    base = simulate(ree_network, s, draws=[0]).shortfall.sum()
    assert float(simulate(more, s, draws=[0]).shortfall.sum()) <= float(base) + 1e-6


@pytest.mark.parametrize(
    ("loose", "tight"),
    [
        ({"leakage": 0.3}, {"leakage": 0.05}),
        ({"path": "[0.5, 0.8]"}, {"path": "[0.1, 0.2]"}),
        ({"destinations": '["JPN"]'}, {"destinations": '"all"'}),
    ],
)
def test_tighter_control_never_lowers_the_targets_shortfall(ree_network, loose, tight):
    no_sub = "\n[policy]\nsubstitution = false\n"
    a = simulate(ree_network, control_scenario(**loose, extra=no_sub), draws=[0])
    b = simulate(ree_network, control_scenario(**tight, extra=no_sub), draws=[0])
    target = {"country": "JPN"}
    assert float(b.shortfall.sel(target).sum()) >= float(a.shortfall.sel(target).sum()) - 1e-6


def test_batches_are_bit_identical(ree_network):
    s = control_scenario(
        extra='\n[uncertain]\n"events[0].leakage" = {dist="uniform", low=0, high=0.3}\n'
        '"parameters.price_lag_months" = {dist="triangular", low=2, mode=3, high=4}\n'
    )
    whole = simulate_draws(ree_network, s, range(6), batch_size=6)
    split = simulate_draws(ree_network, s, range(6), batch_size=4)
    part = simulate_draws(ree_network, s, range(3, 5), batch_size=1)
    for name in ("production", "inventory", "price_ratio", "shipments"):
        np.testing.assert_array_equal(whole[name].values, split[name].values)
        np.testing.assert_array_equal(whole[name].sel(draw=[3, 4]).values, part[name].values)


@pytest.mark.parametrize(
    "extra",
    ["", RELEASE.format(sub="true", coord="pro_rata_consumption"), RELEASE.format(sub="true", coord="own_first")],
)
def test_reference_agrees_with_engine(ree_network, extra):
    s = control_scenario(extra=extra + '\n[uncertain]\n"events[0].leakage" = {dist="uniform", low=0, high=0.3}\n')
    fast, slow = run_batch(ree_network, s, [0, 1]), reference_run(ree_network, s, [0, 1])
    for name, expected in slow.items():
        np.testing.assert_allclose(fast[name], expected, rtol=1e-9, atol=1e-9, err_msg=name)


def test_outage_and_surge_agree_with_reference(ree_network):
    s = parse_scenario(
        HEADER.format(h=8)
        + """
[[events]]
kind = "outage"
country = "CHN"
material = "ndpr"
stage = "separation"
capacity_lost = 0.9
start = 1
duration_months = 4
recovery_months = 2

[[events]]
kind = "demand_surge"
region = "JPN"
sector = "all"
material = "ndfeb"
size = 0.5
start = 2
duration_months = 3
"""
    )
    fast, slow = run_batch(ree_network, s, [0]), reference_run(ree_network, s, [0])
    for name, expected in slow.items():
        np.testing.assert_allclose(fast[name], expected, rtol=1e-9, atol=1e-9, err_msg=name)
    assert float(fast["shortfall"].sum()) > 0


def test_run_writes_netcdf_and_tidy_csv(tmp_path):
    calls = []
    out = run(
        synthetic_dataset(countries=4, materials=["gallium"]),
        "backtest_ga_ge_2023",
        draws=3,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (3, 3)
    paths = write_results(out, tmp_path)
    assert all(p.exists() for p in paths)
    assert not list(tmp_path.glob(".*tmp"))
    assert "first_stop_offset" in out
    assert "peak_price_ratio" in out


def test_summary_without_trajectories_equals_summary_of_trajectories(ree_network):
    s = control_scenario(extra=RELEASE.format(sub="true", coord="pro_rata_consumption"))
    full = simulate_draws(ree_network, s, range(3), trajectories=True)
    lean = simulate_draws(ree_network, s, range(3), batch_size=2, trajectories=False)
    assert "production" not in lean
    assert not [v for v in lean.data_vars if {"draw", "month"} <= set(lean[v].dims)]
    expected = summarise(full)
    for name in expected.data_vars:
        np.testing.assert_allclose(
            lean[name].values.astype(float) if name != "first_stop_month" else lean[name].values.astype("int64"),
            expected[name].values.astype(float)
            if name != "first_stop_month"
            else expected[name].values.astype("int64"),
            rtol=1e-12,
            atol=1e-9,
            err_msg=name,
        )


def test_surge_on_a_sector_without_demand_names_the_sectors_that_have_it(ree_network):
    jpn = ree_network.countries.index("JPN")
    item = ree_network.item_index("ndfeb", "magnet")
    empty = [
        s
        for s, v in zip(ree_network.sectors, ree_network.final_demand[item, jpn], strict=True)
        if v == 0 and s != "all"
    ]
    surge = (
        HEADER.format(h=4) + '[[events]]\nkind = "demand_surge"\nregion = "JPN"\n'
        f'sector = "{empty[0]}"\nmaterial = "ndfeb"\nsize = 1.0\nstart = 0\n'
        "duration_months = 2\n"
    )
    with pytest.raises(ScenarioError, match=f"JPN has no baseline final demand for ndfeb in sector '{empty[0]}'"):
        simulate(ree_network, parse_scenario(surge))
    shared = simulate(ree_network, parse_scenario(surge + "baseline_share = 0.1\n"), draws=[0])
    need = shared.final_need.sel(material="ndfeb", country="JPN").isel(draw=0)
    # the sector's baseline is 10% of Japan's magnet demand; the surge doubles it
    base = 0.1 * ree_network.final_demand[item, jpn].sum()
    assert float(need.sel(sector=empty[0]).isel(month=0)) == pytest.approx(2 * base)
    assert float(need.sel(sector=empty[0]).isel(month=3)) == pytest.approx(base)


def test_prices_in_usd_are_ratio_times_dataset_price(gallium_network):
    out = simulate(gallium_network, control_scenario(materials='["gallium"]', horizon=6), draws=[0])
    ratio = out.price_ratio.sel(material="gallium", stage="metal", market="outside")
    usd = out.price.sel(material="gallium", stage="metal", price_market="international")
    base = gallium_network.price[gallium_network.item_index("gallium", "metal"), 1]
    np.testing.assert_allclose(usd, ratio * base)
    assert usd.attrs["units"] == "USD/kg"
    assert out.attrs["price_base_year"] == gallium_network.year


@pytest.mark.parametrize("field", ["announced", "effective", "lifted"])
def test_a_scenario_built_in_code_with_a_month_that_is_not_one_is_a_scenario_error(ree_network, field):
    # parse_scenario rejects such a month; a Scenario built in code used to reach the month loop
    # with None as the month and fail there comparing None with the month number (TypeError)
    scenario = control_scenario()
    event = dataclasses.replace(scenario.events[0], **{field: "2024-13"})
    scenario = dataclasses.replace(scenario, events=(event,))
    with pytest.raises(ScenarioError, match=rf"events\[0\]\.{field}.*'2024-13' is not a month"):
        simulate(ree_network, scenario, draws=[0])
