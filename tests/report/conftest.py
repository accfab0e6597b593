"""Fixtures of the report tests: a small rare-earth chain package and result-shaped Datasets.

The shock and response Datasets below have the *shape* the simulator and the optimiser return
(dims and variable names of critmin.report.results); their numbers are arbitrary test input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import critmin

CHAIN_PACKAGE = Path(__file__).parent / "data" / "re_chain"


@pytest.fixture(scope="session")
def chain_ds() -> xr.Dataset:
    return critmin.load(CHAIN_PACKAGE)


def shock_like(draws: int = 20, months: int = 12, seed: int = 7) -> xr.Dataset:
    """A Dataset shaped like critmin.shock.run output (arbitrary numbers)."""
    rng = np.random.default_rng(seed)
    coords = {
        "draw": np.arange(draws),
        "month": pd.date_range("2025-01-01", periods=months, freq="MS").values,
        "material": ["ndfeb", "gallium"],
        "country": ["JPN", "USA"],
        "sector": ["automotive", "defence"],
    }
    shape = tuple(len(v) for v in coords.values())
    ramp = np.clip(np.arange(months) - 2, 0, None)[None, :, None, None, None]
    shortfall = ramp * rng.uniform(5, 15, shape)
    inventory = 500 - np.cumsum(shortfall, axis=1)
    downtime = (shortfall > 60).astype(float)
    price = 100 + 8 * ramp[..., 0, 0] * rng.uniform(0.5, 1.5, shape[:3])
    return xr.Dataset(
        {
            "shortfall": (tuple(coords), shortfall, {"units": "t"}),
            "inventory": (tuple(coords), inventory, {"units": "t"}),
            "downtime": (tuple(coords), downtime),
            "price": (("draw", "month", "material"), price, {"units": "USD/kg"}),
        },
        coords=coords,
        attrs={"scenario": "test-control", "seed": seed},
    )


def response_like() -> xr.Dataset:
    """A Dataset shaped like critmin.optimise output (arbitrary numbers)."""
    budgets = [0.0, 1e8, 2e8, 4e8]
    options = ["stockpile_ndfeb", "price_floor_ndpr", "offtake_gallium"]
    spend = np.array([[0, 0, 0], [6e7, 4e7, 0], [1e8, 6e7, 4e7], [2e8, 1.2e8, 8e7]])
    return xr.Dataset(
        {
            "shortfall": ("budget", [900.0, 600.0, 420.0, 350.0], {"units": "t"}),
            "portfolio": (("budget", "option"), spend, {"units": "USD"}),
        },
        coords={"budget": budgets, "option": options},
        attrs={"recommended_budget": 2e8},
    )


@pytest.fixture(scope="session")
def shock() -> xr.Dataset:
    return shock_like()


@pytest.fixture(scope="session")
def response() -> xr.Dataset:
    return response_like()
