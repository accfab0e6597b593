"""HHI and top-3 from the EU CRM 2023 Appendix 7 global supply shares (tests/truth).

Appendix 7 lists only the largest suppliers of each stage (three, four for natural graphite)
as shares of world supply; the rest of the world is not listed. The published HHI figures are
computed over the listed shares as they are, so these tests pass ``total=1.0``: the shares are
squared as given, not re-normalised over the listed countries. (Over the full world the HHI
could only be higher, since unlisted suppliers add their own squared shares.)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

from critmin.exposure import hhi, top_k_share

TRUTH = Path(__file__).parents[1] / "truth" / "eu_crm_2023_appendix7.csv"


@pytest.fixture(scope="module")
def shares() -> xr.DataArray:
    rows = pd.read_csv(TRUTH)
    assert list(rows.columns) == ["material", "stage", "country", "share", "source", "source_url"]
    return rows.set_index(["material", "stage", "country"])["share"].to_xarray()


@pytest.mark.parametrize(
    ("material", "stage", "expected_hhi", "expected_top3"),
    [
        ("gallium", "refining", 0.881, 0.979),  # 0.938^2 + 0.022^2 + 0.019^2 = 0.88069
        ("Nd/Pr", "separation", 0.732, 0.973),  # 0.849^2 + 0.105^2 + 0.019^2 = 0.73219
        ("Dy/Tb", "separation", 1.000, 1.000),
        (
            "natural graphite",
            "mining",
            0.456,
            None,
        ),  # 0.667^2 + 0.075^2 + 0.054^2 + 0.051^2 = 0.45603
        ("tungsten", "mining", 0.687, None),  # 0.826^2 + 0.064^2 + 0.027^2 = 0.68710
        ("cobalt", "mining", 0.400, 0.735),  # 0.628^2 + 0.066^2 + 0.041^2 = 0.40042
    ],
)
def test_hhi_and_top3_from_appendix_7(shares, material, stage, expected_hhi, expected_top3):
    listed = shares.sel(material=material, stage=stage).dropna("country")
    assert float(hhi(listed, total=1.0)) == pytest.approx(expected_hhi, abs=0.001)
    if expected_top3 is not None:
        assert float(top_k_share(listed, k=3, total=1.0)) == pytest.approx(expected_top3, abs=0.001)


def test_domain_top3_germanium(shares):
    # DOMAIN §3.1: germanium processing top-3 92.6 % (0.831 + 0.050 + 0.045)
    listed = shares.sel(material="germanium", stage="refining").dropna("country")
    assert float(top_k_share(listed, k=3, total=1.0)) == pytest.approx(0.926, abs=0.001)


def test_truth_file_matches_the_raw_transcription():
    raw = Path(__file__).parents[2] / "data-raw" / "production_by_stage.csv"
    if not raw.exists():
        pytest.skip("data-raw/production_by_stage.csv is not in this checkout")
    rows = pd.read_csv(raw)
    listed = rows.loc[rows["source"].str.contains("Appendix 7", na=False)]
    truth = pd.read_csv(TRUTH)
    assert (
        listed[["material", "stage", "country", "value"]].to_numpy().tolist()
        == truth[["material", "stage", "country", "share"]].to_numpy().tolist()
    )
    assert set(truth["source_url"]) == set(listed["source_url"])
