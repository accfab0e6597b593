"""The licensing queue: day-level dates, goods in transit, processing times, destination classes
and restocking, each checked against arithmetic written out here."""

import numpy as np
import pytest
import xarray as xr

from critmin.errors import ScenarioError
from critmin.scenarios import parse_scenario
from critmin.shock import mass_residual, simulate, simulate_draws
from critmin.shock.events import batch_parameters, compile_events, draw_values, month_drivers
from critmin.shock.licensing import approved_share, processing_cdf
from critmin.shock.material_parameters import resolve_material_values
from critmin.shock.network import build_network
from critmin.shock.reference import reference_run
from critmin.shock.simulate import run_batch
from critmin.shock.synthetic import synthetic_dataset
from tests.shock.scenario_text import export_control, header


# April 2024 has 30 days, May 31: days 0-29 are April, 30-60 May.
def top(horizon: int) -> str:
    return header(horizon, name="q", start="2024-04", seed=5, draws=2)


def control(destinations: str, effective: str, announced: str | None, leakage: float, extra: str) -> str:
    """A gallium metal control with `extra` lines inside the event, without its [policy]."""
    fields = {"materials": '["gallium"]', "stages": '["metal"]', "destinations": destinations}
    fields |= {"announced": f'"{announced or effective}"', "effective": f'"{effective}"', "leakage": leakage}
    return export_control("", **fields) + extra


def queue(
    extra="", destinations='["JPN", "USA"]', effective="2024-04-16", announced=None, leakage=0.0, horizon=2, tail=""
):
    text = (
        top(horizon)
        + control(destinations, effective, announced, leakage, extra)
        + "\n[policy]\nsubstitution = false\n"
    )
    return parse_scenario(text + tail)


def edge(net, supplier, buyer, item=("gallium", "metal")):
    i = net.items.index(item)
    s, b = net.countries.index(supplier), net.countries.index(buyer)
    return int(np.flatnonzero((net.edge_item == i) & (net.edge_supplier == s) & (net.edge_buyer == b))[0])


def need_on(out, net, e, month):
    """The buyer's need on edge `e` in `month` (its share of the buyer's need)."""
    return out["need"][0, month, net.edge_item[e], net.edge_buyer[e]] * net.edge_share[e]


def drivers(net, scenario, t):
    values = draw_values(scenario, [0])
    params = batch_parameters(net.parameters, scenario, values, 1)
    return month_drivers(compile_events(scenario, net, params, values, 1), t)


def test_mid_month_control_with_transit_and_a_fixed_processing_time(gallium_network):
    # Effective on day 16 of April (day 15 of 30); goods in transit arrive for 5 more days, so
    # April keeps 20 of its 30 days. Every licence takes 20 days and its goods 5 more: the
    # application of day a arrives on day a + 25, so none in April (a >= 15 arrive >= 40) and in
    # May (days 30-60) those of days 15-35: 21 of 31 days. No leakage, no restocking licensed.
    net = gallium_network
    s = queue("transit_days = 5\nprocessing_days = {median = 20, dispersion = 0}\napproval_probability = 1.0")
    out = run_batch(net, s, [0])
    e = edge(net, "CHN", "JPN")
    assert out["shipments"][0, 0, e] == pytest.approx(20 / 30 * need_on(out, net, e, 0), rel=1e-12)
    assert out["shipments"][0, 1, e] == pytest.approx(21 / 31 * need_on(out, net, e, 1), rel=1e-12)
    free = edge(net, "KOR", "JPN")
    assert out["shipments"][0, 0, free] == pytest.approx(need_on(out, net, free, 0), rel=1e-12)


