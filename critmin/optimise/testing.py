"""Small hand-solvable instances and a synthetic instance sized like the default data.

Both return the keyword arguments of :func:`critmin.optimise.optimise` (less the budget).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from critmin.optimise.options import Options
from critmin.vocabulary import ALLIES, MATERIALS, stages_of

REGIONS = (*ALLIES, "ROW")


def tiny_inputs() -> dict[str, Any]:
    """One material, one region, two scenarios, three months, one stockpile option.

    Embargo (weight 0.5) leaves 10 t short in months 0 and 1; calm leaves nothing short. JOGMEC
    buys NdPr at 100,000 USD/t plus 10%/year holding (2.5% over 3 months), at most 60 t/year
    (5 t a month), releases to Japan with no lead time. Loss is 1 m USD/t.

    Examples
    --------
    >>> float(tiny_inputs()["baseline_shortfall"].sum())
    20.0
    """
    scenario = pd.Index(["calm", "embargo"], name="scenario")
    month = pd.Index(pd.date_range("2026-01-01", periods=3, freq="MS"), name="month")
    base = xr.DataArray(
        np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 0.0]]).reshape(2, 3, 1, 1),
        coords=[scenario, month, pd.Index(["JPN"], name="region"), pd.Index(["ndpr"], name="material")],
    )
    stock = pd.DataFrame(
        {
            "holder": ["JOGMEC"],
            "holder_country": ["JPN"],
            "material": ["ndpr"],
            "purchase_price_usd_per_t": [100_000.0],
            "max_purchase_t_per_year": [60.0],
            "holding_cost_share_per_year": [0.1],
            "start_t": [0.0],
            "release_lead_months": [0],
            "serves": ["JPN"],
        }
    )
    return {
        "baseline_shortfall": base,
        "scenario_weight": xr.DataArray([0.5, 0.5], coords=[scenario]),
        "price_path": xr.full_like(base.isel(region=0, drop=True), 100.0),
        "loss_per_tonne": xr.DataArray([[1e6]], coords=[base.indexes["region"], base.indexes["material"]]),
        "options": Options(stockpiles=stock),
    }


def _stockpiles(rng: np.random.Generator, materials: list[str]) -> pd.DataFrame:
    holders = [
        ("JOGMEC", "JPN"),
        ("DLA", "USA"),
        ("KOMIR", "KOR"),
        ("CMSR", "AUS"),
        ("EU_CRMC", "EU27"),
        ("CAN_RES", "CAN"),
        ("IND_RES", "IND"),
        ("JPN_PRIV", "JPN"),
        ("DOE", "USA"),
        ("JOINT", "ALLIANCE"),
    ]
    rows = []
    for holder, country in holders:
        for material in rng.choice(materials, size=6 if country == "ALLIANCE" else 4, replace=False):
            rows.append(
                {
                    "holder": holder,
                    "holder_country": country,
                    "material": str(material),
                    "purchase_price_usd_per_t": float(rng.uniform(2e4, 2e5)),
                    "max_purchase_t_per_year": float(rng.uniform(50, 500)),
                    "holding_cost_share_per_year": 0.05,
                    "start_t": float(rng.uniform(0, 50)),
                    "release_lead_months": int(rng.integers(0, 3)),
                    "serves": "ALLIES" if country == "ALLIANCE" else country,
                }
            )
    return pd.DataFrame(rows)


def _projects(rng: np.random.Generator, materials: list[str], n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    mats = [str(m) for m in rng.choice(materials, size=n)]
    projects = pd.DataFrame(
        {
            "project_id": [f"P{i:02d}" for i in range(n)],
            "country": rng.choice(["USA", "AUS", "CAN", "JPN", "EU27"], size=n),
            "material": mats,
            "stage": [stages_of(m)[0] for m in mats],
            "capacity_t_per_year": rng.uniform(200, 3_000, size=n),
            "capex_usd": rng.uniform(5e7, 6e8, size=n),
            "opex_usd_per_t": rng.uniform(5e3, 5e4, n),
            "lead_time_months": rng.integers(6, 36, size=n),
            "p_complete": rng.uniform(0.4, 0.9, n),
            "serves": rng.choice(["USA", "JPN", "AUS;USA", "ALLIES"], size=n),
        }
    )
    instruments = pd.DataFrame(
        [
            {
                "project_id": pid,
                "instrument": kind,
                "amount_usd": np.nan,
                "loan_rate": 0.03,
                "market_rate": 0.08,
                "default_prob": 0.1,
                "loss_given_default": 0.6,
                "tenor_years": 10,
                "equity_expected_loss": 0.3,
                "floor_usd_per_kg": 110.0,
                "upside_share": 0.3,
                "offtake_price_usd_per_kg": 120.0,
                "resale_discount": 0.1,
            }
            for pid in projects.project_id
            for kind in ("grant", "concessional_loan", "equity", "offtake", "price_floor")
        ]
    )
    return projects, instruments


def synthetic_inputs(n_scenarios: int, n_months: int = 60, seed: int = 0, n_projects: int = 25) -> dict[str, Any]:
    """Random embargo-like shocks on 15 materials, 7 allies + ROW, 10 holders, 25 projects.

    Each scenario shocks each material with probability 0.3, from a random month for 6-18
    months, taking 10-60% of each region's monthly use; prices double during a shock.

    Examples
    --------
    >>> inputs = synthetic_inputs(3, n_months=12)
    >>> dict(inputs["baseline_shortfall"].sizes)
    {'scenario': 3, 'month': 12, 'region': 8, 'material': 15}
    """
    rng = np.random.default_rng(seed)
    materials = list(MATERIALS[:15])
    use = rng.uniform(10, 1_000, size=(len(REGIONS), len(materials)))
    start = rng.integers(0, n_months, size=(n_scenarios, len(materials)))
    length = rng.integers(6, 19, size=(n_scenarios, len(materials)))
    hit = rng.random((n_scenarios, len(materials))) < 0.3
    month = np.arange(n_months)[None, :, None]
    active = hit[:, None, :] & (month >= start[:, None, :]) & (month < (start + length)[:, None, :])
    depth = rng.uniform(0.1, 0.6, size=(n_scenarios, 1, 1, len(materials)))
    short = active[:, :, None, :] * depth * use[None, None, :, :]
    coords = {
        "scenario": np.arange(n_scenarios),
        "month": np.arange(n_months),
        "region": list(REGIONS),
        "material": materials,
    }
    base = xr.DataArray(short, dims=list(coords), coords=coords)
    price = xr.DataArray(
        rng.uniform(20, 150, len(materials))[None, None, :] * (1 + active),
        dims=("scenario", "month", "material"),
        coords={k: coords[k] for k in ("scenario", "month", "material")},
    )
    projects, instruments = _projects(rng, materials, n_projects)
    research = pd.DataFrame(
        {
            "programme": [f"R{i}" for i in range(5)],
            "cost_usd": rng.uniform(2e7, 1e8, 5),
            "p_success": rng.uniform(0.2, 0.6, 5),
            "lag_months": rng.integers(12, 36, 5),
            "material": rng.choice(materials, 5),
            "intensity_cut": rng.uniform(0.05, 0.3, 5),
        }
    )
    return {
        "baseline_shortfall": base,
        "scenario_weight": xr.full_like(base.scenario, 1.0 / n_scenarios, dtype=float),
        "price_path": price,
        "loss_per_tonne": xr.DataArray(
            rng.uniform(1e5, 2e6, use.shape),
            coords={"region": list(REGIONS), "material": materials},
            dims=("region", "material"),
        ),
        "options": Options(_stockpiles(rng, materials), projects, instruments, research),
    }
