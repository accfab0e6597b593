"""Response optimiser: the stockpile, project and research portfolio with most resilience per USD.

A two-stage stochastic program (see :mod:`critmin.optimise.portfolio` for its equations) built
with linopy from the simulator's labelled arrays and solved by HiGHS.

Examples
--------
>>> from critmin.optimise import optimise
>>> from critmin.optimise.testing import tiny_inputs
>>> float(optimise(**tiny_inputs(), budget=0.0).expected_loss_usd)
10000000.0
"""

from critmin.optimise.api import frontier, model_data, optimise
from critmin.optimise.burden import burden_shares, burden_table
from critmin.optimise.inputs import (
    baseline_from_shock,
    loss_per_tonne_from_dataset,
    options_from_dataset,
)
from critmin.optimise.options import Options, validate_options
from critmin.optimise.pipeline import (
    backed_projects,
    frontier_from_scenarios,
    optimise_from_scenarios,
    resimulate,
    run_optimise_command,
)
from critmin.optimise.prepare import Settings
from critmin.optimise.results import cvar, months_of_cover, tables, write_results

__all__ = [
    "Options",
    "Settings",
    "backed_projects",
    "baseline_from_shock",
    "burden_shares",
    "burden_table",
    "cvar",
    "frontier",
    "frontier_from_scenarios",
    "loss_per_tonne_from_dataset",
    "model_data",
    "months_of_cover",
    "optimise",
    "optimise_from_scenarios",
    "options_from_dataset",
    "resimulate",
    "run_optimise_command",
    "tables",
    "validate_options",
    "write_results",
]
