"""Report tables on a small synthetic dataset whose numbers are solved by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from critmin.exposure import dependence_table, largest_hidden, stage_control_table

YEAR = 2024


def long_to_array(rows: list[tuple], dims: list[str]) -> xr.DataArray:
    frame = pd.DataFrame(rows, columns=[*dims, "value"])
    return frame.set_index(dims)["value"].to_xarray()


@pytest.fixture
def dataset() -> xr.Dataset:
    """DOMAIN's Japan example in tonnes, padded the way a labelled dataset is (NaN = no row).

    Oxide (ndpr separation): CHN makes 100, MYS 20; Japan imports 6 from CHN and 4 from MYS.
    Metal (ndpr metal): CHN makes 200, JPN 2; Japan imports 8 from CHN -> 80 % Chinese.
    Magnets: CHN makes 100, JPN 10; Japan imports none; the USA buys 5 from each.
    Recorded zero flows mark importers whose sourcing is known (CHN, MYS, JPN).
    """
    production = long_to_array(
        [
            ("ndpr", "separation", "CHN", YEAR, 100.0),
            ("ndpr", "separation", "MYS", YEAR, 20.0),
            ("ndpr", "metal", "CHN", YEAR, 200.0),
            ("ndpr", "metal", "JPN", YEAR, 2.0),
            ("ndfeb", "magnet", "CHN", YEAR, 100.0),
            ("ndfeb", "magnet", "JPN", YEAR, 10.0),
            ("ndfeb", "magnet", "USA", YEAR, np.nan),
        ],
        ["material", "stage", "country", "year"],
    )
    trade = long_to_array(
        [
            ("ndpr", "separation", "CHN", "JPN", YEAR, 6.0),
            ("ndpr", "separation", "MYS", "JPN", YEAR, 4.0),
            ("ndpr", "separation", "MYS", "CHN", YEAR, 0.0),
            ("ndpr", "separation", "CHN", "MYS", YEAR, 0.0),
            ("ndpr", "metal", "CHN", "JPN", YEAR, 8.0),
            ("ndpr", "metal", "JPN", "CHN", YEAR, 0.0),
            ("ndfeb", "magnet", "CHN", "JPN", YEAR, 0.0),
            ("ndfeb", "magnet", "CHN", "USA", YEAR, 5.0),
            ("ndfeb", "magnet", "JPN", "USA", YEAR, 5.0),
        ],
        ["material", "stage", "exporter", "importer", "year"],
    )
    chain = long_to_array(
        [
            ("ndfeb", "magnet", "ndpr", "metal", 0.30),
            ("ndfeb", "magnet", "dysprosium", "metal", 0.01),
            ("ndpr", "metal", "ndpr", "separation", 1.2),
        ],
        ["material", "stage", "input_material", "input_stage"],
    )
    stages = ["mining", "separation", "metal", "alloy", "magnet"]  # upstream first
    return xr.Dataset({"production": production.reindex(stage=stages), "trade": trade, "chain": chain})


def row(table: pd.DataFrame, **where: str) -> pd.Series:
    mask = np.logical_and.reduce([table[k] == v for k, v in where.items()])
    assert mask.sum() == 1, where
    return table.loc[mask].iloc[0]


def test_stage_control_table_by_hand(dataset):
    demand = xr.DataArray([150.0], dims="material", coords={"material": ["ndfeb"]})
    table = stage_control_table(dataset, YEAR, demand=demand)
    assert sorted(zip(table.material, table.stage, strict=True)) == [
        ("ndfeb", "magnet"),
        ("ndpr", "metal"),
        ("ndpr", "separation"),
    ]
    oxide = row(table, material="ndpr", stage="separation")
    assert oxide.dominant == "CHN"
    assert oxide.n_countries == 2
    assert oxide.dominant_share == pytest.approx(100 / 120)
    assert oxide.hhi == pytest.approx((100**2 + 20**2) / 120**2)  # 0.7222
    assert oxide.top3_share == pytest.approx(1.0)
    assert math.isnan(oxide.n1_coverage)  # demand is on the magnet basis
    magnet = row(table, material="ndfeb", stage="magnet")
    assert magnet.n1_coverage == pytest.approx((110 - 100) / 150)
    assert magnet.year == YEAR


def test_stage_control_table_demand_by_stage(dataset):
    demand = xr.DataArray([[60.0]], dims=("material", "stage"), coords={"material": ["ndpr"], "stage": ["separation"]})
    table = stage_control_table(dataset["production"], YEAR, demand=demand)
    assert row(table, material="ndpr", stage="separation").n1_coverage == pytest.approx(20 / 60)
    assert math.isnan(row(table, material="ndpr", stage="metal").n1_coverage)
    assert stage_control_table(dataset, YEAR)["n1_coverage"].isna().all()


def test_dependence_table_reproduces_the_japan_example(dataset):
    table = dependence_table(dataset, YEAR, [("ndfeb", "magnet")], importers=["JPN", "USA"])
    japan = row(table, importer="JPN", material="ndfeb", stage="magnet", origin="CHN")
    assert japan.target == "ndfeb/magnet"
    assert japan.direct == 0.0
    assert japan.upstream == pytest.approx(0.92)
    assert japan.ultimate == pytest.approx(0.92)
    assert japan.hidden == pytest.approx(0.92)
    assert not japan.assumed
    malaysia = row(table, importer="JPN", material="ndfeb", stage="magnet", origin="MYS")
    assert (malaysia.upstream, malaysia.ultimate) == (pytest.approx(0.08), pytest.approx(0.08))
    # at the metal step Japan sees China directly: 0.8, any stage 1 - 0.2 * 0.4 = 0.92
    metal = row(table, importer="JPN", material="ndpr", stage="metal", origin="CHN")
    assert (metal.direct, metal.ultimate, metal.hidden) == (
        pytest.approx(0.8),
        pytest.approx(0.92),
        pytest.approx(0.12),
    )


def test_dependence_table_through_a_second_ally(dataset):
    table = dependence_table(dataset, YEAR, [("ndfeb", "magnet")], importers=["USA"])
    # USA magnets: half Chinese, half Japanese; Japanese magnets are 0.92 exposed to China.
    # China-free share = 0.5 * 0.08 = 0.04 -> exposure 0.96, of which 0.46 hidden
    usa = row(table, importer="USA", material="ndfeb", stage="magnet", origin="CHN")
    assert (usa.direct, usa.ultimate, usa.hidden) == (0.5, pytest.approx(0.96), pytest.approx(0.46))
    via_japan = row(table, importer="USA", material="ndfeb", stage="magnet", origin="JPN")
    assert via_japan.hidden == pytest.approx(0.0)
    # the USA has no recorded metal imports: its metal row is the world's, flagged as assumed
    assert row(table, importer="USA", material="ndpr", stage="metal", origin="CHN").assumed


def test_dependence_table_explicit_path_and_errors(dataset):
    path = [("ndpr", "metal"), ("ndfeb", "magnet")]
    table = dependence_table(dataset, YEAR, [("ndfeb", "magnet")], paths={("ndfeb", "magnet"): path}, importers=["JPN"])
    # without the oxide step, the metal's origin is where the metal was made
    assert row(table, importer="JPN", stage="magnet", origin="CHN").ultimate == pytest.approx(0.8)
    with pytest.raises(ValueError, match="dependence_table: the path for"):
        dependence_table(dataset, YEAR, [("ndfeb", "magnet")], paths={("ndfeb", "magnet"): path[:1]})


def test_dependence_table_without_trade_assumes_world_market(dataset):
    table = dependence_table(dataset.drop_vars("trade"), YEAR, [("ndpr", "metal")], importers=["JPN"])
    assert table["assumed"].all()
    # Japan's metal like the world's (CHN 200/202), that metal's oxide like the world's (100/120)
    chn = row(table, importer="JPN", stage="metal", origin="CHN")
    assert chn.direct == pytest.approx(200 / 202)
    assert chn.ultimate == pytest.approx(1 - (2 / 202) * (20 / 120))


def test_largest_hidden_per_ally(dataset):
    table = dependence_table(dataset, YEAR, [("ndfeb", "magnet")], importers=["JPN", "USA"])
    top = largest_hidden(table)
    assert top["importer"].tolist() == ["JPN", "USA"]
    assert top[["stage", "origin"]].values.tolist() == [["magnet", "CHN"], ["magnet", "CHN"]]
    assert top["hidden"].tolist() == pytest.approx([0.92, 0.46])
    assert len(largest_hidden(table, n=2)) == 4
    with pytest.raises(ValueError, match="largest_hidden: n must be at least 1, not 0"):
        largest_hidden(table, n=0)


def test_dependence_table_reports_an_ally_missing_from_the_data(dataset):
    # Korea appears nowhere: its sourcing is assumed at every step (world market shares)
    table = dependence_table(dataset, YEAR, [("ndfeb", "magnet")], importers=["KOR"])
    korea = row(table, importer="KOR", stage="magnet", origin="CHN")
    assert korea.assumed
    assert korea.direct == pytest.approx(100 / 110)
