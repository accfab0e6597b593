"""Cost to government of each project-finance instrument: pure functions, one formula each.

Two numbers are kept per instrument. The *net cost* (USD) is what the instrument costs the state
in expectation, receipts netted; it enters the objective. The *outlay* (USD) is what the programme
budget must pay out in expectation before receipts (which return to the Treasury); it enters the
budget constraint. They differ only where the state receives money back within the instrument:
the upside share of a price floor and the resale of offtake purchases.

===================  ==================================================  =======================
instrument           net cost                                            outlay
===================  ==================================================  =======================
grant                A                                                   A
concessional_loan    A (m - l) (1 - (1 + m)^-T) / m  +  PD LGD A         same as net cost
equity               A EL                                                same as net cost
offtake              E[sum_t (c - (1 - d) P_t) q_t]                      E[sum_t c q_t]
price_floor          E[sum_t max(0, F - P_t) q_t] - theta E[sum_t          E[sum_t max(0, F - P_t)
                     max(0, P_t - F) q_t]                                q_t]
===================  ==================================================  =======================

A is ``amount_usd`` (default: the project's capex); the loan is interest-only (bullet) at rate l
against a market rate m over T years. Prices P are USD/kg on each scenario's path, q in t, so each
product carries a factor 1,000 kg/t. Contract months run from the project's first output (its lead
time) for ``tenor_years``; beyond the simulated horizon a scenario's last price is held flat.
Amounts are not discounted (the loan subsidy is a present value at the market rate).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

KG_PER_T = 1_000.0


def grant_cost(amount_usd: float) -> float:
    """Cost of a grant (USD): the amount.

    Examples
    --------
    >>> grant_cost(258e6)
    258000000.0
    """
    return float(amount_usd)


def annuity_factor(rate: float, years: float) -> float:
    """Present value of 1 USD a year for `years` years at `rate`.

    Examples
    --------
    >>> round(annuity_factor(0.08, 10), 4)
    6.7101
    >>> annuity_factor(0.0, 10)
    10.0
    """
    if rate == 0:
        return float(years)
    return float((1 - (1 + rate) ** -years) / rate)


def loan_cost(
    amount_usd: float,
    loan_rate: float,
    market_rate: float,
    tenor_years: float,
    default_prob: float,
    loss_given_default: float,
) -> float:
    """Cost of a concessional bullet loan (USD): PV of the rate subsidy plus expected default loss.

    Examples
    --------
    >>> # 100 m at 3% against 8% for 10 years: 5 m a year x 6.7101 = 33.55 m; 10% PD x 60% LGD = 6 m
    >>> round(loan_cost(100e6, 0.03, 0.08, 10, 0.10, 0.60) / 1e6, 2)
    39.55
    """
    subsidy = amount_usd * (market_rate - loan_rate) * annuity_factor(market_rate, tenor_years)
    return float(subsidy + default_prob * loss_given_default * amount_usd)


def equity_cost(amount_usd: float, equity_expected_loss: float) -> float:
    """Cost of an equity stake (USD): the expected loss share of the capital put in.

    Examples
    --------
    >>> equity_cost(400e6, 0.25)
    100000000.0
    """
    return float(amount_usd * equity_expected_loss)


def contract_prices(price: xr.DataArray, start_month: int, months: int) -> xr.DataArray:
    """Prices (scenario, month) over `months` contract months from `start_month`.

    Months beyond the path repeat its last price. The result's ``month`` is 0, 1, ... counted
    from the start of the contract.

    Examples
    --------
    >>> p = xr.DataArray([[1.0, 2.0, 3.0]], dims=("scenario", "month"))
    >>> contract_prices(p, 1, 4).values.tolist()
    [[2.0, 3.0, 3.0, 3.0]]
    """
    last = price.sizes["month"] - 1
    positions = np.minimum(np.arange(start_month, start_month + months), last)
    return price.isel(month=xr.DataArray(positions, dims="month")).drop_vars("month", errors="ignore")


def expected_sum(value: xr.DataArray, weight: xr.DataArray) -> float:
    """Scenario-weighted expectation of the sum of `value` over its other dims.

    Examples
    --------
    >>> v = xr.DataArray([[1.0, 1.0], [3.0, 3.0]], dims=("scenario", "month"))
    >>> expected_sum(v, xr.DataArray([0.5, 0.5], dims="scenario"))
    4.0
    """
    return float((value.sum([d for d in value.dims if d != "scenario"]) * weight).sum())


def price_floor_cost(
    price: xr.DataArray, weight: xr.DataArray, floor: float, upside: float, tonnes: xr.DataArray
) -> tuple[float, float]:
    """Net cost and outlay (USD) of a price floor with upside sharing.

    The state pays ``max(0, F - P) q`` and receives ``theta max(0, P - F) q`` each month.

    Parameters
    ----------
    price : xarray.DataArray
        (scenario, month) market price in USD/kg over the contract months.
    weight : xarray.DataArray
        (scenario) probabilities summing to 1.
    floor, upside : float
        Floor F in USD/kg and the state's share theta of the upside.
    tonnes : xarray.DataArray
        (scenario, month) or (month) tonnes delivered under the contract.

    Examples
    --------
    >>> # 10 t a month for 12 months; price 100 or 130 USD/kg with equal weight, F = 110, 30% upside
    >>> p = xr.DataArray([[100.0] * 12, [130.0] * 12], dims=("scenario", "month"))
    >>> w = xr.DataArray([0.5, 0.5], dims="scenario")
    >>> q = xr.DataArray([10.0] * 12, dims="month")
    >>> price_floor_cost(p, w, 110.0, 0.3, q)   # 0.5 x 1.2 m - 0.5 x 0.72 m; outlay 0.5 x 1.2 m
    (240000.0, 600000.0)
    """
    payout = (floor - price).clip(min=0) * tonnes * KG_PER_T
    upside_paid = (price - floor).clip(min=0) * tonnes * KG_PER_T * upside
    outlay = expected_sum(payout, weight)
    return outlay - expected_sum(upside_paid, weight), outlay


def offtake_cost(
    price: xr.DataArray,
    weight: xr.DataArray,
    contract: float,
    resale_discount: float,
    tonnes: xr.DataArray,
) -> tuple[float, float]:
    """Net cost and outlay (USD) of an offtake: buy q at `contract`, resell at (1 - d) P.

    Examples
    --------
    >>> p = xr.DataArray([[100.0], [140.0]], dims=("scenario", "month"))
    >>> w = xr.DataArray([0.5, 0.5], dims="scenario")
    >>> q = xr.DataArray([10.0], dims="month")
    >>> # pay 120 USD/kg for 10 t; resale 90% of 100 or 140 -> 90 or 126: 0.5 x 0.3 m - 0.5 x 0.06 m
    >>> offtake_cost(p, w, 120.0, 0.1, q)
    (120000.0, 1200000.0)
    """
    outlay = expected_sum(contract * tonnes * KG_PER_T, weight)
    resale = expected_sum((1 - resale_discount) * price * tonnes * KG_PER_T, weight)
    return outlay - resale, outlay


def deliveries(capacity_t_per_year: float, completion: xr.DataArray, months: int) -> xr.DataArray:
    """Tonnes (scenario, month) delivered each contract month: capacity / 12 x completion.

    Examples
    --------
    >>> c = xr.DataArray([0.5, 0.5], dims="scenario")
    >>> deliveries(120.0, c, 2).values.tolist()
    [[5.0, 5.0], [5.0, 5.0]]
    """
    monthly = xr.DataArray(np.full(months, capacity_t_per_year / 12.0), dims="month")
    return completion * monthly


def instrument_cost(
    row: pd.Series,
    project: pd.Series,
    price: xr.DataArray,
    weight: xr.DataArray,
    completion: xr.DataArray,
) -> tuple[float, float]:
    """Net cost and outlay (USD) of one instrument row for its project.

    `price` is the (scenario, month) path of the project's material in USD/kg; `completion` the
    (scenario) factor on its capacity (probability, or a 0/1 draw).

    Examples
    --------
    >>> proj = pd.Series({"capex_usd": 50e6, "capacity_t_per_year": 120.0, "lead_time_months": 0})
    >>> grant = pd.Series({"instrument": "grant", "amount_usd": float("nan")})
    >>> p = xr.DataArray([[100.0]], dims=("scenario", "month"))
    >>> one = xr.DataArray([1.0], dims="scenario")
    >>> instrument_cost(grant, proj, p, one, one)
    (50000000.0, 50000000.0)
    """
    kind = str(row["instrument"])
    amount = float(row.get("amount_usd", np.nan))
    amount = float(project["capex_usd"]) if np.isnan(amount) else amount
    if kind == "grant":
        return grant_cost(amount), grant_cost(amount)
    if kind == "concessional_loan":
        cost = loan_cost(
            amount,
            float(row["loan_rate"]),
            float(row["market_rate"]),
            float(row["tenor_years"]),
            float(row["default_prob"]),
            float(row["loss_given_default"]),
        )
        return cost, cost
    if kind == "equity":
        cost = equity_cost(amount, float(row["equity_expected_loss"]))
        return cost, cost
    months = int(round(float(row["tenor_years"]) * 12))
    window = contract_prices(price, int(project["lead_time_months"]), months)
    tonnes = deliveries(float(project["capacity_t_per_year"]), completion, months)
    if kind == "offtake":
        return offtake_cost(
            window, weight, float(row["offtake_price_usd_per_kg"]), float(row["resale_discount"]), tonnes
        )
    return price_floor_cost(window, weight, float(row["floor_usd_per_kg"]), float(row["upside_share"]), tonnes)