def test_uniform_processing_time_approves_the_integral_of_its_cdf(gallium_network):
    # Effective day 15, no transit, processing uniform on [0, 30] days: application a arrives in
    # April with probability F(30 - a) = (30 - a) / 30, so April gets (1 + ... + 15) / 30 = 4 of
    # its 30 days from licences, plus the 15 days before the control: 19/30 of normal flow.
    # May (days 30-60) gets F(61 - a) - F(30 - a): days 15-29 give 1 - (30 - a)/30, in all
    # 15 - 4 = 11; day 30 gives F(31) = 1; days 31-60 give (61 - a)/30 = 30/30 .. 1/30, in all
    # 465/30 = 15.5. Total 27.5 of 31 days. The restocking part is never licensed: 15/30, then 0.
    net = gallium_network
    s = queue("transit_days = 0\nprocessing_days = {low = 0, high = 30}")
    d0, d1 = drivers(net, s, 0), drivers(net, s, 1)
    e = edge(net, "CHN", "USA")
    assert d0.edge_mult[0, e] == pytest.approx(19 / 30, rel=1e-12)
    assert d1.edge_mult[0, e] == pytest.approx(27.5 / 31, rel=1e-12)
    assert d0.restock_mult[0, e] == pytest.approx(15 / 30, rel=1e-12)
    assert d1.restock_mult[0, e] == 0.0


def test_a_banned_class_gets_nothing_and_an_open_class_gets_the_queue(gallium_network):
    # Effective 1 April (month-level), no transit, every licence 10 days: April's open flow is
    # applications of days 0-19 arriving on days 10-29, 20 of 30 days; May full (31 of 31).
    net = gallium_network
    classes = """
[[events.destination_classes]]
name = "refused"
countries = ["USA"]
banned = true

[[events.destination_classes]]
name = "civilian"
countries = {all_but = ["USA"]}
processing_days = {median = 10, dispersion = 0}
approval_probability = 0.5
"""
    s = queue("transit_days = 0\n" + classes, destinations='"all"', effective="2024-04")
    usa, jpn = edge(net, "CHN", "USA"), edge(net, "CHN", "JPN")
    for t, days, length in ((0, 20, 30), (1, 31, 31)):
        drv = drivers(net, s, t)
        assert drv.edge_mult[0, usa] == 0.0
        assert drv.edge_mult[0, jpn] == pytest.approx(0.5 * days / length, rel=1e-12)
        assert drv.blocked[0, net.items.index(("gallium", "metal")), net.countries.index("CHN")]


def test_restocking_after_approvals_resume_never_orders_more_than_the_queue_approves(gallium_network):
    # A path that approves everything after one month: the buyers' inventories ran down in
    # April, so in May they order their need plus a rebuild; only the need is licensed.
    net = gallium_network
    s = queue("licensing_delay_months = 1\napproval_path = [1.0]", effective="2024-04", horizon=4)
    out = run_batch(net, s, [0])
    e = edge(net, "CHN", "JPN")
    rebuilt = out["need"][0, 1:, net.edge_item[e], net.edge_buyer[e]] * net.edge_share[e]
    i, c = net.edge_item[e], net.edge_buyer[e]
    assert out["inventory"][0, 0, i, c] < out["inventory_initial"][0, i, c]
    np.testing.assert_array_less(out["shipments"][0, 1:, e], rebuilt * (1 + 1e-12))
    assert out["shipments"][0, 1, e] == pytest.approx(rebuilt[0], rel=1e-12)


def test_queue_restocking_is_bounded_by_approvals_month_by_month(gallium_network):
    net = gallium_network
    s = queue("transit_days = 3\nprocessing_days = {median = 40, dispersion = 0.3}", horizon=6)
    out = run_batch(net, s, [0])
    e = edge(net, "CHN", "JPN")
    for t in range(6):
        approved = drivers(net, s, t).edge_mult[0, e]
        assert out["shipments"][0, t, e] <= approved * need_on(out, net, e, t) * (1 + 1e-12)


