"""Concentration of supply at one stage: shares, HHI, top-k share, N-1 cover, largest supplier.

All functions take labelled amounts (tonnes per year, or published shares) and reduce one
dimension, ``country`` by default. Missing is unknown, never zero: one unknown amount along the
reduced dimension makes the result unknown (NaN). Negative amounts raise :class:`ValueError`.

Formulas (DOMAIN §3.1), with ``Q[c]`` the amount of country ``c`` and ``T = Σ_c Q[c]``::

    share[c] = Q[c] / T                       NaN where T = 0
    HHI      = Σ_c share[c]^2                 0-1; the antitrust convention multiplies by 10,000
    Top-k    = sum of the k largest shares
    N-1      = (T - max_c Q[c]) / demand      IEA cover without the largest supplier

Published tables often list only the largest suppliers as shares of the world. Pass
``total=1.0`` to :func:`hhi`, :func:`top_k_share` or :func:`stage_shares` so the listed shares
are used as they are, not re-normalised over the listed countries; the HHI so computed is then
a lower bound, since unlisted suppliers would add their own squared shares.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr

__all__ = [
    "hhi",
    "largest_supplier",
    "n_minus_1_coverage",
    "stage_shares",
    "top_k_share",
]


def _require_dim(array: xr.DataArray, dim: str, func: str) -> None:
    """Raise ValueError unless `dim` is a dimension of `array`."""
    if dim not in array.dims:
        raise ValueError(f"{func}: {dim!r} is not a dimension of the input; its dims are {array.dims}")


def _require_non_negative(array: xr.DataArray, func: str, what: str = "quantities") -> None:
    """Raise ValueError naming the first negative value of `array`, if any."""
    negative = np.asarray(array.values, dtype=float) < 0
    if negative.any():
        first = np.argwhere(negative)[0] if negative.ndim else ()
        at = ", ".join(f"{d}={array[d].values[i].item()!r}" for d, i in zip(array.dims, first, strict=True))
        raise ValueError(
            f"{func} needs non-negative {what}; found {int(negative.sum())} negative value(s), "
            f"first at {at or 'the scalar'}"
        )


def stage_shares(
    quantity: xr.DataArray, dim: str = "country", total: xr.DataArray | float | None = None
) -> xr.DataArray:
    """Share of each label of `dim` in the total along `dim` (fraction, 0-1).

    Parameters
    ----------
    quantity : xarray.DataArray
        Non-negative amounts along `dim`, e.g. production in t/year; negatives raise ValueError.
    dim : str, default "country"
        Dimension along which shares are taken.
    total : xarray.DataArray or float, optional
        Denominator of the shares. Default: the sum of `quantity` along `dim` (unknown if any
        amount is unknown). Give ``1.0`` when `quantity` already holds world shares of the
        listed suppliers only.

    Returns
    -------
    xarray.DataArray
        Shares with the dims of `quantity`; NaN where the total is 0 or unknown.

    Examples
    --------
    >>> import xarray as xr
    >>> p = xr.DataArray([60.0, 30.0, 10.0], dims="country",
    ...                  coords={"country": ["CHN", "AUS", "USA"]})
    >>> stage_shares(p).values.tolist()
    [0.6, 0.3, 0.1]
    >>> float(stage_shares(p * 0).sel(country="CHN"))
    nan
    """
    return _shares(quantity, dim, total, "stage_shares")


def _shares(quantity: xr.DataArray, dim: str, total: xr.DataArray | float | None, func: str) -> xr.DataArray:
    """Shares along `dim` after checking the input; errors name the public function `func`."""
    _require_dim(quantity, dim, func)
    _require_non_negative(quantity, func)
    denominator = quantity.sum(dim, skipna=False) if total is None else xr.DataArray(total)
    shares = quantity / denominator.where(denominator > 0)
    return shares.assign_attrs(units="1", long_name=f"share along {dim}")


def hhi(
    quantity: xr.DataArray,
    dim: str = "country",
    scale: Literal["unit", "10000"] = "unit",
    total: xr.DataArray | float | None = None,
) -> xr.DataArray:
    """Herfindahl-Hirschman index of concentration along `dim`: the sum of squared shares.

    Parameters
    ----------
    quantity : xarray.DataArray
        Non-negative amounts along `dim` (production, exports); negatives raise ValueError.
    dim : str, default "country"
        Dimension whose shares are squared and summed.
    scale : {"unit", "10000"}, default "unit"
        ``"unit"`` gives the index on 0-1 (shares as fractions); ``"10000"`` multiplies by
        10,000, the antitrust convention (shares in percent).
    total : xarray.DataArray or float, optional
        Denominator of the shares, as in :func:`stage_shares`.

    Returns
    -------
    xarray.DataArray
        Index with `dim` reduced; NaN where a share is unknown or the total is 0.

    Examples
    --------
    >>> import xarray as xr
    >>> p = xr.DataArray([50.0, 25.0, 25.0], dims="country",
    ...                  coords={"country": ["CHN", "AUS", "USA"]}, attrs={"units": "t"})
    >>> float(hhi(p))
    0.375
    >>> float(hhi(p, scale="10000"))
    3750.0
    >>> float(hhi(p.where(p.country != "AUS")))   # one unknown share: unknown index
    nan
    """
    if scale not in ("unit", "10000"):
        raise ValueError(f"hhi: scale must be 'unit' or '10000', not {scale!r}")
    shares = _shares(quantity, dim, total, "hhi")
    index = (shares**2).sum(dim, skipna=False)
    factor, units = (1.0, "1") if scale == "unit" else (10_000.0, "1e-4")
    return (index * factor).assign_attrs(units=units, long_name=f"Herfindahl-Hirschman index over {dim}")


def top_k_share(
    quantity: xr.DataArray,
    k: int = 3,
    dim: str = "country",
    total: xr.DataArray | float | None = None,
) -> xr.DataArray:
    """Share of the `k` largest suppliers along `dim` (fraction, 0-1).

    Parameters
    ----------
    quantity : xarray.DataArray
        Non-negative amounts along `dim`; negatives raise ValueError.
    k : int, default 3
        Number of largest suppliers summed; with fewer than `k` labels, all are summed.
    dim : str, default "country"
        Dimension along which suppliers are ranked.
    total : xarray.DataArray or float, optional
        Denominator of the shares, as in :func:`stage_shares`.

    Returns
    -------
    xarray.DataArray
        Share with `dim` reduced; NaN where any amount is unknown or the total is 0.

    Examples
    --------
    >>> import xarray as xr
    >>> p = xr.DataArray([5.0, 60.0, 25.0, 10.0], dims="country",
    ...                  coords={"country": ["USA", "CHN", "AUS", "MMR"]})
    >>> round(float(top_k_share(p, k=2)), 6)
    0.85
    """
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 1:
        raise ValueError(f"top_k_share: k must be a positive integer, not {k!r}")
    shares = _shares(quantity, dim, total, "top_k_share")

    def _largest(values: np.ndarray) -> np.ndarray:
        ranked = -np.sort(-values, axis=-1)  # descending; NaN sorts last either way
        known = ~np.isnan(values).any(axis=-1)
        return np.where(known, ranked[..., :k].sum(axis=-1), np.nan)

    top = xr.apply_ufunc(_largest, shares, input_core_dims=[[dim]])
    return top.assign_attrs(units="1", long_name=f"share of the {k} largest along {dim}")


def n_minus_1_coverage(production: xr.DataArray, demand: xr.DataArray | float, dim: str = "country") -> xr.DataArray:
    """Share of `demand` that supply without its largest supplier could cover (IEA "N-1").

    Parameters
    ----------
    production : xarray.DataArray
        Non-negative output along `dim`, in the unit of `demand` (e.g. t/year).
    demand : xarray.DataArray or float
        Use to be covered, same unit; negatives raise ValueError, 0 gives NaN.
    dim : str, default "country"
        Dimension of suppliers.

    Returns
    -------
    xarray.DataArray
        ``(Σ production - max production) / demand``, `dim` reduced; may exceed 1.

    Examples
    --------
    >>> import xarray as xr
    >>> p = xr.DataArray([70.0, 20.0, 10.0], dims="country",
    ...                  coords={"country": ["CHN", "AUS", "USA"]})
    >>> round(float(n_minus_1_coverage(p, demand=100.0)), 6)
    0.3
    """
    _require_dim(production, dim, "n_minus_1_coverage")
    _require_non_negative(production, "n_minus_1_coverage")
    need = xr.DataArray(demand)
    _require_non_negative(need, "n_minus_1_coverage", what="demand")
    rest = production.sum(dim, skipna=False) - production.max(dim, skipna=False)
    cover = rest / need.where(need > 0)
    return cover.assign_attrs(units="1", long_name="supply without the largest supplier / demand")


def largest_supplier(quantity: xr.DataArray, dim: str = "country") -> xr.Dataset:
    """Label and share of the largest supplier along `dim`.

    Parameters
    ----------
    quantity : xarray.DataArray
        Non-negative amounts along `dim`; negatives raise ValueError.
    dim : str, default "country"
        Dimension of suppliers; ties go to the first label in its order.

    Returns
    -------
    xarray.Dataset
        ``supplier`` (the label, NaN where unknown) and ``share`` (fraction), `dim` reduced.
        Unknown where any amount is unknown or the total is 0.

    Examples
    --------
    >>> import xarray as xr
    >>> p = xr.DataArray([20.0, 70.0, 10.0], dims="country",
    ...                  coords={"country": ["AUS", "CHN", "USA"]})
    >>> top = largest_supplier(p)
    >>> str(top.supplier.item()), round(float(top.share), 6)
    ('CHN', 0.7)
    """
    shares = _shares(quantity, dim, None, "largest_supplier")
    known = shares.notnull().all(dim)
    label = shares.fillna(-1.0).idxmax(dim).where(known)
    share = shares.max(dim, skipna=False)
    return xr.Dataset({"supplier": label, "share": share.assign_attrs(units="1")})
