"""One fact, one number: every table that shows a share for a (material, stage, year) shows the same share."""

from __future__ import annotations

import pandas as pd
import pytest

from critmin.data import load
from critmin.exposure.years import base_year, concentration_over_time
from critmin.report.tables import control_with_sources, stage_share_table


@pytest.fixture(scope="module")
def ds():
    return load()


def test_every_command_defaults_to_the_base_year(ds):
    year = base_year(ds)
    shares = stage_share_table(ds)
    control = control_with_sources(ds, year)
    assert shares["year"].max() == year == control["year"].max()
    rare = shares[(shares.material == "rare_earths") & (shares.stage == "mining")]
    assert set(rare["year"]) == {year}  # not the 2025 estimate the dataset also holds


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_shares_exposure_and_the_trend_agree_to_the_displayed_precision(ds, year):
    shares = stage_share_table(ds, year=year)
    top = shares.groupby(["material", "stage"], sort=False).head(1)  # the table lists the largest first
    control = control_with_sources(ds, year)
    merged = top.merge(control, on=["material", "stage", "year"])
    assert len(merged) == len(control) >= 5
    assert (merged["country"] == merged["dominant"]).all()
    assert (merged["share"].round(3) == merged["dominant_share"].round(3)).all()
    trend = concentration_over_time(ds.production)
    both = control.merge(trend[trend.itemised], on=["material", "stage", "year"], suffixes=("", "_trend"))
    assert len(both) > 0
    pd.testing.assert_series_equal(both["dominant_share"], both["dominant_share_trend"], check_names=False)
    pd.testing.assert_series_equal(both["hhi"], both["hhi_trend"], check_names=False)


def test_a_year_naming_only_china_is_not_itemised(ds):
    trend = concentration_over_time(ds.production, ["cobalt"], ["mining"])
    early = trend[trend.year == 2018].iloc[0]
    assert not early.itemised and pd.isna(early.hhi)
    assert 0.0 < early.china_share < 0.05  # China mined 1.4% of the world's cobalt in 2018 (USGS)


def test_dependence_without_chain_links_is_the_direct_share():
    import xarray as xr

    from critmin.exposure.summary import dependence_table

    made = xr.DataArray(
        [[[[90.0], [10.0]]]],
        dims=("material", "stage", "country", "year"),
        coords={"material": ["gallium"], "stage": ["refining"], "country": ["CHN", "JPN"], "year": [2024]},
    )
    table = dependence_table(xr.Dataset({"production": made}), 2024, [("gallium", "refining")], importers=["USA"])
    row = table[table.origin == "CHN"].iloc[0]
    assert row.direct == row.ultimate == pytest.approx(0.9)
