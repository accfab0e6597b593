"""Allies' imports by origin per year (``import_value``) against the BACI files they come from.

The BACI files are read here directly with pandas, not through the builder, so a slip in the
builder's EU summing, folding or year handling shows as a difference.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from critmin import load
from critmin.cli import main
from critmin.vocabulary import ALLIES, EU27_MEMBERS

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "critmin" / "data" / "packaged"
FOLDER = ROOT / "data-raw" / "trade_baci"
CODES = {850511: ("ndfeb", "magnet"), 283691: ("lithium", "refining"), 750210: ("nickel", "refining")}


def baci_imports(year: int, code: int) -> pd.DataFrame:
    """(importer, exporter) -> USD from the raw file, EU members summed without intra-EU flows."""
    raw = pd.read_csv(FOLDER / f"baci_hs17_{year}.csv")
    raw = raw[raw["hs_code"] == code]
    eu_in, eu_out = raw["importer_iso3"].isin(EU27_MEMBERS), raw["exporter_iso3"].isin(EU27_MEMBERS)
    raw = raw[~(eu_in & eu_out)].assign(importer=raw["importer_iso3"].where(~eu_in, "EU27"))
    raw = raw[raw["importer"].isin(ALLIES) & (raw["importer"] != raw["exporter_iso3"])]
    return raw.groupby(["importer", "exporter_iso3"])["value_usd"].sum().rename_axis(["importer", "exporter"])


@pytest.fixture(scope="module")
def packaged() -> pd.DataFrame:
    return pd.read_csv(PACKAGED / "import_value.csv")


@pytest.mark.parametrize("year", [2020, 2021, 2022, 2023, 2024])
@pytest.mark.parametrize("code", sorted(CODES))
def test_totals_and_china_share_match_baci(packaged: pd.DataFrame, year: int, code: int) -> None:
    material, stage = CODES[code]
    raw = baci_imports(year, code)
    rows = packaged[(packaged.material == material) & (packaged.stage == stage) & (packaged.year == year)]
    for importer in ALLIES:
        if importer not in raw.index.get_level_values(0):
            assert rows[rows.importer == importer].empty
            continue
        mine = rows[rows.importer == importer].set_index("exporter")["value"]
        theirs = raw.loc[importer]
        assert mine.sum() == pytest.approx(theirs.sum(), rel=1e-5), importer  # 6 significant digits
        china = float(mine.get("CHN", 0.0)) / mine.sum()
        assert china == pytest.approx(float(theirs.get("CHN", 0.0)) / theirs.sum(), abs=1e-5), importer


def test_japan_magnet_imports_by_value_are_named(packaged: pd.DataFrame) -> None:
    # BACI 2022 (complete file): Japan imported USD 827 m of HS 850511; China 27.8%, the
    # Philippines 45.0% (computed from data-raw/trade_baci/baci_hs17_2022.csv).
    jp = packaged[(packaged.material == "ndfeb") & (packaged.importer == "JPN") & (packaged.year == 2022)]
    shares = jp.set_index("exporter")["value"] / jp["value"].sum()
    assert jp["value"].sum() == pytest.approx(827.1e6, rel=1e-3)
    assert shares["CHN"] == pytest.approx(0.278, abs=0.001) and shares["PHL"] == pytest.approx(0.450, abs=0.001)
    assert set(packaged.source_id) == {"cepii-baci-hs17-v202601"}


def test_over_time_prints_imports_per_year_with_partial_years_marked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exposure", "--material", "ndfeb", "--over-time", "--country", "JPN"]) == 0
    out = capsys.readouterr().out
    assert "JPN imports of ndfeb / magnet: HS 850511, covers the whole stage" in out
    assert "    2022  USD     827.1 m  China  27.8%  largest PHL  45.0%" in out
    assert "    2023* USD" in out and "    2024  USD" in out


def test_dataset_variable_has_every_year() -> None:
    ds = load()
    assert sorted(int(y) for y in ds.import_value.dropna("year", how="all").year.values) == [
        2020, 2021, 2022, 2023, 2024
    ]  # fmt: skip
