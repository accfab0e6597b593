"""Properties of the outlook on the packaged data: agreement with the exposure code, shares,
monotonicity in completed projects, and draws that do not depend on how they are split."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from critmin.data import load
from critmin.exposure.dependence import chain_path
from critmin.exposure.summary import dependence_table
from critmin.outlook import load_scenario
from critmin.outlook import run as run_module
from critmin.outlook.network import DOMINANT, exposure_any_stage, project_rows, projected_step, step_base
from critmin.outlook.projects import project_table
from critmin.outlook.run import _labels, run_outlook
from critmin.vocabulary import ALLIES


@pytest.fixture(scope="module")
def data() -> xr.Dataset:
    return load()


@pytest.mark.parametrize("target", [("ndfeb", "magnet"), ("graphite_anode", "refining"), ("gallium", "metal")])
def test_base_year_exposure_equals_the_exposure_code(data, target):
    table = project_table()
    labels = _labels(data, table)
    path = chain_path(data["chain"], *target)
    matrices = []
    for step in path:
        base = step_base(data, *step, 2024, labels)
        rows = project_rows(table, *step).iloc[:0]
        _, matrix = projected_step(
            base, np.ones((1, len(labels))), np.ones((1, len(labels))), rows, np.zeros((1, 0, 1))
        )
        matrices.append(matrix[0, 0])
    ours = exposure_any_stage(matrices, [labels.index(DOMINANT)])[:, 0]
    theirs = dependence_table(data, 2024, [target])
    theirs = theirs.loc[(theirs.material + "/" + theirs.stage == "/".join(target)) & (theirs.origin == DOMINANT)]
    for importer, value in zip(theirs.importer, theirs.ultimate, strict=True):
        assert ours[labels.index(importer)] == pytest.approx(value, abs=1e-12), importer
        direct = float(theirs.loc[theirs.importer == importer, "direct"].iloc[0])
        assert matrices[-1][labels.index(importer), labels.index(DOMINANT)] == pytest.approx(direct, abs=1e-12)


def test_rows_and_world_shares_sum_to_one(data):
    table = project_table()
    labels = _labels(data, table)
    base = step_base(data, "ndfeb", "magnet", 2024, labels)
    rows = project_rows(table, "ndfeb", "magnet")
    output = np.random.default_rng(0).uniform(0, 5000, (4, len(rows), 3))
    made, matrix = projected_step(base, np.full((3, len(labels)), 1.2), np.ones((3, len(labels))), rows, output)
    sums = np.nansum(matrix, -1)
    known = ~np.isnan(matrix).any(-1)
    np.testing.assert_allclose(sums[known], 1.0, atol=1e-12)
    np.testing.assert_allclose((made / made.sum(-1, keepdims=True)).sum(-1), 1.0)


def test_more_completed_projects_never_raise_china_concentration(data):
    table = project_table()
    labels = _labels(data, table)
    china = labels.index(DOMINANT)
    allies = [labels.index(a) for a in ALLIES]
    rng = np.random.default_rng(7)
    for step in [("ndfeb", "magnet"), ("ndpr", "separation"), ("graphite_anode", "refining"), ("gallium", "refining")]:
        base = step_base(data, *step, 2024, labels)
        rows = project_rows(table, *step)
        fewer = rng.uniform(0, 3000, (50, len(rows), 2)) * (rng.random((50, len(rows), 1)) < 0.5)
        more = fewer + rng.uniform(0, 3000, fewer.shape) * (rng.random((50, len(rows), 1)) < 0.5)
        growth, incumbent = np.ones((2, len(labels))), np.ones((2, len(labels)))
        made_a, m_a = projected_step(base, growth, incumbent, rows, fewer)
        made_b, m_b = projected_step(base, growth, incumbent, rows, more)
        share_a = made_a[..., china] / made_a.sum(-1)
        share_b = made_b[..., china] / made_b.sum(-1)
        assert bool((share_b <= share_a + 1e-12).all()), step
        a, b = m_a[..., allies, china], m_b[..., allies, china]
        assert bool((np.nan_to_num(b) <= np.nan_to_num(a) + 1e-12).all()), step


def test_bit_identical_however_the_draws_are_split(data, monkeypatch):
    scenario = load_scenario("steps")
    targets = [("ndfeb", "magnet"), ("gallium", "refining")]
    whole = run_outlook(data, scenario, to=2030, draw_ids=range(6), targets=targets, per_draw=True)
    monkeypatch.setattr(run_module, "CHUNK", 4)
    chunked = run_outlook(data, scenario, to=2030, draw_ids=range(6), targets=targets, per_draw=True)
    parts = [
        run_outlook(data, scenario, to=2030, draw_ids=ids, targets=targets, per_draw=True)
        for ids in ([0, 1], [2, 3, 4, 5])
    ]
    joined = xr.concat(parts, dim="draw")
    for other in (chunked, joined):
        for name in whole.data_vars:
            np.testing.assert_array_equal(whole[name].values, other[name].values)
    assert not bool(whole["direct_china"].sel(importer="USA", target="ndfeb/magnet", year=2030).std() == 0)
