"""Hand-built inputs for the optimiser tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from critmin.optimise import Options


def floor_inputs(loss_usd_per_t: float = 10_000.0) -> dict[str, Any]:
    """One NdPr project in the USA with a price floor or a grant; two scenarios, 12 months.

    calm (weight 0.5): price 100 USD/kg, nothing short; embargo (0.5): 130 USD/kg, 10 t/month
    short. MP10X: 120 t/year, no lead time, p_complete 0.5, so 5 t/month expected.
    """
    scenario = pd.Index(["calm", "embargo"], name="scenario")
    month = pd.Index(np.arange(12), name="month")
    base = xr.DataArray(
        np.array([[0.0] * 12, [10.0] * 12]).reshape(2, 12, 1, 1),
        coords=[scenario, month, pd.Index(["USA"], name="region"), pd.Index(["ndpr"], name="material")],
    )
    price = xr.DataArray(
        np.array([[100.0] * 12, [130.0] * 12]).reshape(2, 12, 1), coords=[scenario, month, base.indexes["material"]]
    )
    projects = pd.DataFrame(
        {
            "project_id": ["MP10X"],
            "country": ["USA"],
            "material": ["ndpr"],
            "stage": ["separation"],
            "capacity_t_per_year": [120.0],
            "capex_usd": [1e6],
            "opex_usd_per_t": [30_000.0],
            "lead_time_months": [0],
            "p_complete": [0.5],
            "serves": ["USA"],
        }
    )
    instruments = pd.DataFrame(
        {
            "project_id": ["MP10X", "MP10X"],
            "instrument": ["price_floor", "grant"],
            "amount_usd": [np.nan, 200_000.0],
            "floor_usd_per_kg": [110.0, np.nan],
            "upside_share": [0.3, np.nan],
            "tenor_years": [1.0, np.nan],
        }
    )
    return {
        "baseline_shortfall": base,
        "scenario_weight": xr.DataArray([0.5, 0.5], coords=[scenario]),
        "price_path": price,
        "loss_per_tonne": xr.DataArray([[loss_usd_per_t]], coords=[base.indexes["region"], base.indexes["material"]]),
        "options": Options(projects=projects, instruments=instruments),
    }


@pytest.fixture
def floor_case() -> dict[str, Any]:
    return floor_inputs()


@pytest.fixture
def make_floor_case() -> Any:
    return floor_inputs
