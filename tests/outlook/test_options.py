"""Generic options in the plan (recycling, substitution, new plants), hand-solved on the two-country world.

The USA buys 50 t of gallium a year, all from China (conftest). An option decided in 2026 with
lead time L works from 2026 + L; a plant's output per t/yr of size is 0.8 (refining utilisation)
x the ramp 0.3, 0.6, 0.85, 1; avoided demand is the ramp alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critmin.errors import DataError
from critmin.outlook.options import read_options
from critmin.outlook.plan import PlanTarget, plan
from critmin.outlook.projects import project_table
from critmin.outlook.run import run_outlook

from .conftest import projects

TARGET_2029 = [PlanTarget("USA", "gallium", "refining", 2029)]
NONE = projects([])


def options(*rows: tuple[str, str, float, int, float, float]) -> pd.DataFrame:
    """Options for the USA at gallium refining: (id, kind, unit cost, lead years, p_success, cap share)."""
    return pd.DataFrame(
        {
            "option_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "name": [r[0] for r in rows],
            "material": "gallium",
            "stage": "refining",
            "allies": "USA",
            "unit_cost_usd": [r[2] for r in rows],
            "lead_years": [r[3] for r in rows],
            "p_success": [r[4] for r in rows],
            "cap_share": [r[5] for r in rows],
            "source_id": "test",
            "note": "",
        }
    )


def test_only_recycling_meets_the_target_at_the_hand_cost(tiny, flat):
    # no project: 17.5 t must leave China's 50 by 2029; recycling from 2027 gives 0.8 x 0.85 y in 2029
    # (then more), so y = 17.5 / 0.68 = 25.735 t/yr at USD 1000 per t/yr
    recycling = options(("rec", "recycling", 1000.0, 1, 1.0, 1.0))
    without = plan(tiny, flat, TARGET_2029, draws=4, to=2031, projects=NONE, options=recycling.iloc[:0])
    assert without.targets.iloc[0]["status"] == "no plan can meet"
    found = plan(tiny, flat, TARGET_2029, draws=4, to=2031, projects=NONE, options=recycling)
    assert found.targets.iloc[0]["status"] == "met by plan"
    bought = found.bought
    assert list(bought["option_id"]) == ["rec"] and list(bought["first_year"]) == [2027]
    assert bought["size_t"].iloc[0] == pytest.approx(17.5 / 0.68, rel=1e-6)
    assert found.cost == pytest.approx(1000 * 17.5 / 0.68, rel=1e-6)
    assert found.chosen.empty
    # the outlook rerun with what the plan bought lands exactly on the target in 2029, below after
    kw = {"to": 2031, "draws": 3, "projects": NONE, "targets": [("gallium", "refining")], "per_draw": True}
    share = run_outlook(tiny, flat, **kw, options=found.options)["direct_china"].sel(importer="USA")
    np.testing.assert_allclose(share.sel(year=2029).values.ravel(), 0.65, rtol=1e-6)
    assert bool((share.sel(year=[2030, 2031]) < 0.65).all())


def test_substitution_lowers_demand_and_so_the_share(tiny, flat):
    # P1 (20 t from 2026, sure) moves 16 t in 2029: China 34 of 50 = 68%. Avoiding d t/yr of demand
    # takes it off China: (34 - d) / (50 - d); 10 t/yr from 2027 avoids 8.5 t in 2029: 25.5 / 41.5
    p1 = projects([("P1", 20, 2026, 1.0, 1.0, np.nan)])
    candidate = options(("sub", "substitution", 1.0, 1, 1.0, 1.0)).assign(
        ally="USA", first_year=2027, cap_t=50.0, size_t=10.0
    )
    kw = {"to": 2031, "draws": 2, "seed": 0, "projects": p1, "targets": [("gallium", "refining")], "per_draw": True}
    before = run_outlook(tiny, flat, **kw)["direct_china"].sel(importer="USA", year=2029)
    after = run_outlook(tiny, flat, **kw, options=candidate)["direct_china"].sel(importer="USA", year=2029)
    np.testing.assert_allclose(before.values.ravel(), 34 / 50)
    np.testing.assert_allclose(after.values.ravel(), 25.5 / 41.5)
    # cheapest: (34 - d) <= 0.65 (50 - d) needs d >= 1.5 / 0.35 in 2029, so y = (1.5 / 0.35) / 0.85
    found = plan(tiny, flat, TARGET_2029, draws=4, to=2031, projects=p1, options=candidate.iloc[:, :12])
    assert found.bought["size_t"].iloc[0] == pytest.approx(1.5 / 0.35 / 0.85, rel=1e-6)
    assert found.targets.iloc[0]["status"] == "met by plan"


def test_zero_budget_buys_nothing(tiny, flat):
    recycling = options(("rec", "recycling", 1000.0, 1, 1.0, 1.0))
    found = plan(tiny, flat, TARGET_2029, draws=4, to=2031, projects=NONE, options=recycling, budget=0.0)
    assert found.bought.empty and found.cost == 0.0
    assert found.targets.iloc[0]["status"] == "not met within budget"
    funded = plan(tiny, flat, TARGET_2029, draws=4, to=2031, projects=NONE, options=recycling, budget=1e6)
    assert list(funded.bought["option_id"]) == ["rec"] and funded.cost <= 1e6


def test_an_option_whose_lead_time_ends_too_late_gives_the_earliest_year(tiny, flat):
    # lead 4: from 2030, at most 0.8 x 0.3 x 50 = 12 t < 17.5 that year, 24 t in 2031
    late = options(("rec", "recycling", 1000.0, 4, 1.0, 1.0))
    target = [PlanTarget("USA", "gallium", "refining", 2030)]
    row = plan(tiny, flat, target, draws=4, to=2033, projects=NONE, options=late).targets.iloc[0]
    assert (row["status"], row["earliest_year"]) == ("no plan can meet", 2031)
    assert row["reason"] == (
        "with every candidate backed and every option at its cap (decided in 2026) it holds in 0% of draws by 2030 "
        "(needs 50%): from 2031 at the earliest; the lead times, capacities and success probabilities of the projects and options serving "
        "it fall short"
    )
    # lead 3: from 2029, 24 t in 2030: a 2030 target decided in 2026 is still met
    sooner = options(("rec", "recycling", 1000.0, 3, 1.0, 1.0))
    assert plan(tiny, flat, target, draws=4, to=2033, projects=NONE, options=sooner).targets.iloc[0]["status"] == (
        "met by plan"
    )


def test_option_draws_are_bit_identical_however_split(tiny, flat):
    candidate = options(("rec", "recycling", 1.0, 1, 0.5, 1.0), ("sub", "substitution", 1.0, 2, 0.5, 1.0)).assign(
        ally="USA", first_year=[2027, 2028], cap_t=50.0, size_t=[10.0, 5.0]
    )
    p1 = projects([("P1", 20, 2026, 0.5, 1.0, np.nan)])
    kw = {"to": 2031, "seed": 3, "projects": p1, "targets": [("gallium", "refining")], "per_draw": True}
    whole = run_outlook(tiny, flat, draws=8, **kw, options=candidate)["direct_china"]
    parts = [
        run_outlook(tiny, flat, draws=8, draw_ids=ids, **kw, options=candidate) for ids in ([5, 6, 7], [0, 1, 2, 3, 4])
    ]
    joined = np.concatenate([p["direct_china"].values for p in parts[::-1]])
    assert np.array_equal(whole.values, joined, equal_nan=True)
    assert len(np.unique(whole.sel(year=2031, importer="USA").values)) > 1  # success differs by draw
    first = plan(tiny, flat, TARGET_2029, draws=16, seed=3, to=2031, projects=p1, options=candidate.iloc[:, :12])
    again = plan(tiny, flat, TARGET_2029, draws=16, seed=3, to=2031, projects=p1, options=candidate.iloc[:, :12])
    pd.testing.assert_frame_equal(first.options, again.options)


def test_bad_option_rows_are_all_reported_at_once(tmp_path):
    header = ",".join(read_options().columns)
    path = tmp_path / "mine.csv"
    path.write_text(
        f"{header}\n"
        "a,recyling,A,gallium,refining,ALLIES,100,2.5,0.5,0.1,asm-research-programmes,\n"
        "a,recycling,B,gallium,mining,USA;XXX,100,2,1.5,0.1,nosuch,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        read_options(path)
    assert str(caught.value).splitlines() == [
        "7 problem(s) in input; nothing was loaded:",
        "  mine.csv, row 2, field 'kind': 'recyling' is not a kind. Fix: use one of recycling, substitution, new_build.",
        "  mine.csv, row 2, field 'lead_years': '2.5' is not valid. "
        "Fix: give whole years from the decision to the first year of effect, 0 to 30.",
        "  mine.csv, row 3, field 'option_id': 'a' appears twice. Fix: give each option a unique id.",
        "  mine.csv, row 3, field 'stage': 'mining' is not a stage of gallium. Fix: use one of refining, metal.",
        "  mine.csv, row 3, field 'allies': 'USA;XXX' names no ally or an unknown one. "
        "Fix: use ALLIES or ;-separated USA/JPN/AUS/IND/CAN/EU27/KOR.",
        "  mine.csv, row 3, field 'p_success': '1.5' is not valid. Fix: give a probability above 0 and at most 1.",
        "  mine.csv, row 3, field 'source_id': nosuch not in sources.csv. Fix: cite ;-separated ids listed in sources.csv.",
    ]


def test_shipped_new_plant_costs_are_the_median_of_listed_projects():
    # packaged data: each new_build's USD per t/yr is the median capex / capacity of the listed
    # projects at its step (Tb has none and borrows Dy's figure, as its note says)
    table = project_table().dropna(subset=["capex_usd"])
    unit = (table["capex_usd"] / table["capacity_t"]).groupby([table["material"], table["stage"]]).median()
    shipped = read_options()
    plants = shipped.loc[shipped["kind"] == "new_build"]
    for row in plants.itertuples():
        step = ("dysprosium", "separation") if row.material == "terbium" else (row.material, row.stage)
        assert row.unit_cost_usd == pytest.approx(unit[step], abs=0.01), row.option_id
    assert set(plants["material"] + "/" + plants["stage"]) >= {
        "ndfeb/magnet", "ndpr/separation", "dysprosium/separation", "gallium/refining", "graphite_anode/refining",
    }  # fmt: skip


def test_a_target_no_decision_serves_says_so(tiny, flat):
    # Japan buys like the world market (China's 100%); no project and no option at the step
    target = [PlanTarget("JPN", "gallium", "refining", 2029)]
    row = plan(tiny, flat, target, draws=2, to=2031, projects=NONE, options=options().iloc[:0]).targets.iloc[0]
    assert (row["status"], row["p_with"]) == ("no plan can meet", 0.0)
    assert row["reason"] == (
        "no listed project or option serves it: options are capped on the ally's base-year supply "
        "(or, buying like the world market, on the allies' demand), and the dataset has none here"
    )
