"""The year of data a scenario runs on: a field of the scenario, never the episode's own year by default."""

from __future__ import annotations

import pytest

from critmin.data import load
from critmin.errors import ScenarioError
from critmin.scenarios import parse_scenario
from critmin.shock.io import baseline_year, run

TOP = "name = 'x'\nhorizon_months = 3\nseed = 1\ndraws = 2\n"


@pytest.fixture(scope="module")
def ds():
    return load()


def test_default_is_the_base_year_or_the_year_before_the_start(ds):
    assert baseline_year(ds, parse_scenario(TOP + "start = '2026-01'\n")) == 2024
    assert baseline_year(ds, parse_scenario(TOP + "start = '2023-08'\n")) == 2022
    assert baseline_year(ds, parse_scenario(TOP + "start = '2023-08'\nbaseline_year = 2021\n")) == 2021
    assert baseline_year(ds, parse_scenario(TOP + "start = '2023-08'\n"), year=2024) == 2024


def test_the_field_round_trips_and_reaches_the_result(ds):
    scenario = parse_scenario(TOP + "start = '2023-08'\nbaseline_year = 2021\n")
    assert parse_scenario(scenario.to_toml()) == scenario
    assert run(ds, scenario, draws=1).attrs["base_year"] == 2021


def test_a_baseline_year_that_is_not_a_year_is_refused():
    with pytest.raises(ScenarioError) as error:
        parse_scenario(TOP + "start = '2023-08'\nbaseline_year = 'last year'\n")
    assert "baseline_year" in str(error.value) and "e.g. baseline_year = 2022" in str(error.value)
