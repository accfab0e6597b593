"""Backtests of the shock simulator against past episodes, on the packaged dataset."""

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "backtest: a past episode reproduced within a stated band")


@pytest.fixture(scope="session")
def packaged():
    try:
        from critmin.data import load
    except ImportError as err:
        pytest.skip(f"critmin.data.load is not importable yet ({err}); backtests need the dataset")
    try:
        return load()
    except Exception as err:  # the packaged CSVs may not exist yet
        pytest.skip(f"the packaged dataset could not be loaded ({type(err).__name__}: {err})")
