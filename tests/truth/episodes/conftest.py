"""Fixtures of the episode backtests: the packaged dataset, and a small calibration grid."""

import pytest

from critmin.shock.calibrate import Spec, run_backtest


@pytest.fixture(scope="session")
def packaged():
    from critmin.data import load

    return load()


@pytest.fixture(scope="session")
def small_spec():
    # 2 keys x 2 points + the uncalibrated row: 5 draws per episode, a few seconds each.
    return Spec(("processing_days_median", "leakage"), 2)


@pytest.fixture(scope="session")
def small_result(packaged, small_spec):
    """Every episode run once over the small grid."""
    return run_backtest(packaged, spec=small_spec)
