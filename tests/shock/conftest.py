"""Small synthetic networks with the dataset's variable names and dims."""

import pytest

from critmin.shock.network import Network, build_network
from critmin.shock.synthetic import synthetic_dataset


@pytest.fixture(scope="session")
def ree_network() -> Network:
    return build_network(synthetic_dataset(countries=5, materials=["rare_earths", "ndpr", "dysprosium", "ndfeb"]))


@pytest.fixture(scope="session")
def gallium_network() -> Network:
    return build_network(synthetic_dataset(countries=4, materials=["gallium", "germanium"]))
