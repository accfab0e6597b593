"""Scenario files: exact validation messages and TOML round-trips."""

import pytest

from critmin.errors import ScenarioError
from critmin.scenarios import LIBRARY, load_scenario, parse_scenario

TOP = 'name = "x"\nhorizon_months = 6\nstart = "2024-01"\nseed = 1\ndraws = 2\n'
CONTROL = """[[events]]
kind = "export_control"
controller = "CHN"
materials = ["gallium"]
destinations = "all"
announced = 1
effective = 2
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, file="s.toml")
    return [str(i) for i in caught.value.issues]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            TOP + '[[events]]\nkind = "embargo"\n',
            "s.toml, field 'events[0].kind': 'embargo' is not a known event kind. "
            "Fix: use one of export_control, outage, demand_surge, project.",
        ),
        (
            TOP + CONTROL.replace('"CHN"', '"CHI"'),
            "s.toml, field 'events[0].controller': 'CHI' is not a known country code. "
            "Fix: use an ISO 3166 alpha-3 code such as CHN, JPN, USA, or EU27, ROW.",
        ),
        (
            TOP + CONTROL.replace('"gallium"', '"galium"'),
            "s.toml, field 'events[0].materials': 'galium' is not a known material. Fix: use one of "
            "rare_earths, ndpr, neodymium, praseodymium, dysprosium, terbium, ndfeb, gallium, "
            "germanium, graphite_natural, graphite_anode, antimony, tungsten, cobalt, lithium, nickel.",
        ),
        (
            TOP + '[[events]]\nkind = "outage"\ncountry = "MMR"\nmaterial = "rare_earths"\n'
            'stage = "mining"\ncapacity_lost = 0.5\nstart = 0\nduration_months = -3\n',
            "s.toml, field 'events[0].duration_months': -3 is negative. Fix: give a number of months >= 0.",
        ),
        (
            TOP + CONTROL + "approval_path = [0.5, 1.2]\n",
            "s.toml, field 'events[0].approval_path[1]': 1.2 is outside [0, 1]. Fix: give a share between 0 and 1.",
        ),
        (
            TOP + CONTROL.replace("announced = 1", "announced = 3"),
            "s.toml, field 'events[0].effective': effective before announced. "
            "Fix: make effective the same day as announced or later.",
        ),
        (
            TOP + '[uncertain]\n"parameters.leakage" = {dist = "beta", a = 1}\n',
            "s.toml, field 'uncertain.parameters.leakage': 'beta' is not a known distribution. "
            'Fix: write {dist = "uniform", low = ..., high = ...}; dist is one of uniform, triangular, '
            "normal, lognormal, bernoulli.",
        ),
        (
            TOP + CONTROL.replace('destinations = "all"\n', ""),
            "s.toml, field 'events[0].destinations': missing. "
            "Fix: add destinations = ... to this export_control event.",
        ),
        (TOP.replace("seed = 1\n", ""), "s.toml, field 'seed': missing. Fix: add seed = ... at the top of the file."),
        (
            TOP + '[uncertain]\n"parameters.leakage" = {dist = "uniform", low = 0.5, high = 0.1}\n',
            "s.toml, field 'uncertain.parameters.leakage': parameters out of order or not positive. "
            "Fix: need low < high, low <= mode <= high, sd > 0, sigma > 0.",
        ),
        (
            TOP + '[uncertain]\n"events[4].leakage" = {dist = "uniform", low = 0, high = 0.1}\n',
            "s.toml, field 'uncertain.events[4].leakage': there is no event 4. Fix: use an index below 0.",
        ),
        (
            TOP.replace('"2024-01"', '"Jan 2024"'),
            "s.toml, field 'start': 'Jan 2024' is not a month. Fix: write the month as \"YYYY-MM\", e.g. \"2023-08\".",
        ),
    ],
)
def test_each_problem_has_an_exact_message(text, message):
    assert problems(text) == [message]


def test_every_problem_is_reported_at_once():
    text = (
        TOP.replace("draws = 2", "draws = 0")
        + CONTROL.replace('"CHN"', '"XXX"').replace('"gallium"', '"gold"')
        + "leakage = 2\n"
    )
    fields = [p.split("'")[1] for p in problems(text)]
    assert fields == ["draws", "events[0].controller", "events[0].materials", "events[0].leakage"]


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*.toml")), ids=lambda p: p.stem)
def test_library_scenarios_round_trip(path):
    scenario = load_scenario(path)
    assert parse_scenario(scenario.to_toml()) == scenario


def test_round_trip_keeps_every_field():
    text = (
        TOP
        + CONTROL
        + """lifted = 5
licensing_delay_months = 1.5
approval_path = [0.1, 0.4]
leakage = 0.05

[[events]]
kind = "demand_surge"
region = "JPN"
sector = "defence"
material = "ndfeb"
size = 1.0
start = "2024-03"
duration_months = 12

[policy]
substitution = false
allocation = ["defence", "semiconductors"]

[policy.stockpile_release]
trigger_days = 30
monthly_rate = 0.25
coordination = "own_first"

[parameters]
frontload_factor = 2.4

[uncertain]
"events[0].leakage" = {dist = "triangular", low = 0.0, mode = 0.05, high = 0.2}
"parameters.price_flexibility" = {dist = "lognormal", mu = 1.0, sigma = 0.2}
"""
    )
    scenario = parse_scenario(text)
    assert parse_scenario(scenario.to_toml()) == scenario
    assert scenario.events[0].destinations.mode == "all"
    assert scenario.policy.allocation == ("defence", "semiconductors")
