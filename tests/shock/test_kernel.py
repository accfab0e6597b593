"""The fused month-step kernel against the numpy step it must reproduce.

Few draws and months keep this file fast; the kernel compiles at the first test that runs it
(cached on disk afterwards), so the suite itself checks that it compiles from a clean checkout.
"""

import logging
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import critmin.data
from critmin.scenarios import load_scenario
from critmin.shock.backtest import load_episodes
from critmin.shock.balance import mass_residual
from critmin.shock.context import build_context
from critmin.shock.events import batch_parameters, compile_events, draw_values, month_drivers
from critmin.shock.expectations import expected_multiplier
from critmin.shock.io import baseline_year
from critmin.shock.kernel import FusedStep
from critmin.shock.network import Network, build_network
from critmin.shock.simulate import month_step, run_batch, simulate
from critmin.shock.step import initial_state

LIBRARY = sorted(p.stem for p in (Path(critmin.__file__).parent / "scenarios" / "library").glob("*.toml"))
EPISODES = ("drc_cobalt_2025", "indonesia_nickel_2020")
MONTHS = 14
"""Months simulated per scenario: past the start of every library scenario's events."""


@pytest.fixture(scope="module")
def dataset():
    return critmin.data.load()


def _network(ds, scenario) -> Network:
    return build_network(ds, year=baseline_year(ds, scenario))


def _assert_same(fused: dict, reference: dict) -> None:
    assert fused.keys() == reference.keys()
    for name, ref in reference.items():
        got = fused[name]
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12, err_msg=name)


def _batch(net: Network, scenario, draws: int):
    values = draw_values(scenario, range(draws))
    params = batch_parameters(net.parameters, scenario, values, draws)
    return build_context(net, scenario, params), compile_events(scenario, net, params, values, draws), params


def _months(net: Network, scenario, draws: int, months: int, engine: str = "fused", **split) -> list[dict]:
    """Every month's outputs of the step, all variables (internal ones included)."""
    ctx, events, params = _batch(net, scenario, draws)
    advance = FusedStep(ctx, events, **split) if split else month_step(ctx, events, engine)  # type: ignore[arg-type]
    state, out = initial_state(ctx), []
    for t in range(months):
        outlook = expected_multiplier(events, t, params["price_outlook_months"])
        state, d = advance(state, month_drivers(events, t), outlook)
        out.append({k: v.copy() for k, v in d.items()})  # the fused step reuses its arrays
    return out


def _compare(ds, scenario) -> None:
    net = _network(ds, scenario)
    months = min(MONTHS, scenario.horizon_months)
    pairs = zip(_months(net, scenario, 2, months), _months(net, scenario, 2, months, "numpy"), strict=True)
    for fused, reference in pairs:
        # firm classes of sectors without final demand are not advanced by the kernel (nothing reads them)
        used = reference["final_need"] > 0
        fused["firm_stock"], reference["firm_stock"] = fused["firm_stock"][used], reference["firm_stock"][used]
        _assert_same({k: fused[k] for k in reference}, reference)


@pytest.mark.parametrize("name", LIBRARY)
def test_fused_equals_numpy_on_library_scenario(dataset, name):
    _compare(dataset, load_scenario(name))


@pytest.mark.parametrize("name", EPISODES)
def test_fused_equals_numpy_on_episode(dataset, name):
    episode = next(e for e in load_episodes() if e.name == name)
    _compare(dataset, episode.scenario)


def test_batch_results_are_the_same_with_either_engine(dataset):
    """Trajectories, monthly series, summaries and parameters of a whole batch."""
    scenario = replace(load_scenario("japan_ree_magnet_halt_6m"), horizon_months=9)
    net = _network(dataset, scenario)
    _assert_same(run_batch(net, scenario, [0, 1], engine="fused"), run_batch(net, scenario, [0, 1], engine="numpy"))


def test_bit_identical_however_draws_are_split(dataset):
    scenario = load_scenario("heavy_ree_licensing_2025")
    net = _network(dataset, scenario)
    splits = ((1, 1), (1, 2), (2, 4), (2, 2))
    runs = [_months(net, scenario, 5, 6, threads=threads, blocks=blocks) for threads, blocks in splits]
    for other in runs[1:]:
        for month, reference in zip(other, runs[0], strict=True):
            for name, values in reference.items():
                assert np.array_equal(month[name], values), name


def test_a_draw_is_the_same_alone_or_with_others(dataset):
    scenario = replace(load_scenario("japan_ree_magnet_halt_6m"), horizon_months=8)
    net = _network(dataset, scenario)
    together = run_batch(net, scenario, [0, 1, 2], engine="fused", threads=2)
    alone = run_batch(net, scenario, [2], engine="fused", threads=1)
    for name in ("production", "shortfall", "price_ratio", "stopped", "summary_peak_price"):
        assert np.array_equal(together[name][2:], alone[name]), name


@pytest.mark.parametrize("engine", ["fused", "numpy"])
def test_mass_is_conserved_with_either_engine(dataset, engine):
    # Redirected supply from a supplier short of inputs: what it sends, not what it planned, leaves it.
    scenario = replace(load_scenario("heavy_ree_licensing_2025"), horizon_months=10)
    residual = mass_residual(simulate(_network(dataset, scenario), scenario, draws=[0, 1], engine=engine))
    for name in ("user", "producer", "stockpile", "producer_stock"):
        assert float(abs(residual[name]).max()) < 1e-6, name


def _context(net: Network, scenario):
    return _batch(net, scenario, 1)[:2]


