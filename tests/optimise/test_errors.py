"""Bad input gets one clear error naming every problem; an impossible cap names what to relax."""

from __future__ import annotations

from typing import Any

import pytest
import xarray as xr

from critmin.errors import DataError, InfeasibleError
from critmin.optimise import Options, frontier, optimise
from critmin.optimise.testing import tiny_inputs


def problems(caught: pytest.ExceptionInfo[DataError]) -> list[str]:
    return [str(issue) for issue in caught.value.issues]


def test_negative_budget() -> None:
    with pytest.raises(DataError) as caught:
        optimise(**tiny_inputs(), budget=-1.0)
    assert problems(caught) == ["budget, field 'budget': -1 USD is negative. Fix: give a budget of zero or more USD."]


def test_negative_budget_in_a_frontier() -> None:
    with pytest.raises(DataError) as caught:
        frontier(**tiny_inputs(), budgets=[0.0, -2e6])
    assert problems(caught) == [
        "budget, field 'budget': -2e+06 USD is negative. Fix: give a budget of zero or more USD."
    ]


def test_project_without_capacity(floor_case: dict[str, Any]) -> None:
    projects = floor_case["options"].projects.assign(capacity_t_per_year=0.0)
    options = Options(projects=projects, instruments=floor_case["options"].instruments)
    with pytest.raises(DataError) as caught:
        optimise(**{**floor_case, "options": options}, budget=1e6)
    assert problems(caught) == [
        "projects, row 2, field 'capacity_t_per_year': 0 is not positive. Fix: give a positive number."
    ]


def test_unknown_holder_country() -> None:
    inputs = tiny_inputs()
    stock = inputs["options"].stockpiles.assign(holder_country="JPX")
    with pytest.raises(DataError) as caught:
        optimise(**{**inputs, "options": Options(stockpiles=stock)}, budget=1e6)
    (issue,) = caught.value.issues
    assert (issue.file, issue.row, issue.field) == ("stockpile options", 2, "holder_country")
    assert issue.problem == ("'JPX' is not a known holder country (ISO alpha-3, EU27, or ALLIANCE for a joint reserve)")
    assert issue.fix.startswith("use one of ABW, AFG, AGO")


def test_every_problem_reported_at_once(floor_case: dict[str, Any]) -> None:
    stock = tiny_inputs()["options"].stockpiles.assign(serves="KOR", material="ndprx")
    projects = floor_case["options"].projects.assign(capacity_t_per_year=-5.0)
    instruments = floor_case["options"].instruments.assign(project_id=["MP10X", "NOPE"])
    options = Options(stockpiles=stock.drop(columns="start_t"), projects=projects, instruments=instruments)
    with pytest.raises(DataError) as caught:
        optimise(**{**floor_case, "options": options}, budget=-3.0)
    assert [(i.file, i.row, i.field) for i in caught.value.issues] == [
        ("stockpile options", 0, "start_t"),
        ("projects", 2, "capacity_t_per_year"),
        ("instruments", 3, "project_id"),
        ("budget", 0, "budget"),
    ]
    assert str(caught.value).startswith("4 problem(s) in input; nothing was loaded:")


def test_serves_unknown_region_and_bad_material() -> None:
    inputs = tiny_inputs()
    stock = inputs["options"].stockpiles.assign(serves="KOR", material="ndprx")
    with pytest.raises(DataError) as caught:
        optimise(**{**inputs, "options": Options(stockpiles=stock)}, budget=1e6)
    assert [i.field for i in caught.value.issues] == ["material", "serves"]
    assert caught.value.issues[1].problem == "KOR not a region of the model"


def test_missing_instrument_parameter(floor_case: dict[str, Any]) -> None:
    instruments = floor_case["options"].instruments.drop(columns="upside_share")
    options = Options(projects=floor_case["options"].projects, instruments=instruments)
    with pytest.raises(DataError) as caught:
        optimise(**{**floor_case, "options": options}, budget=1e6)
    assert problems(caught) == [
        "instruments, field 'upside_share': column is missing (price_floor needs it). "
        "Fix: add a column named 'upside_share'."
    ]


def test_weights_must_sum_to_one() -> None:
    inputs = tiny_inputs()
    inputs["scenario_weight"] = xr.full_like(inputs["scenario_weight"], 0.6)
    with pytest.raises(DataError) as caught:
        optimise(**inputs, budget=1e6)
    assert problems(caught) == ["scenario_weight, field 'values': weights sum to 1.2. Fix: give weights summing to 1."]


def test_impossible_cvar_cap_names_what_to_relax() -> None:
    # The best CVaR (alpha 0.5) is the embargo loss with 10 t bought: 10 m; a 1 m cap cannot hold.
    with pytest.raises(InfeasibleError) as caught:
        optimise(**tiny_inputs(), budget=1.5e6, cvar_alpha=0.5, cvar_cap=1e6)
    assert str(caught.value) == (
        "portfolio model is infeasible: no portfolio meets every constraint. "
        "Relax the CVaR cap (cvar_cap) <= 1,000,000 USD; or the budget <= 1,500,000 USD."
    )


def test_feasible_cvar_cap_is_met() -> None:
    result = optimise(**tiny_inputs(), budget=1.5e6, cvar_alpha=0.5, cvar_cap=1.2e7, marginal="none")
    assert float(result.cvar_usd) <= 1.2e7 + 1e-3
