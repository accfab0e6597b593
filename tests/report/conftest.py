"""Fixtures of the report tests: a small rare-earth chain package and result-shaped Datasets.

The shock Dataset below has the *shape* the simulator returns (dims and variable names of
critmin.report.results; its numbers are arbitrary test input); the response is a real optimiser
result on the optimiser's own hand-solvable instance.
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


def response_tiny() -> dict[str, xr.Dataset]:
    """A real optimiser result and frontier on the optimiser's hand-solvable instance.

    JOGMEC buys 10 t of NdPr for USD 1.025 m at a USD 1.5 m budget: expected loss USD 5 m
    against USD 10 m doing nothing (critmin.optimise.testing.tiny_inputs).
    """
    from critmin.optimise import frontier, optimise
    from critmin.optimise.testing import tiny_inputs

    result = optimise(**tiny_inputs(), budget=1.5e6, marginal="none")
    front = frontier(**tiny_inputs(), budgets=[0.0, 512_500.0, 1.5e6])
    return {"portfolio": result, "frontier": front}


@pytest.fixture(scope="session")
def shock() -> xr.Dataset:
    return shock_like()


@pytest.fixture(scope="session")
def response() -> dict[str, xr.Dataset]:
    return response_tiny()
