"""The plan's resilience value: library shocks run with and without its capacity, on a small network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from critmin.outlook.plan import PlanResult
from critmin.outlook.resilience import COLUMNS, plan_projects, resilience_value
from critmin.scenarios.spec import Project
from critmin.shock.synthetic import synthetic_dataset

BAN = """name = "ga-ban"
horizon_months = 12
start = "2025-01"
seed = 5
draws = 4

[[events]]
kind = "export_control"
controller = "CHN"
materials = ["gallium"]
destinations = ["USA"]
announced = 1
effective = 1
licensing_delay_months = 0
approval_path = [0.0]

[uncertain]
"events[0].leakage" = {dist = "uniform", low = 0.0, high = 0.3}
"""
OPTION = ["option_id", "kind", "name", "ally", "material", "stage", "size_t", "first_year", "cost_usd", "p_success"]


@pytest.fixture(scope="module")
def data() -> xr.Dataset:
    return synthetic_dataset(countries=6, materials=["gallium", "germanium"])


@pytest.fixture
def ban(tmp_path) -> str:
    path = tmp_path / "ga_ban.toml"
    path.write_text(BAN, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def value(data) -> xr.DataArray:
    """USD 1 m lost per tonne short of any material in any sector."""
    return xr.DataArray(
        np.full((2, data.sizes["sector"]), 1e6),
        coords={"material": ["gallium", "germanium"], "sector": data["sector"].values},
        dims=("material", "sector"),
    )


def bought(*rows: tuple[str, str, str, str, float]) -> PlanResult:
    """A plan buying (option_id, kind, ally, material/stage, size_t) from 2027, p_success 0.5."""
    options = pd.DataFrame(
        [(oid, kind, oid, ally, *step.split("/"), size, 2027, size * 1e5, 0.5) for oid, kind, ally, step, size in rows],
        columns=OPTION,
    )
    return PlanResult(pd.DataFrame(columns=["project_id"]), 0.0, pd.DataFrame(), 0.0, 0.0, options)


NOTHING = bought()
PIPELINE = pd.DataFrame(columns=["project_id"])


def saved(table: pd.DataFrame, measure: str, material: str = "all") -> float:
    return float(table.loc[(table.measure == measure) & (table.material == material), "avoided"].item())


def test_a_plan_with_no_purchases_saves_exactly_nothing(data, ban, value):
    table, events = resilience_value(data, NOTHING, PIPELINE, [ban], draws=4, year=2030, value=value)
    assert events.events == ()
    assert list(table.columns) == COLUMNS
    assert set(table.measure) == {"loss_usd_allies", "loss_usd_total", "shortfall_t_allies"}
    assert (table.avoided == 0.0).all() and (table.avoided_p05 == 0.0).all() and (table.avoided_p95 == 0.0).all()
    assert float(table.loc[table.measure == "loss_usd_allies", "without_plan"].item()) > 0  # the ban does bite


def test_a_plant_in_the_ally_lowers_its_shortfall_and_a_bigger_one_never_saves_less(data, ban, value):
    savings = []
    for size in (5.0, 20.0, 80.0, 320.0):
        plant = bought(("nb", "new_build", "USA", "gallium/metal", size))
        table, _ = resilience_value(data, plant, PIPELINE, [ban], draws=4, year=2030, value=value)
        savings.append((saved(table, "shortfall_t_allies", "gallium"), saved(table, "loss_usd_allies")))
    tonnes, usd = zip(*savings, strict=True)
    assert tonnes[0] > 0 and usd[0] > 0 and tonnes[-1] > tonnes[0]
    assert all(b >= a - 1e-9 for a, b in zip(tonnes, tonnes[1:], strict=False))
    assert all(b >= a - 1e-6 for a, b in zip(usd, usd[1:], strict=False))


def test_the_plant_enters_at_its_plan_year_output(data):
    # 100 t/yr bought from 2027; 2030 is its fourth year: ramp 1.0 x metal utilisation 0.7
    found = plan_projects(bought(("nb", "new_build", "USA", "gallium/metal", 100.0)), PIPELINE, data, 2030)
    assert found.events == (Project("USA", "gallium", "metal", 70.0, online=0, serves=("USA",), p_complete=0.5),)
    early = plan_projects(bought(("nb", "new_build", "USA", "gallium/metal", 100.0)), PIPELINE, data, 2026)
    assert early.events == ()
    assert early.rows.note.tolist() == ["no expected output in 2026 (first year or completion probability)"]


def test_the_same_seed_gives_bit_identical_events_and_table(data, ban, value):
    plant = bought(("nb", "new_build", "USA", "gallium/metal", 40.0))
    a, events_a = resilience_value(data, plant, PIPELINE, [ban], draws=3, seed=11, year=2030, value=value)
    b, events_b = resilience_value(data, plant, PIPELINE, [ban], draws=3, seed=11, year=2030, value=value)
    assert events_a.events == events_b.events
    pd.testing.assert_frame_equal(events_a.rows, events_b.rows)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_an_option_the_network_cannot_carry_is_listed_with_its_reason(data):
    plan = bought(
        ("rec", "recycling", "USA", "ndfeb/magnet", 10.0),
        ("sub", "substitution", "USA", "gallium/refining", 5.0),
        ("nb", "new_build", "USA", "gallium/metal", 10.0),
    )
    found = plan_projects(plan, PIPELINE, data, 2030)
    rows = found.rows.set_index("item")
    assert rows.loc["rec", "event"] == ""
    assert rows.loc["rec", "note"] == "ndfeb/magnet is not in the dataset's network"
    assert rows.loc["sub", "event"] == "demand_surge" and rows.loc["nb", "event"] == "project"
    assert [e.kind for e in found.events] == ["demand_surge", "project"]
    surge = found.events[0]
    demand = float(data["demand"].sel(material="gallium", region="USA", year=2024).sum())
    assert surge.size == pytest.approx(-5.0 * 0.5 / demand, rel=1e-12)  # 5 t/yr avoided, p 0.5, no utilisation


def test_the_table_round_trips_through_csv(data, ban, value, tmp_path):
    plant = bought(("nb", "new_build", "USA", "gallium/metal", 40.0))
    table, _ = resilience_value(data, plant, PIPELINE, [ban], draws=3, year=2030, value=value)
    table.to_csv(tmp_path / "resilience.csv", index=False)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "resilience.csv"), table, check_exact=True)


def test_a_backed_project_counts_for_what_backing_adds(data):
    from .conftest import projects

    table = projects([("P1", 100.0, 2027, 0.5, 0.8, 2e7), ("P2", 50.0, 2029, 0.5, 0.9, 1e7)])
    chosen = table.loc[table.project_id == "P1", ["project_id", "name", "country", "material", "stage", "capex_usd"]]
    found = plan_projects(PlanResult(chosen, 2e7, pd.DataFrame(), 0.0, 0.0), table, data, 2029)
    (event,) = found.events
    # AUS refining serving the USA: 100 t x ramp 0.85 (third year) x refining utilisation 0.8
    assert (event.country, event.material, event.stage, event.serves) == ("AUS", "gallium", "refining", ("USA",))
    assert event.tonnes_per_year == pytest.approx(100.0 * 0.85 * 0.8, rel=1e-12)
    assert event.p_complete == pytest.approx(0.8 - 0.5, rel=1e-12) and event.online == 0
    assert found.rows[["item", "kind", "event"]].values.tolist() == [["P1", "backed project", "project"]]
