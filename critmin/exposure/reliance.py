"""Import reliance of a country or region on one material (DOMAIN §3.2).

Two definitions are in use and they differ in sign convention and bounds::

    NIR = (imports - exports + stock_change) / apparent_consumption                    (USGS)
          apparent_consumption = production + imports - exports + stock_change
    IR  = (imports - exports) / (production + imports - exports), clipped to [0, 1]   (EU)

``stock_change`` follows the USGS adjustment: positive when stocks were drawn down (the draw-down
adds to what was consumed), negative when stocks were built. NIR is not clipped: a net exporter
has a negative NIR. Both are NaN where consumption is zero, negative or unknown.
"""

from __future__ import annotations

import xarray as xr

from .concentration import _require_non_negative

__all__ = ["import_reliance_eu", "net_import_reliance"]


def _flows(func: str, **named: xr.DataArray | float) -> list[xr.DataArray]:
    """Named non-negative flows as DataArrays; negatives raise ValueError naming the flow."""
    arrays = [xr.DataArray(value) for value in named.values()]
    for name, array in zip(named, arrays, strict=True):
        _require_non_negative(array, func, what=name)
    return arrays


def net_import_reliance(
    imports: xr.DataArray | float,
    exports: xr.DataArray | float,
    production: xr.DataArray | float,
    stock_change: xr.DataArray | float = 0.0,
) -> xr.DataArray:
    """USGS net import reliance: net imports as a fraction of apparent consumption.

    Parameters
    ----------
    imports, exports, production : xarray.DataArray or float
        Non-negative flows in one unit (e.g. t/year); negatives raise ValueError.
    stock_change : xarray.DataArray or float, default 0
        Net draw-down of government and industry stocks (positive adds to consumption).

    Returns
    -------
    xarray.DataArray
        Fraction, unclipped (negative for a net exporter); NaN where apparent consumption <= 0.

    Examples
    --------
    >>> round(float(net_import_reliance(imports=80.0, exports=10.0, production=30.0)), 6)
    0.7
    >>> nir = net_import_reliance(imports=80.0, exports=10.0, production=30.0, stock_change=5.0)
    >>> round(float(nir), 6)
    0.714286
    """
    imp, exp, prod = _flows("net_import_reliance", imports=imports, exports=exports, production=production)
    net = imp - exp + xr.DataArray(stock_change)
    consumption = prod + net
    reliance = net / consumption.where(consumption > 0)
    return reliance.assign_attrs(units="1", long_name="net import reliance (USGS)")


def import_reliance_eu(
    imports: xr.DataArray | float, exports: xr.DataArray | float, production: xr.DataArray | float
) -> xr.DataArray:
    """EU import reliance: net imports over domestic production plus net imports, in [0, 1].

    Parameters
    ----------
    imports, exports, production : xarray.DataArray or float
        Non-negative flows in one unit (e.g. t/year); negatives raise ValueError.

    Returns
    -------
    xarray.DataArray
        Fraction clipped to [0, 1] (0 for a net exporter); NaN where the denominator <= 0.

    Examples
    --------
    >>> round(float(import_reliance_eu(imports=80.0, exports=20.0, production=40.0)), 6)
    0.6
    >>> float(import_reliance_eu(imports=10.0, exports=30.0, production=40.0))   # net exporter
    0.0
    """
    imp, exp, prod = _flows("import_reliance_eu", imports=imports, exports=exports, production=production)
    net = imp - exp
    consumption = prod + net
    reliance = (net / consumption.where(consumption > 0)).clip(0.0, 1.0)
    return reliance.assign_attrs(units="1", long_name="import reliance (EU 2017 method)")
