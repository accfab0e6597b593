"""critmin: critical-minerals supply security with sourced, labelled data.

Examples
--------
>>> import critmin
>>> ds = critmin.load()
>>> "production" in ds and "production_source" in ds
True
"""

from critmin.data import load, save
from critmin.errors import CritminError, DataError, InfeasibleError, Issue, ScenarioError
from critmin.model import accessor as _accessor  # noqa: F401  registers ds.critmin

__all__ = ["CritminError", "DataError", "InfeasibleError", "Issue", "ScenarioError", "load", "save"]
__version__ = "0.1.0"
