"""A sweep's summary answers its question: the loss at each grid point, in USD for people."""

from __future__ import annotations

import numpy as np
import xarray as xr

from critmin.sweep.summary import summarise_sweep


def plant_sweep() -> xr.Dataset:
    """Two sizes x two online months x one policy, two draws each; US loss falls with an early, big plant."""
    sizes, online = [1000.0, 10000.0], [3.0, 12.0]
    loss = {(0, 0): 24.0e9, (0, 1): 24.4e9, (1, 0): 23.4e9, (1, 1): 24.3e9}
    cases = [(i, j) for i in range(2) for j in range(2)]
    usa = np.repeat([loss[c] for c in cases], 2)
    return xr.Dataset(
        {"loss_usd": (("scenario", "country"), np.stack([usa, usa / 10], axis=1))},
        coords={
            "scenario": np.arange(8),
            "country": ["USA", "JPN"],
            "case": np.arange(4),
            "scenario_case": ("scenario", np.repeat(np.arange(4), 2)),
            "case_policy": ("case", ["pro_rata"] * 4),
            "grid_events_1_tonnes_per_year": ("case", [sizes[i] for i, _ in cases]),
            "grid_events_1_online": ("case", [online[j] for _, j in cases]),
        },
        attrs={"allies": "USA,JPN", "loss_basis": "test"},
    )


def test_summary_tabulates_loss_over_the_grid_in_usd():
    summary = summarise_sweep(plant_sweep())
    table = summary.by_grid
    assert table.columns.tolist() == ["events_1_tonnes_per_year", "events_1_online", "policy", "USA", "JPN", "total"]
    early_big = table[(table.events_1_tonnes_per_year == 10000) & (table.events_1_online == 3)]
    assert float(early_big.USA.iloc[0]) == 23.4e9
    text = summary.text()
    assert text.startswith("Expected loss by grid point and policy (USD over the horizon, mean over draws):")
    assert "10000                3 pro_rata USD 23.40 bn" in text
    assert "e+" not in text


def test_constant_loss_has_no_rank_table() -> None:
    # A sweep whose loss never varies (every case loses nothing) gets no correlation rows and no
    # warning, instead of a ConstantInputWarning and a spurious 0.0 per factor.
    import numpy as np

    from critmin.sweep.summary import _rank_table

    table = _rank_table(np.zeros(8), {"leakage": np.linspace(0.0, 0.3, 8)})
    assert table.empty and list(table.columns) == ["factor", "spearman"]