QUEUE_TAIL = """
[[events.destination_classes]]
name = "refused"
countries = ["USA"]
banned = true

[uncertain]
"events[0].leakage" = {dist = "uniform", low = 0, high = 0.2}
"events[0].transit_days" = {dist = "uniform", low = 0, high = 20}
"parameters.processing_days_median" = {dist = "uniform", low = 20, high = 60}
"""


def test_queue_agrees_with_reference_and_conserves_mass_and_batches(gallium_network):
    s = parse_scenario(
        top(8)
        + control(
            '"all"', "2024-05-10", "2024-04-03", 0.05, 'lifted = "2024-09-20"\nprocessing_days = {dispersion = 0.4}\n'
        )
        + QUEUE_TAIL
    )
    fast, slow = run_batch(gallium_network, s, [0, 1, 2]), reference_run(gallium_network, s, [0, 1, 2])
    for name, expected in slow.items():
        np.testing.assert_allclose(fast[name], expected, rtol=1e-9, atol=1e-9, err_msg=name)
    r = mass_residual(simulate(gallium_network, s, draws=[0, 1]))
    for name in ("user", "producer", "stockpile", "producer_stock"):
        assert float(abs(r[name]).max()) < 1e-6, name
    whole = simulate_draws(gallium_network, s, range(4), batch_size=4)
    part = simulate_draws(gallium_network, s, range(1, 3), batch_size=1)
    for name in ("shipments", "inventory", "price_ratio"):
        np.testing.assert_array_equal(whole[name].sel(draw=[1, 2]).values, part[name].values)


def test_a_longer_processing_time_never_ships_more(gallium_network):
    fast, slow = (
        run_batch(gallium_network, queue(f"processing_days = {{median = {m}, dispersion = 0.3}}", horizon=5), [0])
        for m in (20, 60)
    )
    e = edge(gallium_network, "CHN", "JPN")
    assert (slow["shipments"][0, :, e] <= fast["shipments"][0, :, e] + 1e-12).all()
    assert slow["shipments"][0, :, e].sum() < fast["shipments"][0, :, e].sum()


def test_bad_licensing_fields_are_all_reported_at_once():
    text = (
        top(2)
        + """
[[events]]
kind = "export_control"
controller = "CHN"
materials = ["gallium"]
destinations = "all"
announced = "2024-04-31"
effective = "2024-05-10"
transit_days = -1
processing_days = {median = 0, spread = 2}
approval_path = [0.5]

[[events.destination_classes]]
name = "a"
countries = "USA"
approval_probability = 2

[[events.destination_classes]]
name = "a"
countries = ["JPN"]
processing_days = {low = 30, high = 10}
banned = "yes"
"""
    )
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, file="q.toml")
    assert [str(i) for i in err.value.issues] == [
        "q.toml, field 'events[0].announced': '2024-04-31' is not a month or a day. Fix: give a month offset "
        'from start (0, 1, ...), "YYYY-MM" (its 1st) or a day "YYYY-MM-DD".',
        "q.toml, field 'events[0].transit_days': -1 is not a number >= 0. Fix: give days >= 0.",
        "q.toml, field 'events[0].processing_days': keys ['median', 'spread'] are not understood. Fix: write "
        "{median = 45, dispersion = 0.25} (lognormal) or {low = 30, high = 60} (uniform), in days.",
        "q.toml, field 'events[0].processing_days': both processing_days and approval_path are given. Fix: give "
        "processing_days (a licensing queue) or approval_path (a fixed path), not both.",
        "q.toml, field 'events[0].destination_classes[0].countries': 'USA' is not a list. Fix: use a list, "
        'e.g. ["JPN"], or {all_but = ["JPN"]}.',
        "q.toml, field 'events[0].destination_classes[0].approval_probability': 2 is outside [0, 1]. Fix: give "
        "a share between 0 and 1.",
        "q.toml, field 'events[0].destination_classes[1].name': 'a' names two classes. Fix: give each class "
        "its own name.",
        "q.toml, field 'events[0].destination_classes[1].processing_days.high': 10 is not above low 30. Fix: "
        "make high > low, or use {median = ..., dispersion = 0} for a fixed time.",
        "q.toml, field 'events[0].destination_classes[1].banned': 'yes' is not true or false. Fix: write true "
        "or false.",
    ]


