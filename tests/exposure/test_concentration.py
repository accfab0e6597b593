"""Concentration indicators: hand values, NaN propagation, exact errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from critmin.exposure import hhi, largest_supplier, n_minus_1_coverage, stage_shares, top_k_share


def amounts(values: list[float], countries: list[str] | None = None) -> xr.DataArray:
    labels = countries or [f"C{i}" for i in range(len(values))]
    return xr.DataArray(values, dims="country", coords={"country": labels}, attrs={"units": "t/year"})


def test_hhi_by_hand():
    # shares 0.5, 0.3, 0.2 -> 0.25 + 0.09 + 0.04 = 0.38, or 3,800 on the antitrust scale
    p = amounts([50.0, 30.0, 20.0])
    assert float(hhi(p)) == pytest.approx(0.38)
    assert float(hhi(p, scale="10000")) == pytest.approx(3800.0)


def test_hhi_keeps_other_dims_and_labels():
    p = xr.DataArray(
        [[90.0, 10.0], [50.0, 50.0]],
        dims=("stage", "country"),
        coords={"stage": ["mining", "refining"], "country": ["CHN", "AUS"]},
    )
    index = hhi(p)
    assert index.dims == ("stage",)
    assert index.sel(stage="mining").item() == pytest.approx(0.82)  # 0.81 + 0.01
    assert index.sel(stage="refining").item() == pytest.approx(0.5)


def test_hhi_unknown_share_gives_unknown_index():
    assert math.isnan(float(hhi(amounts([50.0, np.nan, 25.0]))))


def test_zero_total_gives_nan_shares_and_index():
    p = amounts([0.0, 0.0])
    assert stage_shares(p).isnull().all()
    assert math.isnan(float(hhi(p)))
    assert math.isnan(float(top_k_share(p)))


def test_explicit_total_uses_listed_shares_as_they_are():
    # top three listed as world shares: 0.6^2 + 0.2^2 + 0.1^2 = 0.41 (the rest of world unknown)
    listed = amounts([0.6, 0.2, 0.1])
    assert float(hhi(listed, total=1.0)) == pytest.approx(0.41)
    assert float(hhi(listed)) == pytest.approx((0.36 + 0.04 + 0.01) / 0.81)  # re-normalised
    assert float(top_k_share(listed, k=2, total=1.0)) == pytest.approx(0.8)


def test_top_k_share_by_hand():
    p = amounts([10.0, 40.0, 5.0, 25.0, 20.0])
    assert float(top_k_share(p, k=3)) == pytest.approx(0.85)  # 0.40 + 0.25 + 0.20
    assert float(top_k_share(p, k=10)) == pytest.approx(1.0)
    assert math.isnan(float(top_k_share(amounts([10.0, np.nan]), k=1)))


def test_n_minus_1_coverage_by_hand():
    # total 100, largest 70: without it 30 t cover 30/60 of demand
    p = amounts([70.0, 20.0, 10.0])
    assert float(n_minus_1_coverage(p, 60.0)) == pytest.approx(0.5)
    assert math.isnan(float(n_minus_1_coverage(p, 0.0)))


def test_largest_supplier_label_and_share():
    p = amounts([20.0, 70.0, 10.0], ["AUS", "CHN", "USA"])
    top = largest_supplier(p)
    assert top.supplier.item() == "CHN"
    assert top.share.item() == pytest.approx(0.7)
    unknown = largest_supplier(amounts([20.0, np.nan], ["AUS", "CHN"]))
    assert unknown.supplier.isnull().item()
    assert math.isnan(unknown.share.item())


def test_negative_quantity_raises_with_location():
    p = amounts([10.0, -5.0, 3.0], ["CHN", "AUS", "USA"])
    with pytest.raises(
        ValueError,
        match=r"hhi needs non-negative quantities; "
        r"found 1 negative value\(s\), first at country='AUS'",
    ):
        hhi(p)


def test_negative_quantity_raises_in_every_function():
    p = amounts([10.0, -5.0])
    with pytest.raises(ValueError, match="stage_shares needs non-negative quantities"):
        stage_shares(p)
    with pytest.raises(ValueError, match="top_k_share needs non-negative"):
        top_k_share(p)
    with pytest.raises(ValueError, match="n_minus_1_coverage needs non-negative quantities"):
        n_minus_1_coverage(p, 10.0)
    with pytest.raises(ValueError, match="n_minus_1_coverage needs non-negative demand"):
        n_minus_1_coverage(amounts([1.0]), -1.0)
    with pytest.raises(ValueError, match="largest_supplier needs non-negative"):
        largest_supplier(p)


def test_bad_arguments_raise():
    p = amounts([1.0, 2.0])
    with pytest.raises(
        ValueError,
        match=r"hhi: 'exporter' is not a dimension of the input; its dims are \('country',\)",
    ):
        hhi(p, dim="exporter")
    with pytest.raises(ValueError, match="hhi: scale must be 'unit' or '10000', not 'percent'"):
        hhi(p, scale="percent")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="top_k_share: k must be a positive integer, not 0"):
        top_k_share(p, k=0)
