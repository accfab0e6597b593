"""A two-country world small enough to solve by hand, and its scenario and projects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from critmin.outlook import read_scenario

FLAT = """
name = "flat"
first_year = 2025
last_year = 2035
[[growth]]
sector = "*"
rate = 0.0
first_year = 2025
last_year = 2035
source = "asm-outlook-default-growth"
"""


@pytest.fixture
def tiny() -> xr.Dataset:
    """Gallium refining: China makes 100 t, ships 50 to the USA; Australia makes nothing yet."""
    countries = ["AUS", "CHN", "USA"]
    production = xr.DataArray(
        np.array([0.0, 100.0, 0.0]).reshape(1, 1, 3, 1),
        dims=("material", "stage", "country", "year"),
        coords={"material": ["gallium"], "stage": ["refining"], "country": countries, "year": [2024]},
    )
    trade = xr.DataArray(
        np.array([50.0]).reshape(1, 1, 1, 1, 1),
        dims=("material", "stage", "exporter", "importer", "year"),
        coords={
            "material": ["gallium"],
            "stage": ["refining"],
            "exporter": ["CHN"],
            "importer": ["USA"],
            "year": [2024],
        },
    )
    demand = xr.DataArray(
        np.array([50.0, 50.0]).reshape(1, 2, 1, 1),
        dims=("material", "region", "sector", "year"),
        coords={"material": ["gallium"], "region": ["USA", "CHN"], "sector": ["all"], "year": [2024]},
    )
    return xr.Dataset({"production": production, "trade": trade, "demand": demand})


@pytest.fixture
def flat():
    return read_scenario(FLAT, "flat.toml")


def projects(rows: list[tuple[str, float, int, float, float, float]]) -> pd.DataFrame:
    """Projects in Australia serving the USA: (id, capacity, start, p_complete, p_backed, capex)."""
    return pd.DataFrame(
        {
            "project_id": [r[0] for r in rows],
            "name": [r[0] for r in rows],
            "country": "AUS",
            "material": "gallium",
            "stage": "refining",
            "capacity_t": [r[1] for r in rows],
            "start_year": [r[2] for r in rows],
            "p_complete": [r[3] for r in rows],
            "p_backed": [r[4] for r in rows],
            "delay_low": 0.0,
            "delay_mode": 0.0,
            "delay_high": 0.0,
            "serves": "USA",
            "capex_usd": [r[5] for r in rows],
            "source_id": "test",
            "p_source": "test",
        }
    )
