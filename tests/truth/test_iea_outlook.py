"""critmin's outlook beside the IEA's published 2030/2035 concentration (tests/truth/iea_outlook.csv).

Each IEA figure has a band written from the IEA's number alone (+-0.07 for China's share, +-0.04
for top-3 shares, 0.88-1.00 for "over 90%"). The outlook's module was run during development
before this table was written, so the bands are not blind; no parameter was changed after the
comparison, and the table records the difference rather than asserting that critmin falls in
the band. The test keeps the record honest: critmin's recorded median must be what the outlook
computes now (200 draws; tolerance 0.01), so a change in the model shows up here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from critmin.data import load
from critmin.outlook import load_scenario
from critmin.outlook.run import run_outlook

TABLE = Path(__file__).with_name("iea_outlook.csv")
COMPARED = {
    ("rare_earths", "separation"): "ndpr/separation",
    ("rare_earths", "mining"): "rare_earths/mining",
    ("graphite_anode", "refining"): "graphite_anode/refining",
    ("lithium", "refining"): "lithium/refining",
}
AVERAGED = ["lithium/refining", "nickel/refining", "cobalt/refining", "graphite_anode/refining", "ndpr/separation"]


@pytest.mark.slow
def test_recorded_critmin_figures_are_current():
    table = pd.read_csv(TABLE)
    result = run_outlook(load(), load_scenario("steps"), draws=200, seed=0).sel(quantile=0.5)
    for row in table.itertuples():
        if row.measure == "top3_share_average":
            value = float(result["top3_share"].sel(step=AVERAGED, year=row.year).mean())
        else:
            value = float(result[row.measure].sel(step=COMPARED[(row.material, row.stage)], year=row.year))
        assert value == pytest.approx(row.critmin_p50, abs=0.01), (row.material, row.stage, row.measure)
        assert row.difference == pytest.approx(row.critmin_p50 - row.iea_value, abs=1e-9)
        assert row.band_low <= row.iea_value <= row.band_high
