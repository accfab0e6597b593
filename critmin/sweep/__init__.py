"""Scenario sweeps on Dask: grid x policies x Monte Carlo draws, resumable and reproducible."""

from critmin.sweep.run import run_sweep
from critmin.sweep.spec import Sweep, load_sweep
from critmin.sweep.summary import SweepSummary, summarise_sweep

__all__ = ["Sweep", "SweepSummary", "load_sweep", "run_sweep", "summarise_sweep"]