def test_day_level_scenario_round_trips_through_toml():
    s = queue(
        "transit_days = 7\nprocessing_days = {low = 10, high = 20}\n\n[[events.destination_classes]]\n"
        'name = "mil"\ncountries = {all_but = ["JPN"]}\nbanned = true\n',
        announced="2024-04-03",
    )
    assert parse_scenario(s.to_toml()) == s


HALT = """
[[events]]
kind = "export_control"
controller = "CHN"
materials = ["gallium", "rare_earths"]
destinations = "all"
announced = "2024-04"
effective = "2024-04"
transit_days = 0
licensing_delay_months = 0
approval_path = [0.0]
"""


def test_leakage_is_per_material_unless_the_scenario_sets_it():
    # Ga exports were zero in the first month of licensing (material value 0); rare earths have
    # no material value and leak at the parameter's value; a scenario's own leakage applies to all.
    net = build_network(synthetic_dataset(countries=4, materials=["gallium", "rare_earths"]))
    ga, ree = edge(net, "CHN", "JPN"), edge(net, "CHN", "JPN", ("rare_earths", "mining"))
    plain = parse_scenario(top(1) + HALT)
    mult = drivers(net, plain, 0).edge_mult[0]
    assert mult[ga] == 0.0
    assert mult[ree] == pytest.approx(net.parameters["leakage"], rel=1e-12) and mult[ree] > 0
    fixed = parse_scenario(top(1) + HALT + "\n[parameters]\nleakage = 0.2\n")
    np.testing.assert_allclose(drivers(net, fixed, 0).edge_mult[0, [ga, ree]], [0.2, 0.2], rtol=1e-12)


def test_a_dataset_row_for_a_material_wins_over_the_table():
    coords = {"parameter": ["first_month_drop"], "material": ["all", "gallium", "graphite_natural"]}
    ds = xr.Dataset(
        {
            "parameters": xr.DataArray([[0.9, 0.8, np.nan]], coords=coords, dims=list(coords)),
            "parameters_unit": xr.DataArray([["1", "1", "1"]], coords=coords, dims=list(coords)),
        }
    )
    values, origin = resolve_material_values(ds)
    assert values["leakage"]["gallium"] == pytest.approx(0.2)
    assert origin["leakage@gallium"] == "dataset parameter 'first_month_drop', material 'gallium'"
    assert values["leakage"]["graphite_natural"] == 0.088
    assert values["leakage"]["germanium"] == 0.0


def test_cumulative_sums_equal_the_sum_over_application_days():
    # The closed form against the definition, day by day, for a lognormal with a lift date.
    starts = np.array([0, 31, 59, 90, 120, 151])
    effective, lifted, transit = 10, 100, np.array([0, 6])
    median, spread = np.array([30.0, 45.0]), np.array([0.3, 0.5])
    p = np.array([1.0, 0.7])
    cdf = processing_cdf(np.arange(starts[-1] - effective + 1), median, spread)
    fast = approved_share(cdf, effective, lifted, transit, p, starts)

    def f(b, z):
        return 0.0 if z <= 0 else float(processing_cdf(np.array([z]), median[b : b + 1], spread[b : b + 1])[0, 0])

    for b in range(2):
        for t in range(5):
            end = lifted + transit[b]
            hi, lo = min(starts[t + 1], end), min(starts[t], end)
            count = sum(f(b, hi - transit[b] - a) - f(b, lo - transit[b] - a) for a in range(effective, lifted))
            assert fast[b, t] == pytest.approx(p[b] * count / (starts[t + 1] - starts[t]), rel=1e-12, abs=1e-15)
