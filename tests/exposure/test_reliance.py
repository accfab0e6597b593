"""Import reliance (USGS and EU definitions): hand values, bounds, exact errors."""

from __future__ import annotations

import math

import pytest
import xarray as xr

from critmin.exposure import import_reliance_eu, net_import_reliance


def test_usgs_net_import_reliance_by_hand():
    # imports 80, exports 10, production 30 -> net imports 70 of consumption 100
    assert float(net_import_reliance(80.0, 10.0, 30.0)) == pytest.approx(0.70)
    # a 5 t draw-down of stocks: (70 + 5) / (100 + 5)
    assert float(net_import_reliance(80.0, 10.0, 30.0, stock_change=5.0)) == pytest.approx(75 / 105)
    # a net exporter: (10 - 40) / (100 + 10 - 40) is negative and not clipped
    assert float(net_import_reliance(10.0, 40.0, 100.0)) == pytest.approx(-30 / 70)


def test_eu_import_reliance_by_hand_and_clipped():
    # (80 - 20) / (40 + 80 - 20) = 60 / 100
    assert float(import_reliance_eu(80.0, 20.0, 40.0)) == pytest.approx(0.6)
    assert float(import_reliance_eu(10.0, 30.0, 40.0)) == 0.0  # net exporter
    assert float(import_reliance_eu(50.0, 0.0, 0.0)) == 1.0


def test_reliance_is_labelled_and_nan_where_consumption_is_not_positive():
    imports = xr.DataArray([80.0, 0.0], dims="importer", coords={"importer": ["JPN", "AUS"]})
    exports = xr.DataArray([10.0, 50.0], dims="importer", coords={"importer": ["JPN", "AUS"]})
    production = xr.DataArray([30.0, 50.0], dims="importer", coords={"importer": ["JPN", "AUS"]})
    nir = net_import_reliance(imports, exports, production)
    assert nir.sel(importer="JPN").item() == pytest.approx(0.7)
    assert math.isnan(nir.sel(importer="AUS").item())  # apparent consumption 0
    assert math.isnan(float(import_reliance_eu(float("nan"), 0.0, 10.0)))


def test_negative_flows_raise():
    with pytest.raises(ValueError, match=r"net_import_reliance needs non-negative exports; found 1 negative"):
        net_import_reliance(10.0, -1.0, 5.0)
    with pytest.raises(ValueError, match=r"import_reliance_eu needs non-negative production"):
        import_reliance_eu(10.0, 1.0, -5.0)
