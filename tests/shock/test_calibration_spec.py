"""The calibration spec: points per key, and every problem in it reported at once."""

import numpy as np
import pytest

from critmin.errors import ScenarioError
from critmin.shock.calibrate import load_spec, make_grid
from critmin.shock.parameters import PARAMETERS, resolve_parameters


def test_points_by_key_sets_a_key_s_grid_and_the_rest_keep_points(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'points = 3\nkeys = ["approval_probability", "leakage"]\n[points_by_key]\napproval_probability = 5\n'
    )
    grid = make_grid(load_spec(spec), resolve_parameters(None)[0])
    approval, leakage = grid["parameters.approval_probability"], grid["parameters.leakage"]
    assert len(approval) == 1 + 5 * 3
    low, high = PARAMETERS["approval_probability"].low, PARAMETERS["approval_probability"].high
    np.testing.assert_allclose(np.unique(approval[1:]), np.linspace(low, high, 5))
    assert np.unique(leakage[1:]).size == 3


def test_the_declared_grid_reaches_slow_queues_and_low_approval():
    grid = make_grid(load_spec(), resolve_parameters(None)[0])
    assert grid["parameters.processing_days_median"].max() >= 90.0
    assert grid["parameters.approval_probability"].min() <= 0.2
    assert len(grid["parameters.leakage"]) <= 250


def test_bad_points_by_key_are_all_reported_at_once(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text('points = 3\nkeys = ["leakage"]\n[points_by_key]\nleakage = 9\nrebuild_months = 2\n')
    with pytest.raises(ScenarioError) as err:
        load_spec(spec)
    text = str(err.value)
    assert "spec.toml, field 'points_by_key.leakage': 9 is not an integer in 2..5. Fix: write leakage = 3" in text
    assert (
        "spec.toml, field 'points_by_key.rebuild_months': is not one of the keys fitted. Fix: list "
        "'rebuild_months' in keys, or remove it from [points_by_key]"
    ) in text
