"""Project events: new supply delivered to the served users, by hand, conserved and monotone."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from critmin.errors import ScenarioError
from critmin.scenarios import Project, parse_scenario
from critmin.shock import mass_residual, simulate
from critmin.shock.reference import reference_run
from critmin.shock.simulate import run_batch

from .test_shock_engine import HEADER, control_scenario

PROJECT = """
[[events]]
kind = "project"
country = "USA"
material = "ndfeb"
stage = "magnet"
tonnes_per_year = {tonnes}
online = 2
delay_months = 0.5
ramp_months = 1
p_complete = 0.5
serves = {serves}
"""


def with_project(tonnes: float = 1200.0, serves: str = '["JPN"]', extra: str = ""):
    return control_scenario(
        path="[0.0]", leakage=0.0, horizon=6, extra=PROJECT.format(tonnes=tonnes, serves=serves) + extra
    )


def test_supply_by_hand(ree_network):
    # 1200 t/yr x 0.5 / 12 = 50 t/month; share clip((t + 1 - 2.5) / 2, 0, 1): 0, 0, 0.25, 0.75, 1, 1
    out = simulate(ree_network, with_project(), draws=[0])
    supplied = out.project_supply.sel(draw=0, material="ndfeb", stage="magnet")
    assert supplied.sel(country="JPN").values.tolist() == [0.0, 0.0, 12.5, 37.5, 50.0, 50.0]
    assert float(abs(supplied.drop_sel(country="JPN")).sum()) == 0.0


def test_output_is_split_over_served_countries_by_baseline_need(ree_network):
    out = simulate(ree_network, with_project(serves='["JPN", "KOR"]'), draws=[0])
    month = out.project_supply.sel(draw=0, material="ndfeb", stage="magnet").isel(month=-1)
    item = ree_network.item_index("ndfeb", "magnet")
    need = ree_network.need[item, [ree_network.countries.index(c) for c in ("JPN", "KOR")]]
    assert float(month.sel(country="JPN") + month.sel(country="KOR")) == pytest.approx(50.0, abs=1e-12)
    assert float(month.sel(country="JPN") / month.sel(country="KOR")) == pytest.approx(need[0] / need[1], rel=1e-12)


def test_mass_is_conserved_with_a_project(ree_network):
    residual = mass_residual(simulate(ree_network, with_project(), draws=[0, 1]))
    assert float(abs(residual.user).max()) < 1e-6
    assert float(abs(residual.producer).max()) < 1e-6


def test_project_lowers_the_served_countrys_shortfall(ree_network):
    base = control_scenario(path="[0.0]", leakage=0.0, horizon=6)
    without = simulate(ree_network, base, draws=[0]).shortfall.sel(country="JPN").sum()
    with_ = simulate(ree_network, with_project(), draws=[0]).shortfall.sel(country="JPN").sum()
    assert float(with_) < float(without)


@given(tonnes=st.floats(0.0, 5000.0))
@settings(max_examples=15, deadline=None)
def test_more_project_output_never_means_more_shortfall(ree_network, tonnes):
    # With identical firms (no cover spread, no tied sourcing) the sector is one pool and the law
    # holds exactly. With firm classes it need not over a finite horizon: a class that a little
    # more supply keeps running one month longer can stop in the last month holding stock, where
    # with less supply it stopped earlier, kept its arrivals and ran at the end.
    pooled = "\n[parameters]\nfirm_cover_spread = 0.0\nsole_sourcing = 0.0\n"
    less = simulate(ree_network, with_project(tonnes=max(tonnes, 1e-3), extra=pooled), draws=[0]).shortfall.sum()
    more = simulate(ree_network, with_project(tonnes=tonnes + 500.0, extra=pooled), draws=[0]).shortfall.sum()
    assert float(more) <= float(less) + 1e-6


def test_a_project_that_never_completes_changes_nothing(ree_network):
    base = control_scenario(path="[0.0]", leakage=0.0, horizon=6)
    never = with_project()
    never = dataclasses.replace(
        never, events=(*never.events[:-1], dataclasses.replace(never.events[-1], p_complete=0.0))
    )
    a, b = run_batch(ree_network, base, [0]), run_batch(ree_network, never, [0])
    for name in ("production", "inventory", "shortfall", "price_ratio"):
        np.testing.assert_array_equal(a[name], b[name])


def test_reference_agrees_with_engine_on_a_project(ree_network):
    s = with_project(serves='["JPN", "USA"]')
    fast, slow = run_batch(ree_network, s, [0, 1]), reference_run(ree_network, s, [0, 1])
    for name, expected in slow.items():
        np.testing.assert_allclose(fast[name], expected, rtol=1e-9, atol=1e-9, err_msg=name)


def test_project_round_trips_through_toml():
    scenario = with_project(serves='["JPN", "EU27"]')
    project = scenario.events[-1]
    assert isinstance(project, Project) and project.served == ("JPN", "EU27")
    assert parse_scenario(scenario.to_toml()) == scenario


def test_bad_project_fields_are_all_reported():
    text = HEADER.format(h=6) + PROJECT.format(tonnes=-5, serves='["JPN", "XXX"]').replace(
        "p_complete = 0.5", "p_complete = 1.5"
    )
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, file="p.toml")
    assert [(i.field, i.problem) for i in error.value.issues] == [
        ("events[0].tonnes_per_year", "-5 is not a positive number"),
        ("events[0].serves[1]", "'XXX' is not a known country code"),
        ("events[0].p_complete", "1.5 is outside [0, 1]"),
    ]


def test_output_for_countries_without_users_goes_to_the_worlds_users(ree_network):
    # nobody in the USA uses dysprosium oxide in this network: the plant's oxide is sold to
    # the countries that do, by their need, rather than piling up unused
    text = (
        PROJECT.format(tonnes=600, serves='["USA"]')
        .replace('"ndfeb"', '"dysprosium"')
        .replace('"magnet"', '"separation"')
    )
    s = parse_scenario(HEADER.format(h=6) + text)
    month = simulate(ree_network, s, draws=[0]).project_supply.sel(draw=0, material="dysprosium", stage="separation")
    last = month.isel(month=-1)
    item = ree_network.item_index("dysprosium", "separation")
    need = ree_network.need[item]
    assert need[ree_network.countries.index("USA")] == 0.0
    np.testing.assert_allclose(last.values, 25.0 * need / need.sum(), rtol=1e-12)


def test_a_bernoulli_completion_delivers_all_or_nothing_per_draw(ree_network):
    text = HEADER.format(h=6).replace("draws = 3", "draws = 40") + PROJECT.format(tonnes=1200, serves='["JPN"]')
    text += '\n[uncertain]\n"events[0].p_complete" = {dist = "bernoulli", p = 0.5}\n'
    out = simulate(ree_network, parse_scenario(text), draws=list(range(40)))
    delivered = out.project_supply.sel(material="ndfeb", stage="magnet", country="JPN").isel(month=-1).values
    # completed draws get the full 1200 / 12 = 100 t/month, the others nothing
    assert set(np.round(delivered, 12).tolist()) == {0.0, 100.0}
    assert 10 <= int((delivered > 0).sum()) <= 30


def test_bernoulli_probability_outside_zero_one_is_refused():
    text = HEADER.format(h=6) + PROJECT.format(tonnes=10, serves='["JPN"]')
    text += '\n[uncertain]\n"events[0].p_complete" = {dist = "bernoulli", p = 1.5}\n'
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, file="p.toml")
    assert [(i.field, i.problem, i.fix) for i in error.value.issues] == [
        ("uncertain.events[0].p_complete", "p = 1.5 is outside [0, 1]", "give the probability of 1 as p in [0, 1]")
    ]
