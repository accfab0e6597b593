"""A sweep's summary answers its question: the loss at each grid point, in USD for people."""

from __future__ import annotations

import re

import numpy as np
import xarray as xr

from critmin.sweep.summary import summarise_sweep


def plant_sweep(draws: int = 2, japan: float = 0.1) -> xr.Dataset:
    """Two sizes x two online months x one policy; US loss falls with an early, big plant; Japan's is
    `japan` times the US's."""
    sizes, online = [1000.0, 10000.0], [3.0, 12.0]
    loss = {(0, 0): 24.0e9, (0, 1): 24.4e9, (1, 0): 23.4e9, (1, 1): 24.3e9}
    cases = [(i, j) for i in range(2) for j in range(2)]
    usa = np.repeat([loss[c] for c in cases], draws) * np.tile(np.linspace(0.9, 1.1, draws), 4)
    return xr.Dataset(
        {"loss_usd": (("scenario", "country"), np.stack([usa, usa * japan], axis=1))},
        coords={
            "scenario": np.arange(4 * draws),
            "country": ["USA", "JPN"],
            "case": np.arange(4),
            "scenario_case": ("scenario", np.repeat(np.arange(4), draws)),
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


def test_quantiles_state_their_draws_and_are_not_shown_from_too_few():
    few, many = summarise_sweep(plant_sweep(draws=2)).text(), summarise_sweep(plant_sweep(draws=10)).text()
    assert (
        "Loss of each ally by policy (USD over the horizon, over grid points x draws; "
        "q05-q95: 5-95% range not estimated: 8 draws, fewer than 20):\n"
        "  policy ally         mean          q50\n"
        "pro_rata  USA USD 24.02 bn USD 23.85 bn\n"
    ) in few
    assert "q05-q95: 5-95% of 40 draws):" in many
    assert "Tail (top 5% total ally loss, from 8 draws, worst 5% = 1 draw: rough) by factor value" in few
    assert "  policy ally         mean          q05          q50          q95\n" in many


def test_every_usd_figure_of_a_table_is_in_one_unit():
    # Japan's loss is a millionth of the US's: before, USD 24,030 stood beside USD 24.03 bn
    text = summarise_sweep(plant_sweep(japan=1e-4)).text()
    assert "pro_rata  JPN < USD 0.01 bn < USD 0.01 bn" in text
    tables = [t for t in text.split("\n\n") if "USD" in t]
    assert len(tables) == 3
    for table in tables:
        assert set(re.findall(r"USD [\d,.]+( bn| m|)", table)) == {" bn"}, table


def test_constant_loss_has_no_rank_table() -> None:
    # A sweep whose loss never varies (every case loses nothing) gets no correlation rows and no
    # warning, instead of a ConstantInputWarning and a spurious 0.0 per factor.
    import numpy as np

    from critmin.sweep.summary import _rank_table

    table = _rank_table(np.zeros(8), {"leakage": np.linspace(0.0, 0.3, 8)})
    assert table.empty and list(table.columns) == ["factor", "spearman"]
