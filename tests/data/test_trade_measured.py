"""The packaged trade against the BACI extract it is built from (data-raw/trade_baci/).

For every (importer, material, stage) that a bilateral HS code serves, each exporter's share of the
importer's imports must be within 5 percentage points of BACI's and its tonnes within 10%; rows
read from BACI are graded T (or E where the quantity came from a unit value), and the structural
errors of the modelled network are gone, by name.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.dataset import baci  # noqa: E402

PACKAGED = ROOT / "critmin" / "data" / "packaged"
FOLDER = ROOT / "data-raw" / "trade_baci"
IMPORTERS = ("USA", "JPN", "AUS", "IND", "CAN", "KOR", "EU27", "CHN")
YEAR = 2024


@pytest.fixture(scope="module")
def trade() -> pd.DataFrame:
    table = pd.read_csv(PACKAGED / "trade.csv")
    return table[table["year"] == YEAR]


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return pd.read_csv(PACKAGED / "sources.csv").set_index("source_id")


@pytest.fixture(scope="module")
def hs_map() -> pd.DataFrame:
    return baci.read_map(FOLDER)


@pytest.fixture(scope="module")
def measured(hs_map: pd.DataFrame) -> pd.DataFrame:
    """BACI 2024 flows of the bilateral codes on the stage basis, before any folding."""
    flows = baci.fill_quantities(baci.to_regions(baci.read_bilateral(FOLDER, [YEAR])))
    return baci.stage_flows(flows, hs_map, IMPORTERS)


def _bilateral_cells(hs_map: pd.DataFrame, coverage: str) -> list[tuple[str, str]]:
    rows = hs_map[(hs_map["form"] == "bilateral") & (hs_map["coverage"] == coverage)]
    return sorted(set(zip(rows["material"], rows["stage"], strict=True)))


def test_full_codes_match_baci_shares_and_tonnes(trade: pd.DataFrame, measured: pd.DataFrame, hs_map) -> None:
    cells = _bilateral_cells(hs_map, "full")
    assert cells, "the map has no code that serves a whole stage"
    checked = 0
    for material, stage in cells:
        for importer in IMPORTERS:
            ours = trade[(trade.material == material) & (trade.stage == stage) & (trade.importer == importer)]
            theirs = measured[
                (measured.material == material) & (measured.stage == stage) & (measured.importer == importer)
            ]
            if theirs.empty:
                continue
            ours_by = ours.groupby("exporter")["value"].sum()
            theirs_by = theirs.groupby("exporter")["tonnes"].sum()
            assert ours_by.sum() == pytest.approx(theirs_by.sum(), rel=0.10), (material, stage, importer)
            for exporter, tonnes in theirs_by.items():
                share = tonnes / theirs_by.sum()
                our_share = ours_by.get(exporter, 0.0) / ours_by.sum()
                assert abs(our_share - share) <= 0.05, (material, stage, importer, exporter, our_share, share)
                if exporter in ours_by.index and exporter != "ROW":
                    assert ours_by[exporter] == pytest.approx(tonnes, rel=0.10), (material, stage, importer, exporter)
                checked += 1
    assert checked > 100


def test_partial_codes_keep_every_measured_flow(trade: pd.DataFrame, measured: pd.DataFrame, hs_map) -> None:
    """A partial code's flows are in the table as measured (exporters under 1% may sit in ROW)."""
    for material, stage in _bilateral_cells(hs_map, "partial"):
        ours = trade[(trade.material == material) & (trade.stage == stage)]
        # an importer with customs source shares over every form of the stage (USGS) keeps them instead
        whole = set(ours.loc[ours.source_id == "est-trade-sourced-shares", "importer"])
        ours = ours.set_index(["exporter", "importer"])
        theirs = measured[(measured.material == material) & (measured.stage == stage) & ~measured.importer.isin(whole)]
        for row in theirs.itertuples():
            share = row.tonnes / theirs.loc[theirs.importer == row.importer, "tonnes"].sum()
            if share < baci.MIN_SHARE:
                continue
            assert (row.exporter, row.importer) in ours.index, (material, stage, row.exporter, row.importer)
            assert ours.loc[(row.exporter, row.importer), "value"] >= row.tonnes * (1 - 1e-5)


def test_rows_read_from_baci_are_graded_t_or_e(trade: pd.DataFrame, sources: pd.DataFrame) -> None:
    """A row that is BACI alone is T (E where its quantity came from a unit value); one with a rule part is E."""
    from_baci = trade[trade["note"].str.startswith("BACI ")]
    assert len(from_baci) > 200
    grades = sources.loc[from_baci["source_id"], "grade"].to_numpy()
    mixed = from_baci["note"].str.contains("rule part").to_numpy()
    estimated = from_baci["note"].str.contains("no BACI quantity").to_numpy()
    assert set(grades[~mixed & ~estimated]) == {"T"}
    assert set(grades[mixed | estimated]) == {"E"}


def test_stages_a_code_serves_in_full_are_measured(trade: pd.DataFrame, sources: pd.DataFrame, hs_map) -> None:
    cells = set(_bilateral_cells(hs_map, "full"))
    coded = trade[[(m, s) in cells for m, s in zip(trade.material, trade.stage, strict=True)]]
    grades = sources.loc[coded["source_id"], "grade"]
    assert (grades == "T").mean() >= 0.85
    assert not coded["source_id"].str.startswith("est-trade-net-imports").any()


def test_no_indonesian_nickel_ore_is_exported(trade: pd.DataFrame) -> None:
    """Indonesia has banned nickel ore exports since 1 Jan 2020 (BACI 2024: 167 t gross)."""
    ore = trade[(trade.material == "nickel") & (trade.stage == "mining") & (trade.exporter == "IDN")]
    assert ore["value"].sum() < 10.0


def test_indonesia_ships_little_refined_nickel_to_the_eu(trade: pd.DataFrame) -> None:
    """BACI 2024: 2.1 kt of class-1 nickel IDN -> EU27; Indonesia's NPI goes to China, not to Europe."""
    flow = trade[
        (trade.material == "nickel")
        & (trade.stage == "refining")
        & (trade.exporter == "IDN")
        & (trade.importer == "EU27")
    ]
    assert flow["value"].sum() < 50_000.0
    to_china = trade[
        (trade.material == "nickel")
        & (trade.stage == "refining")
        & (trade.exporter == "IDN")
        & (trade.importer == "CHN")
    ]
    assert to_china["value"].sum() > 10 * flow["value"].sum()


def test_japan_magnets_come_from_china_the_philippines_and_vietnam(trade: pd.DataFrame) -> None:
    """BACI 2024 HS 850511: Japan's imports are 36% China, 29% Philippines, 26% Vietnam."""
    jpn = trade[(trade.material == "ndfeb") & (trade.stage == "magnet") & (trade.importer == "JPN")]
    share = jpn.groupby("exporter")["value"].sum() / jpn["value"].sum()
    assert share.nlargest(3).index.tolist() == ["CHN", "PHL", "VNM"]
    assert share["CHN"] == pytest.approx(0.359, abs=0.01)
