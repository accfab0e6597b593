"""Monthly bands across draws: equal to quantiles of the full trajectories, the same however
draws are batched, and written to one file that reads back equal."""

import numpy as np
import pytest
import xarray as xr

from critmin.report.results import final_shortfall
from critmin.shock import simulate_draws, write_results
from critmin.shock.bands import BANDED, QUANTILES
from critmin.shock.io import compact, is_trajectory
from critmin.shock.simulate import trajectory_nbytes
from critmin.vocabulary import stages_of

from .test_shock_engine import RELEASE, control_scenario

UNCERTAIN = (
    '\n[uncertain]\n"events[0].leakage" = {dist="uniform", low=0, high=0.3}\n'
    '"parameters.price_lag_months" = {dist="triangular", low=2, mode=3, high=4}\n'
)


@pytest.fixture(scope="module")
def scenario():
    extra = RELEASE.format(sub="true", coord="pro_rata_consumption") + UNCERTAIN
    return control_scenario(path="[0.0, 0.1]", extra=extra)


@pytest.fixture(scope="module")
def full(ree_network, scenario):
    return simulate_draws(ree_network, scenario, range(7), batch_size=7, trajectories=True)


def _last_stage(result, material):
    return [s for s in stages_of(material) if s in result.stage.values][-1]


def _per_draw(result: xr.Dataset, name: str) -> xr.DataArray:
    """The banded series recomputed from full trajectories, (draw, month, material[, market])."""
    if name == "shortfall":
        return final_shortfall(result).sum(["country", "sector"])
    parts = []
    for material in result.material.values:
        one = result[name].sel(material=material, stage=_last_stage(result, str(material))).drop_vars("stage")
        parts.append(one.sum("country") if "country" in one.dims else one)
    return xr.concat(parts, dim="material", coords="minimal", compat="override", join="exact")


@pytest.mark.parametrize("name", list(BANDED))
def test_bands_equal_numpy_quantiles_of_the_full_trajectories(full, name):
    per_draw = _per_draw(full, name)
    band = full[f"band_{name}"]
    others = [d for d in band.dims if d != "quantile"]
    values = per_draw.transpose("draw", *others).values
    np.testing.assert_allclose(band.values, np.quantile(values, QUANTILES, axis=0), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(full[f"mean_{name}"].values, values.mean(axis=0), rtol=1e-12, atol=1e-9)
    assert float(np.nanmax(band.values)) > 0  # a band of zeros would prove nothing


def test_the_share_of_draws_stopped_counts_the_stops_of_the_trajectories(full):
    stopped = full.stopped.any("material").transpose("draw", "month", "country", "sector").values
    np.testing.assert_array_equal(full.stopped_share.values, stopped.mean(axis=0))
    assert full.stopped_share.values.max() > 0


def test_cumulative_final_gap_is_the_final_gap_of_the_trajectories(full):
    expected = final_shortfall(full).sum("month").transpose(*full.cumulative_final_gap.dims)
    np.testing.assert_allclose(full.cumulative_final_gap.values, expected.values, rtol=1e-12, atol=1e-9)


def test_bands_are_bit_identical_across_one_two_and_three_blocks_of_draws(ree_network, scenario):
    runs = [simulate_draws(ree_network, scenario, range(7), batch_size=b, trajectories=False) for b in (7, 4, 3)]
    banded = [v for v in runs[0].data_vars if str(v).startswith(("band_", "mean_"))]
    assert len(banded) == 2 * len(BANDED)
    for other in runs[1:]:
        for name in [*banded, "stopped_share", "cumulative_final_gap", "cumulative_shortfall"]:
            np.testing.assert_array_equal(runs[0][name].values, other[name].values, err_msg=name)


def test_the_written_file_reads_back_equal_to_what_was_computed(ree_network, scenario, tmp_path):
    result = simulate_draws(ree_network, scenario, range(5), batch_size=2, trajectories=False)
    paths = write_results(result, tmp_path)
    assert [p.suffix for p in paths] == [".nc", ".csv", ".csv"]
    with xr.open_dataset(paths[0]) as back:
        xr.testing.assert_identical(back.load(), result)


def test_the_trajectory_size_estimate_is_the_size_of_the_trajectories(ree_network, scenario):
    out = simulate_draws(ree_network, scenario, range(3), trajectories=True)
    actual = sum(v.nbytes for v in out.data_vars.values() if is_trajectory(v))
    assert trajectory_nbytes(ree_network, scenario.horizon_months, 3) == actual
    assert "production" not in compact(out) and "band_price" in compact(out)


def test_a_run_without_bands_keeps_the_same_summary(ree_network, scenario):
    banded = simulate_draws(ree_network, scenario, range(3), trajectories=False)
    lean = simulate_draws(ree_network, scenario, range(3), trajectories=False, bands=False)
    assert not [
        v for v in lean.data_vars if str(v).startswith(("band_", "mean_", "stopped_share", "cumulative_final_gap"))
    ]
    for name in lean.data_vars:
        np.testing.assert_array_equal(lean[name].values, banded[name].values, err_msg=str(name))
