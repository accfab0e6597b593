"""User tables that are not part of the data model, such as an indicator's inputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from critmin.data.read import ROW_COLUMN, read_table
from critmin.data.validate import validate_plain_table
from critmin.errors import DataError

EU_SR_NUMBERS = {
    "hhi_gs": (0.0, 10.0),
    "hhi_eu": (0.0, 10.0),
    "import_reliance": (0.0, 1.0),
    "eol_rir": (0.0, 1.0),
    "si_sr": (0.0, 1.0),
    "ei": (0.0, 10.0),
}
"""Columns of the EU supply-risk input table and their bounds (HHI on the EU's 0-10 scale)."""


def read_eu_sr_inputs(path: str | Path) -> pd.DataFrame:
    """Read and validate an EU supply-risk input CSV; numbers come back as floats.

    One row per material: ``material, hhi_gs, hhi_eu, import_reliance, eol_rir, si_sr`` and an
    optional ``ei``. Raises DataError listing every problem (file, row, field, fix).
    """
    label = str(path)
    table, issues = read_table(Path(path), label, missing_fix="check the path given to --inputs")
    if table is not None:
        issues += validate_plain_table(
            table, label, text=("material",), numbers=EU_SR_NUMBERS, optional=("ei",), key=("material",)
        )
    if issues:
        raise DataError(issues)
    assert table is not None
    out = table.drop(columns=[ROW_COLUMN])
    for column in EU_SR_NUMBERS:
        if column in out:
            out[column] = pd.to_numeric(out[column].replace("", float("nan")))
    return out
