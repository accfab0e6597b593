"""The hand-solved two-country, two-project outlook and plan (see conftest for the world).

Refining utilisation 0.8 and ramp 0.3, 0.6, 0.85, 1. P1 (20 t, from 2026) makes 4.8, 9.6, 13.6,
then 16 t; P2 (40 t, from 2028) makes 9.6, 19.2, 27.2, then 32 t. Both serve the USA, whose
50 t all come from China, so China's share of US supply is (50 - P1 - P2) / 50, floored at 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from critmin.outlook.plan import PlanTarget, plan
from critmin.outlook.run import run_outlook
from critmin.outlook.tables import answer_table, milestones

from .conftest import projects

P1 = np.array([0, 0, 4.8, 9.6, 13.6, 16, 16, 16])  # 2024..2031
P2 = np.array([0, 0, 0, 0, 9.6, 19.2, 27.2, 32])
STEP = [("gallium", "refining")]


def _run(tiny, flat, table, **kw):
    return run_outlook(tiny, flat, to=2031, draws=3, seed=0, projects=table, targets=STEP, **kw)


def test_expected_capacity_shares_and_year_met(tiny, flat):
    table = projects([("P1", 20, 2026, 1.0, 1.0, 100.0), ("P2", 40, 2028, 1.0, 1.0, 300.0)])
    result = _run(tiny, flat, table).sel(quantile=0.5)
    step = result.sel(step="gallium/refining")
    np.testing.assert_allclose(step["supply"].values, 100 + P1 + P2)
    np.testing.assert_allclose(step["china_share"].values, 100 / (100 + P1 + P2))
    np.testing.assert_allclose(step["top1_share"].values, 100 / (100 + P1 + P2))
    aus = (P1 + P2) / (100 + P1 + P2)
    np.testing.assert_allclose(step["hhi"].values, (1 - aus) ** 2 + aus**2)
    np.testing.assert_allclose(step["country_share"].sel(country="AUS").values, aus)  # the app's map
    usa = result.sel(importer="USA", target="gallium/refining")
    expected = np.clip(50 - P1 - P2, 0, None) / 50
    np.testing.assert_allclose(usa["direct_china"].values, expected)
    np.testing.assert_allclose(usa["ultimate_china"].values, expected)  # one step: ultimate = direct
    marks = milestones(_run(tiny, flat, table), check_year=2030)
    row = marks.loc[(marks.importer == "USA") & (marks.measure == "direct_china")].iloc[0]
    assert row["year_met"] == 2028  # 50 - 13.6 - 9.6 = 26.8 t: 53.6% <= 65%; 2027: 80.8%


def test_shares_of_world_production_sum_to_one(tiny, flat):
    table = projects([("P1", 20, 2026, 0.5, 1.0, 100.0), ("P2", 40, 2028, 0.5, 1.0, 300.0)])
    per = _run(tiny, flat, table, per_draw=True).sel(step="gallium/refining")
    aus = 1 - per["china_share"]
    np.testing.assert_allclose((per["china_share"] + aus).values, 1.0)
    assert bool((per["top3_share"] <= 1 + 1e-12).all()) and bool((per["top1_share"] <= per["top3_share"]).all())


def test_cheapest_plan_matches_the_hand_solution(tiny, flat):
    # unbacked, nothing completes; backed, everything does. By 2029 the USA needs 17.5 t moved:
    # P1 alone 16 (no), P3 alone 8 (no), P2 19.2 (yes, 300), P1 + P3 24 (yes, 250): cheapest P1 + P3
    table = projects(
        [("P1", 20, 2026, 0.0, 1.0, 100.0), ("P2", 40, 2028, 0.0, 1.0, 300.0), ("P3", 10, 2026, 0.0, 1.0, 150.0)]
    )
    result = plan(tiny, flat, [PlanTarget("USA", "gallium", "refining", 2029)], draws=4, to=2031, projects=table)
    assert sorted(result.chosen["project_id"]) == ["P1", "P3"]
    assert result.cost == 250.0
    row = result.targets.iloc[0]
    assert (row["status"], row["p_without"], row["p_with"]) == ("met by plan", 0.0, 1.0)


def test_a_target_no_plan_can_meet_is_reported_with_its_lead_time(tiny, flat):
    table = projects(
        [("P1", 20, 2026, 0.0, 1.0, 100.0), ("P2", 40, 2028, 0.0, 1.0, 300.0), ("P3", 10, 2026, 0.0, 1.0, 150.0)]
    )
    # 2027: at most 9.6 + 4.8 = 14.4 t moved < 17.5; from 2028 all three move 30 t
    result = plan(tiny, flat, [PlanTarget("USA", "gallium", "refining", 2027)], draws=4, to=2031, projects=table)
    row = result.targets.iloc[0]
    assert row["status"] == "no plan can meet"
    assert row["earliest_year"] == 2028
    assert row["reason"] == (
        "with every candidate backed and every option at its cap (decided in 2026) it holds in 0% of draws by 2027 "
        "(needs 50%): from 2028 at the earliest; the lead times, capacities and success probabilities of the projects and options serving "
        "it fall short"
    )
    assert result.chosen.empty and result.cost == 0.0


def test_zero_budget_backs_no_project(tiny, flat):
    table = projects([("P1", 20, 2026, 0.0, 1.0, 100.0), ("P2", 40, 2028, 0.0, 1.0, 300.0)])
    target = [PlanTarget("USA", "gallium", "refining", 2029)]
    result = plan(tiny, flat, target, draws=4, to=2031, projects=table, budget=0.0)
    assert result.chosen.empty and result.cost == 0.0
    assert result.targets.iloc[0]["status"] == "not met within budget"
    funded = plan(tiny, flat, target, draws=4, to=2031, projects=table, budget=300.0)
    assert list(funded.chosen["project_id"]) == ["P2"]


@pytest.mark.parametrize("p", [0.3, 0.7])
def test_chance_constraint_counts_draws(tiny, flat, p):
    # P2 completes unbacked with probability p: with alpha 0.5 the plan backs it only if p < 0.5
    table = projects([("P2", 40, 2028, p, 1.0, 300.0)])
    result = plan(tiny, flat, [PlanTarget("USA", "gallium", "refining", 2029)], draws=200, to=2031, projects=table)
    assert (result.cost == 300.0) == (p < 0.5)


def test_answer_table_gives_the_year_without_and_with_the_plan(tiny, flat):
    # Unbacked nothing completes: US dependence stays at 100%. The plan for 2029 backs P1 + P3, which
    # move 4.8 + 2.4, 9.6 + 4.8, 13.6 + 6.8 t in 2026-2028: 20.4 t in 2028 leaves 29.6 / 50 = 59.2%.
    table = projects(
        [("P1", 20, 2026, 0.0, 1.0, 100.0), ("P2", 40, 2028, 0.0, 1.0, 300.0), ("P3", 10, 2026, 0.0, 1.0, 150.0)]
    )
    found = plan(tiny, flat, [PlanTarget("USA", "gallium", "refining", 2029)], draws=4, to=2031, projects=table)
    backed = table.assign(p_complete=table["p_backed"].where(table["project_id"].isin(found.chosen["project_id"]), 0.0))
    marks = milestones(_run(tiny, flat, table))
    planned = milestones(_run(tiny, flat, backed))
    answer = answer_table(marks, planned, found.targets, 2031, found.buys(table))
    assert list(answer["ally"]) == ["USA", "JPN", "EU27", "KOR", "IND", "AUS", "CAN"]
    usa = answer.loc[answer["ally"] == "USA"].iloc[0]
    assert usa[["product", "direct_pipeline", "direct_plan", "ultimate_pipeline", "ultimate_plan"]].tolist() == [
        "gallium, primary",
        "not by 2031",
        "2028",
        "not by 2031",
        "2028",
    ]
    assert (usa["plan_status"], usa["plan_cost_usd"]) == ("met by plan", 250.0)
    assert usa["plan_buys"] == "project P1; project P3"
    japan = answer.loc[answer["ally"] == "JPN"].iloc[0]  # buys like the world market: China 100% until P1 + P3
    assert (japan["direct_pipeline"], japan["plan_status"]) == ("not by 2031", "")