def test_unsupported_network_falls_back_to_numpy_with_a_log_line(gallium_network, caplog):
    order = np.arange(len(gallium_network.edge_item))[::-1]
    edges = ("edge_item", "edge_supplier", "edge_buyer", "edge_share")
    shuffled = replace(gallium_network, **{k: getattr(gallium_network, k)[order] for k in edges})
    scenario = load_scenario("backtest_ga_ge_2023")
    with caplog.at_level(logging.WARNING, logger="critmin.shock.simulate"):
        advance = month_step(*_context(shuffled, scenario), "fused")
    assert not isinstance(advance, FusedStep)
    assert caplog.messages == [
        f"fused kernel cannot run {shuffled.shape}: the network's sourcing edges are not sorted by item; "
        "running the numpy step"
    ]
    scenario = replace(scenario, horizon_months=6)
    _assert_same(run_batch(shuffled, scenario, [0], engine="fused"), run_batch(shuffled, scenario, [0], engine="numpy"))


def test_unknown_engine_is_refused(gallium_network):
    with pytest.raises(ValueError, match="engine") as err:
        month_step(*_context(gallium_network, load_scenario("backtest_ga_ge_2023")), "numba")  # type: ignore[arg-type]
    assert str(err.value) == "engine 'numba': use one of fused, numpy"


def test_project_supply_outside_the_layout_is_an_error(dataset):
    scenario = load_scenario("backtest_ga_ge_2023")
    ctx, events = _context(_network(dataset, scenario), scenario)
    fused = FusedStep(ctx, events, threads=1)
    drivers = month_drivers(events, 0)
    inactive = np.argwhere(~fused.layout.active)
    supply = drivers.supply.copy()
    supply[(0, *inactive[0])] = 1.0
    with pytest.raises(ValueError, match="project supply") as err:
        fused(initial_state(ctx), replace(drivers, supply=supply))
    assert str(err.value) == "project supply reaches a node the fused kernel's layout holds inactive"


@pytest.mark.slow
def test_kernel_compiles_into_numba_cache_dir(tmp_path, gallium_network):
    """A fresh cache directory (a read-only install): the kernel compiles and caches there."""
    code = (
        "from critmin.shock.synthetic import synthetic_dataset\n"
        "from critmin.shock.network import build_network\n"
        "from critmin.shock.simulate import run_batch\n"
        "from critmin.scenarios import load_scenario\n"
        "net = build_network(synthetic_dataset(countries=4, materials=['gallium']))\n"
        "run_batch(net, load_scenario('backtest_ga_ge_2023'), [0], engine='fused')\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=600)
    assert any(p.name.startswith("month.block") for p in tmp_path.rglob("*.nbi"))


def test_a_dask_worker_runs_the_kernel_on_one_thread():
    # A sweep's workers already share the cores: a kernel that also started a thread per core in
    # each worker would oversubscribe the machine.
    from distributed import Client, LocalCluster

    from critmin.shock.kernel import cores

    with (
        LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        assert client.submit(cores, pure=False).result() == 1


def _poison(fused: FusedStep, out: tuple, ctx) -> None:
    """NaN in every cell of an output buffer set that a month must rewrite."""
    from critmin.shock.kernel import month

    on, oe, op, firm, price, bound, hist = out
    nodes = np.flatnonzero(fused.layout.active.ravel())
    pair_nodes = ctx.pair_item * ctx.net.shape[1] + ctx.pair_country
    on[:, :, nodes] = np.where(np.arange(len(on))[:, None, None] == month.CUT, on[:, :, nodes], np.nan)
    on[month.CUT][:, pair_nodes] = np.nan
    demand = ctx.pair_final != 0
    op[month.FINAL_NEED] = np.nan
    op[month.FINAL_USE][:, demand] = op[month.STOPPED][:, demand] = np.nan
    firm[:, demand] = np.nan
    for x in (oe, price, bound, hist):
        x[...] = np.nan


def test_fused_step_rewrites_every_cell_of_its_buffers(dataset):
    """The step writes into two buffer sets used in turn: a cell it failed to rewrite would keep
    the value of two months before; poisoned with NaN before each month, none shows."""
    scenario = load_scenario("heavy_ree_licensing_2025")
    ctx, events, params = _batch(_network(dataset, scenario), scenario, 3)
    fused = FusedStep(ctx, events, threads=2)
    state = reference = initial_state(ctx)
    for t in range(8):
        if fused.buffers:
            _poison(fused, next(o for o in fused.buffers if not np.may_share_memory(o[0], state.inventory)), ctx)
        outlook = expected_multiplier(events, t, params["price_outlook_months"])
        state, got = fused(state, month_drivers(events, t), outlook)
        reference, want = month_step(ctx, events, "numpy")(reference, month_drivers(events, t), outlook)
        used = want["final_need"] > 0
        got, want = dict(got, firm_stock=got["firm_stock"][used]), dict(want, firm_stock=want["firm_stock"][used])
        _assert_same({k: got[k] for k in want}, want)


def test_stepping_again_from_an_earlier_state_leaves_it_intact(dataset):
    """A caller may step twice from one state (a branch): the buffer written is never the one the
    state lives in, whichever set that is."""
    scenario = replace(load_scenario("japan_ree_magnet_halt_6m"), horizon_months=4)
    ctx, events, params = _batch(_network(dataset, scenario), scenario, 2)
    fused = FusedStep(ctx, events, threads=1)
    first, _ = fused(initial_state(ctx), month_drivers(events, 0))
    kept = first.inventory.copy()
    second, d = fused(first, month_drivers(events, 1))
    expected = {k: v.copy() for k, v in d.items()}
    for _ in range(2):
        again, d = fused(first, month_drivers(events, 1))
        assert np.array_equal(first.inventory, kept)
        for name, values in expected.items():
            assert np.array_equal(d[name], values), name
