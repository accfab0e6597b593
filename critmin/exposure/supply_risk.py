"""EU supply risk and criticality, 2017 method (used in the 2017, 2020 and 2023 lists; DOMAIN §3.3).

Scale
-----
The EU computes the governance-weighted concentration from shares in percent and World
Governance Indicators rescaled to 0-10 (higher = worse governed), then divides by 10,000::

    HHI_WGI_t = Σ_c (100 S_c)^2 · W_c · t_c / 10,000  =  Σ_c S_c^2 · W_c · t_c

critmin implements the right-hand side, with shares ``S_c`` as fractions, so ``HHI_WGI_t`` lies
on the EU's 0-10 scale (up to 10 · max t when trade factors exceed 1). Supply risk is then::

    SR = (HHI_WGI_t[GS] · IR/2 + HHI_WGI_t[EU] · (1 - IR/2)) · (1 - EOL_RIR) · SI_SR
    critical  <=>  SR >= 1.0  and  EI >= 2.8

GS is global supply, EU is EU sourcing (domestic production plus imports), IR the EU import
reliance (:func:`critmin.exposure.reliance.import_reliance_eu`), EOL_RIR the end-of-life
recycling input rate and SI_SR the substitution index for supply risk (1 = no substitute).
The EU evaluates SR at extraction and at processing and keeps the higher; callers do that by
computing both and taking the maximum.

The trade factor ``t`` (0.8 for EU/FTA partners, 1.0 by default, up to 1.4 for restrictive
exporters) and the rescaling of governance indicators to 0-10 are inputs here: the map
``W = 5 - 2 · WGI_mean`` quoted in DOMAIN §3.3 is inferred and not applied by this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from .concentration import _require_dim, _require_non_negative

__all__ = ["eu_critical", "eu_supply_risk", "eu_supply_risk_table", "hhi_wgi_t"]

SR_THRESHOLD = 1.0
EI_THRESHOLD = 2.8


def _within(array: xr.DataArray, low: float, high: float, func: str, name: str) -> None:
    """Raise ValueError if a known value of `array` lies outside [low, high]."""
    outside = (array < low) | (array > high)
    if bool(outside.any()):
        found = np.asarray(array.where(outside).values, dtype=float)
        raise ValueError(
            f"{func}: {name} must lie in [{low:g}, {high:g}]; found {np.nanmin(found):g}..{np.nanmax(found):g}"
        )


def hhi_wgi_t(
    shares: xr.DataArray,
    governance: xr.DataArray,
    trade_factor: xr.DataArray | float = 1.0,
    dim: str = "country",
) -> xr.DataArray:
    """Governance- and trade-weighted concentration on the EU's 0-10 scale.

    Parameters
    ----------
    shares : xarray.DataArray
        Supply shares along `dim` as fractions in [0, 1], summing to at most 1.
    governance : xarray.DataArray
        Scaled World Governance Indicators along `dim`, 0-10, higher = worse. Must cover every
        label of `shares`: a missing label makes the result unknown (NaN), never 0.
    trade_factor : xarray.DataArray or float, default 1.0
        Trade factor t along `dim` (or one number), > 0.
    dim : str, default "country"
        Dimension of suppliers.

    Returns
    -------
    xarray.DataArray
        ``Σ_c S_c^2 · W_c · t_c``, `dim` reduced.

    Examples
    --------
    >>> import xarray as xr
    >>> c = {"country": ["CHN", "AUS"]}
    >>> s = xr.DataArray([0.8, 0.2], dims="country", coords=c)
    >>> w = xr.DataArray([6.0, 2.0], dims="country", coords=c)
    >>> t = xr.DataArray([1.2, 0.8], dims="country", coords=c)
    >>> round(float(hhi_wgi_t(s, w, t)), 6)   # 0.64*6*1.2 + 0.04*2*0.8
    4.672
    """
    _require_dim(shares, dim, "hhi_wgi_t")
    _within(shares, 0.0, 1.0, "hhi_wgi_t", "shares")
    if bool(shares.sum(dim) > 1.0 + 1e-9):
        raise ValueError(f"hhi_wgi_t: shares along {dim!r} sum to more than 1")
    weights = governance.reindex({dim: shares[dim]})
    _within(weights, 0.0, 10.0, "hhi_wgi_t", "governance")
    factor = xr.DataArray(trade_factor)
    factor = factor.reindex({dim: shares[dim]}) if dim in factor.dims else factor
    if bool((factor <= 0).any()):
        raise ValueError("hhi_wgi_t: trade_factor must be positive")
    index = (shares**2 * weights * factor).sum(dim, skipna=False)
    return index.assign_attrs(units="1", long_name="HHI-WGI-t, EU 0-10 scale")


def eu_supply_risk(
    hhi_gs: xr.DataArray | float,
    hhi_eu: xr.DataArray | float,
    import_reliance: xr.DataArray | float,
    eol_rir: xr.DataArray | float,
    si_sr: xr.DataArray | float,
) -> xr.DataArray:
    """EU supply risk SR (2017 method) from its five inputs.

    Parameters
    ----------
    hhi_gs, hhi_eu : xarray.DataArray or float
        HHI-WGI-t of global supply and of EU sourcing, on the EU's 0-10 scale (>= 0).
    import_reliance : xarray.DataArray or float
        EU import reliance IR in [0, 1].
    eol_rir : xarray.DataArray or float
        End-of-life recycling input rate in [0, 1].
    si_sr : xarray.DataArray or float
        Substitution index for supply risk in [0, 1] (1 = no substitute).

    Returns
    -------
    xarray.DataArray
        ``(hhi_gs · IR/2 + hhi_eu · (1 - IR/2)) · (1 - eol_rir) · si_sr``; NaN where an input is.

    Examples
    --------
    >>> round(float(eu_supply_risk(5.0, 3.0, 0.6, 0.1, 0.9)), 6)   # (5*0.3 + 3*0.7)*0.9*0.9
    2.916
    """
    gs, eu, ir, rir, si = (xr.DataArray(x) for x in (hhi_gs, hhi_eu, import_reliance, eol_rir, si_sr))
    _require_non_negative(gs, "eu_supply_risk", what="hhi_gs")
    _require_non_negative(eu, "eu_supply_risk", what="hhi_eu")
    for name, value in (("import_reliance", ir), ("eol_rir", rir), ("si_sr", si)):
        _within(value, 0.0, 1.0, "eu_supply_risk", name)
    risk = (gs * ir / 2 + eu * (1 - ir / 2)) * (1 - rir) * si
    return risk.assign_attrs(units="1", long_name="EU supply risk (2017 method)")


def eu_critical(
    sr: xr.DataArray | float,
    ei: xr.DataArray | float,
    sr_threshold: float = SR_THRESHOLD,
    ei_threshold: float = EI_THRESHOLD,
) -> xr.DataArray:
    """Whether a material is critical for the EU: SR >= 1.0 and EI >= 2.8 (2017-2023 rounds).

    Parameters
    ----------
    sr, ei : xarray.DataArray or float
        Supply risk and economic importance; both must be known.
    sr_threshold, ei_threshold : float
        Thresholds, inclusive; the defaults are those of the 2017, 2020 and 2023 lists.

    Returns
    -------
    xarray.DataArray
        Boolean.

    Raises
    ------
    ValueError
        If any SR or EI is unknown: criticality of an unknown value is undefined.

    Examples
    --------
    >>> bool(eu_critical(3.9, 3.7)), bool(eu_critical(0.5, 5.7))   # gallium, nickel (2023)
    (True, False)
    """
    risk, importance = xr.DataArray(sr), xr.DataArray(ei)
    if bool(risk.isnull().any()) or bool(importance.isnull().any()):
        raise ValueError("eu_critical: SR and EI must be known; drop or fill the unknown ones first")
    return ((risk >= sr_threshold) & (importance >= ei_threshold)).assign_attrs(long_name="EU critical")


def eu_supply_risk_table(df: pd.DataFrame) -> pd.DataFrame:
    """Add supply risk ``sr`` (and ``critical`` where ``ei`` is given) to a table of inputs.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per material with numeric columns ``hhi_gs, hhi_eu, import_reliance, eol_rir,
        si_sr`` (see :func:`eu_supply_risk`) and optionally ``ei``; ``material`` is kept as given.

    Returns
    -------
    pandas.DataFrame
        A copy with ``sr`` and, if ``ei`` is a column, ``critical`` (nullable boolean, <NA>
        where SR or EI is unknown).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"material": ["a", "b"], "hhi_gs": [5.0, 1.0], "hhi_eu": [3.0, 1.0],
    ...                      "import_reliance": [0.6, 0.0], "eol_rir": [0.1, 0.0],
    ...                      "si_sr": [0.9, 0.8], "ei": [3.0, 6.0]})
    >>> out = eu_supply_risk_table(rows)
    >>> out.sr.round(6).tolist(), out.critical.tolist()
    ([2.916, 0.8], [True, False])
    """
    inputs = ["hhi_gs", "hhi_eu", "import_reliance", "eol_rir", "si_sr"]
    missing = [c for c in inputs if c not in df.columns]
    if missing:
        raise ValueError(f"eu_supply_risk_table: missing column(s) {', '.join(missing)}")
    arrays = [xr.DataArray(df[c].to_numpy(dtype=float), dims="row") for c in inputs]
    out = df.copy()
    out["sr"] = eu_supply_risk(*arrays).values
    if "ei" in df.columns:
        ei = df["ei"].to_numpy(dtype=float)
        known = ~(np.isnan(out["sr"].to_numpy()) | np.isnan(ei))
        flags = (out["sr"].to_numpy() >= SR_THRESHOLD) & (ei >= EI_THRESHOLD)
        out["critical"] = pd.array(np.where(known, flags, False), dtype="boolean")
        out.loc[~known, "critical"] = pd.NA
    return out
