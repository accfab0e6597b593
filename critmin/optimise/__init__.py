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
from critmin.optimise.options import Options, validate_options
from critmin.optimise.prepare import Settings
from critmin.optimise.results import cvar, months_of_cover, tables, write_results

__all__ = [
    "Options",
    "Settings",
    "burden_shares",
    "burden_table",
    "cvar",
    "frontier",
    "model_data",
    "months_of_cover",
    "optimise",
    "tables",
    "validate_options",
    "write_results",
]
