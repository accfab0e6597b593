"""Properties of the indicators on random inputs (hypothesis)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from critmin.exposure import (
    direct_dependence,
    exposure_any_stage,
    hhi,
    n_minus_1_coverage,
    sourcing_matrix,
    ultimate_dependence,
)

FAST = settings(max_examples=60, deadline=None, database=None)  # no example database written
amount = st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
amount_lists = st.lists(amount, min_size=1, max_size=30).filter(lambda xs: sum(xs) > 0)


def along_country(values: list[float] | np.ndarray) -> xr.DataArray:
    return xr.DataArray(np.asarray(values, dtype=float), dims="country")


@FAST
@given(amount_lists)
def test_hhi_lies_between_even_split_and_monopoly(amounts):
    h = float(hhi(along_country(amounts)))
    assert 1 / len(amounts) - 1e-9 <= h <= 1 + 1e-9


@FAST
@given(amount_lists.filter(lambda xs: len(xs) >= 2), st.data())
def test_merging_two_suppliers_never_lowers_hhi(amounts, data):
    i, j = data.draw(st.lists(st.integers(0, len(amounts) - 1), min_size=2, max_size=2, unique=True))
    merged = [x for n, x in enumerate(amounts) if n not in (i, j)] + [amounts[i] + amounts[j]]
    assert float(hhi(along_country(merged))) >= float(hhi(along_country(amounts))) - 1e-12


@FAST
@given(amount_lists, st.floats(1e-3, 1e7), st.data())
def test_removing_a_supplier_never_raises_n_minus_1_cover(amounts, demand, data):
    drop = data.draw(st.integers(0, len(amounts) - 1))
    fewer = [x for n, x in enumerate(amounts) if n != drop] or [0.0]
    before = float(n_minus_1_coverage(along_country(amounts), demand))
    after = float(n_minus_1_coverage(along_country(fewer), demand))
    assert after <= before + 1e-9 * max(1.0, before)


@st.composite
def chains(draw: st.DrawFn) -> list[xr.DataArray]:
    """1-4 row-stochastic matrices over 2-5 countries, with some exact zeros."""
    n = draw(st.integers(2, 5))
    stages = draw(st.integers(1, 4))
    labels = [f"C{i}" for i in range(n)]
    out = []
    for _ in range(stages):
        raw = draw(arrays(float, (n, n), elements=st.sampled_from([0.0, 0.0, 0.1, 0.25, 0.5, 1.0, 3.0])))
        raw[raw.sum(axis=1) == 0] = np.eye(n)[raw.sum(axis=1) == 0]
        rows = raw / raw.sum(axis=1, keepdims=True)
        out.append(xr.DataArray(rows, dims=("importer", "exporter"), coords={"importer": labels, "exporter": labels}))
    return out


def exposure_by_loops(matrices: list[xr.DataArray], k: int) -> np.ndarray:
    """Independent reference by explicit loops: F_s[a] = sum over c != k of M_s[a, c] F_{s-1}[c]."""
    first = matrices[0].values
    n = first.shape[0]
    free = [sum(first[a, c] for c in range(n) if c != k) for a in range(n)]
    for m in matrices[1:]:
        free = [sum(m.values[a, c] * free[c] for c in range(n) if c != k) for a in range(n)]
    return 1 - np.array(free)


@FAST
@given(chains())
def test_exposure_matches_an_independent_loop(matrices):
    e = exposure_any_stage(matrices)
    for k in range(len(e["origin"])):
        np.testing.assert_allclose(e.isel(origin=k).values, exposure_by_loops(matrices, k), atol=1e-12)


@FAST
@given(chains())
def test_dependence_rows_sum_to_one_and_bounds_hold(matrices):
    origin = ultimate_dependence(matrices)
    exposure = exposure_any_stage(matrices)
    direct = direct_dependence(matrices[-1])
    np.testing.assert_allclose(origin.sum("origin").values, 1.0, atol=1e-12)
    assert float(origin.min()) >= -1e-12
    assert float(exposure.min()) >= -1e-12
    assert float(exposure.max()) <= 1 + 1e-12
    # passing through k at any stage includes coming from k upstream and being shipped by k last
    assert bool((exposure >= origin - 1e-12).all())
    assert bool((exposure >= direct - 1e-12).all())


@FAST
@given(
    arrays(float, (4,), elements=st.floats(0, 100)),
    arrays(float, (4, 4), elements=st.sampled_from([np.nan, 0.0, 1.0, 5.0, 20.0])),
)
def test_sourcing_matrix_rows_sum_to_one_where_supply_is_positive(production, trade):
    labels = ["A", "B", "C", "D"]
    m = sourcing_matrix(
        xr.DataArray(production, dims="country", coords={"country": labels}),
        xr.DataArray(trade, dims=("exporter", "importer"), coords={"exporter": labels, "importer": labels}),
    )
    sums = m.sum("exporter", skipna=False)
    known = sums.notnull()
    np.testing.assert_allclose(sums.where(known, drop=True).values, 1.0, atol=1e-12)
    if production.sum() > 0:
        assert bool(known.where(m["assumed"], True).all())  # assumed rows are world shares, known
