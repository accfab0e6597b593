"""Burden sharing among allies: who pays for the portfolio, who gains from it.

Rule (after the IEA oil-stock system): an option that serves one region only (a national
stockpile, a project whose output goes to one ally) is paid by that region. Everything else
(joint reserves, projects serving several allies, research programmes) is shared in proportion
to each ally's share of the basis: oil-style ``"consumption"`` of the materials, or ``"gdp"``.
An ally's benefit is the fall in its expected loss from the do-nothing baseline.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from critmin.errors import DataError, Issue

RULES = ("consumption", "gdp")


def burden_shares(basis: pd.Series, rule: Literal["consumption", "gdp"]) -> pd.Series:
    """Shares (summing to 1) of each ally in the shared cost, from its consumption or GDP.

    Examples
    --------
    >>> burden_shares(pd.Series({"USA": 3.0, "JPN": 1.0}), "gdp").to_dict()
    {'USA': 0.75, 'JPN': 0.25}
    """
    issues = []
    if rule not in RULES:
        issues.append(Issue("burden", 0, "rule", f"{rule!r} is not a known rule", "use consumption or gdp"))
    values = pd.to_numeric(basis, errors="coerce")
    if values.isna().any() or (values < 0).any() or float(values.sum()) <= 0:
        issues.append(
            Issue(
                "burden",
                0,
                rule,
                "basis has missing, negative or only zero values",
                "give a non-negative number for every ally, not all zero",
            )
        )
    if issues:
        raise DataError(issues)
    return (values / values.sum()).astype(float)


def _sole_region(serves: xr.DataArray) -> xr.DataArray:
    """The one region an option serves, or "" when it serves several."""
    count = serves.sum("region")
    first = serves.region.values[serves.argmax("region").values]
    return xr.DataArray(np.where(count.values == 1, first, ""), coords=count.coords)


def _costs(result: xr.Dataset) -> tuple[pd.Series, float]:
    """Cost (USD) paid alone by each region, and the shared cost."""
    own: dict[str, float] = {}
    shared = float((result.fund * result.research_cost_usd).sum()) if "fund" in result else 0.0
    parts = [(result.stock_cost_usd, result.stock_serves)]
    if "choice" in result and result.sizes.get("project", 0):
        paid = (result.choice * result.instrument_net_cost_usd).fillna(0).sum("instrument")
        parts.append((paid, result.project_serves))
    for cost, serves in parts:
        sole = _sole_region(serves)
        for region, value in zip(sole.values, cost.values, strict=True):
            if region:
                own[str(region)] = own.get(str(region), 0.0) + float(value)
            else:
                shared += float(value)
    return pd.Series(own, dtype=float), shared


def burden_table(result: xr.Dataset, shares: pd.Series) -> xr.Dataset:
    """Per ally: share, own cost, share of joint cost, contribution, benefit, net benefit (USD).

    Parameters
    ----------
    result : xarray.Dataset
        Output of :func:`critmin.optimise.optimise`.
    shares : pandas.Series
        Burden shares by ally (from :func:`burden_shares`).

    Returns
    -------
    xarray.Dataset
        Variables ``burden_*`` on dim ``ally``.
    """
    own, shared = _costs(result)
    allies = pd.Index(shares.index.astype(str), name="ally")
    own_cost = own.reindex(allies).fillna(0.0).to_numpy()
    joint = shares.reindex(allies).to_numpy() * shared
    gain = (
        (result.baseline_loss_by_region_usd - result.loss_by_region_usd)
        .reindex(region=allies.to_numpy())
        .fillna(0.0)
        .to_numpy()
    )
    contribution = own_cost + joint
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(contribution > 0, gain / contribution, np.nan)
    data = {
        "share": shares.reindex(allies).to_numpy(),
        "own_cost_usd": own_cost,
        "joint_cost_usd": joint,
        "contribution_usd": contribution,
        "benefit_usd": gain,
        "net_benefit_usd": gain - contribution,
        "benefit_per_usd": ratio,
    }
    return xr.Dataset({f"burden_{k}": ("ally", v) for k, v in data.items()}, coords={"ally": allies})
