"""Monthly shock simulator: export controls, outages and demand surges, with Monte Carlo.

Public API: :func:`run`, :func:`write_results`, :func:`simulate_draws`, :func:`build_network`,
:func:`mass_residual`, :func:`summarise` and the parameter table :data:`PARAMETERS`.
"""

from critmin.shock.balance import mass_residual
from critmin.shock.io import run, write_results
from critmin.shock.montecarlo import simulate_draws
from critmin.shock.network import Network, build_network
from critmin.shock.parameters import PARAMETERS, parameter_table
from critmin.shock.simulate import simulate
from critmin.shock.summary import summarise

__all__ = [
    "PARAMETERS",
    "Network",
    "build_network",
    "mass_residual",
    "parameter_table",
    "run",
    "simulate",
    "simulate_draws",
    "summarise",
    "write_results",
]
