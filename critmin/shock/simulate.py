"""Run the monthly model over a batch of draws: a loop over months around the pure `step`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from critmin.scenarios.spec import Scenario
from critmin.shock.balance import max_relative_residual
from critmin.shock.bands import PREFIX, MonthReducer, band_dataset, monthly_variables
from critmin.shock.context import Context, build_context
from critmin.shock.events import CompiledEvents, Drivers, batch_parameters, compile_events, draw_values, month_drivers
from critmin.shock.expectations import expected_multiplier
from critmin.shock.network import Network
from critmin.shock.parameters import PARAMETERS
from critmin.shock.sector_levels import sector_level_key
from critmin.shock.step import State, gather, initial_state, step
from critmin.shock.summary import Accumulator, group_max, summary_dataset
from critmin.vocabulary import STAGES

NODE_VARIABLES = {
    "production": "output of the stage (t/month)",
    "receipts": "goods received by users, own country included, incl. redirected (t/month)",
    "imports": "goods received from other countries (t/month)",
    "need": "input plus final need (t/month)",
    "use": "input plus final use (t/month)",
    "shortfall": "need not met: input scarcity plus final need not used (t/month)",
    "inventory": "users' working inventory at month end (t)",
    "stockpile": "strategic stockpile of holder countries at month end (t)",
    "project_supply": "output of new projects (project events) delivered to users (t/month)",
    "release": "stockpile release received by users (t/month)",
    "drawn": "stockpile drawn from holders (t/month)",
    "redirect_in": "supply redirected from non-controlled suppliers, received (t/month)",
    "redirect_out": "supply redirected to short buyers, sent (t/month)",
    "stock_sold": "sold from producers' and traders' stock beyond capacity (t/month)",
    "producer_stock": "producers' and traders' stock at month end (t)",
}
SECTOR_VARIABLES = ("final_need", "final_use", "stopped")
STOPPED_DESCRIPTION = (
    "share of the sector's output of the material whose firms stopped in the month (the largest "
    "over the material's stages; firm classes, critmin.shock.firms); 1 = the whole sector"
)
TOLERANCE = 1e-7
Engine = Literal["fused", "numpy"]
ENGINES: tuple[Engine, ...] = ("fused", "numpy")
"""Month-step engines: the compiled kernel (:mod:`critmin.shock.kernel`, the default) and the
numpy step it is checked against (:mod:`critmin.shock.step`)."""
Step = Callable[[State, Drivers, np.ndarray], tuple[State, dict[str, np.ndarray]]]
log = logging.getLogger(__name__)


def month_step(ctx: Context, events: CompiledEvents, engine: Engine = "fused", threads: int | None = None) -> Step:
    """The month step of a batch: the fused kernel, or the numpy step when asked or when the
    kernel cannot run the batch (then a log line says why; the numbers are the same either way).
    The fused step returns its own buffers: the arrays of a month's state and flows are
    overwritten by the step after next, so a caller copies what it keeps longer.

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> from critmin.scenarios import load_scenario
    >>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
    >>> s = load_scenario("backtest_ga_ge_2023"); v = draw_values(s, [0])
    >>> p = batch_parameters(net.parameters, s, v, 1)
    >>> ctx, ev = build_context(net, s, p), compile_events(s, net, p, v, 1)
    >>> type(month_step(ctx, ev, "fused")).__name__, month_step(ctx, ev, "numpy").__name__
    ('FusedStep', '<lambda>')
    """
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "fused":
        try:
            from critmin.shock.kernel import FusedStep
            from critmin.shock.kernel.layout import unsupported
        except ImportError as error:  # numba missing or broken: the numpy step gives the same numbers
            log.warning("fused kernel unavailable (%s); running the numpy step", error)
        else:
            reason = unsupported(ctx)
            if reason is None:
                return FusedStep(ctx, events, threads)
            log.warning("fused kernel cannot run %s: %s; running the numpy step", ctx.net.shape, reason)
    return lambda state, drivers, outlook: step(state, drivers, ctx, outlook)


def _month_record(
    d: dict[str, np.ndarray], net: Network, imports: np.ndarray, to_material: np.ndarray
) -> dict[str, np.ndarray]:
    # copies: the fused step's arrays are its buffers, overwritten two months on
    rec = {k: d[k].copy() for k in NODE_VARIABLES if k != "imports"}
    rec["imports"] = imports
    pair_m, pair_c = pair_maps(net, to_material)
    for k in ("final_need", "final_use"):
        rec[k] = np.einsum("bfs,fm,fc->bmcs", d[k], pair_m, pair_c)
    nm, nc = pair_m.shape[1], pair_c.shape[1]
    group = pair_m.argmax(1) * nc + pair_c.argmax(1)
    rec["stopped"] = group_max(d["stopped"], group, nm * nc).reshape(imports.shape[0], nm, nc, -1)
    rec["price_ratio"], rec["shipments"] = d["price"].copy(), d["shipments"].copy()
    return rec


def pair_maps(net: Network, to_material: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """0/1 matrices from the nodes with final demand to materials (F, M) and countries (F, C)."""
    item, country = net.final_pairs
    return to_material[item], np.eye(len(net.countries))[country]


def materials_of(net: Network) -> tuple[list[str], np.ndarray]:
    """Materials of the network, in item order, and the item -> material 0/1 matrix."""
    materials = list(dict.fromkeys(m for m, _ in net.items))
    matrix = np.array([[m == name for name in materials] for m, _ in net.items], dtype=float)
    return materials, matrix


def run_batch(
    net: Network,
    scenario: Scenario,
    draws: Sequence[int],
    trajectories: bool = True,
    bands: bool = True,
    values: Mapping[str, np.ndarray] | None = None,
    engine: Engine = "fused",
    threads: int | None = None,
) -> dict[str, np.ndarray]:
    """Arrays of one batch of draws; checks mass balance every month.

    With `trajectories`, every flow as (draw, month, ...); always the per-draw monthly series
    that :mod:`critmin.shock.bands` bands (``monthly_*``), the per-draw summary arrays of
    :class:`critmin.shock.summary.Accumulator` (``summary_*``, with ``summary_final_gap``, the
    final gap summed over months) and ``parameter_*``. Without `bands` (a sweep keeps only
    the summary), no ``monthly_*`` series and no ``summary_final_gap``.
    `values` (per-draw arrays keyed as ``[uncertain]`` targets, e.g. ``"parameters.leakage"``)
    replace the sampled ones, so a calibration grid runs as the draws of one batch.
    `engine` picks the month step (:func:`month_step`; `threads` for the fused one, default
    every core).

    Raises
    ------
    AssertionError
        If the user mass residual exceeds 1e-7 of the largest flow in any month.
    """
    values = {**draw_values(scenario, draws), **(values or {})}
    params = batch_parameters(net.parameters, scenario, values, len(draws))
    ctx = build_context(net, scenario, params)
    events = compile_events(scenario, net, params, values, len(draws))
    state = initial_state(ctx)
    advance = month_step(ctx, events, engine, threads)
    out: dict[str, list[np.ndarray]] = {}
    self_edges = np.flatnonzero(net.edge_supplier == net.edge_buyer)
    materials, to_material = materials_of(net)
    summary = Accumulator(net, len(draws), to_material)
    reducer = MonthReducer(net, materials, to_material)
    china = inside_is_china(net, scenario)
    monthly: dict[str, list[np.ndarray]] = {}
    final_gap = reducer.gap_zeros(len(draws))
    initial = {
        "inventory_initial": state.inventory,
        "stockpile_initial": state.stockpile,
        "producer_stock_initial": state.producer_stock,
    }
    for t in range(scenario.horizon_months):
        before = state.inventory
        outlook = expected_multiplier(events, t, params["price_outlook_months"])
        state, d = advance(state, month_drivers(events, t), outlook)
        inflow = d["receipts"] + d["project_supply"]
        residual = max_relative_residual(inflow, d["release"], d["use"], d["inventory"], before)
        assert residual < TOLERANCE, f"mass not conserved in month {t}: {residual:.2e}"
        summary.add(t, d)
        shape = d["receipts"].shape
        own = gather(
            d["shipments"][:, self_edges], net.edge_item[self_edges] * shape[2] + net.edge_buyer[self_edges], shape
        )
        imports = d["receipts"] - own
        if bands:
            reduced = reducer.reduce(d, imports, usd_price(d["price"], net, scenario, china))
            final_gap = final_gap + reduced.pop("final_gap")
            for k, v in reduced.items():
                monthly.setdefault(PREFIX + k, []).append(v)
        if trajectories:
            for k, v in _month_record(d, net, imports, to_material).items():
                out.setdefault(k, []).append(v)
    stacked = {k: np.stack(v, axis=1) for k, v in (out | monthly).items()}
    if trajectories:
        stacked.update(initial)
    stacked.update(summary.arrays())
    if bands:
        stacked["summary_final_gap"] = reducer.dense(final_gap)
    stacked.update({f"parameter_{k}": v for k, v in params.items()})
    return stacked


def _unstack(arr: np.ndarray, net: Network, axis: int) -> tuple[np.ndarray, list[str], list[str]]:
    """Item axis -> (material, stage) axes, NaN where the material has no such stage."""
    materials, _ = materials_of(net)
    stages = [s for s in STAGES if any(s == st for _, st in net.items)]
    shape = list(arr.shape)
    shape[axis : axis + 1] = [len(materials), len(stages)]
    out = np.full(shape, np.nan)
    moved = np.moveaxis(out.reshape(*shape[:axis], -1, *shape[axis + 2 :]), axis, 0)
    src = np.moveaxis(arr, axis, 0)
    for i, (m, s) in enumerate(net.items):
        moved[materials.index(m) * len(stages) + stages.index(s)] = src[i]
    return out, materials, stages


def months(scenario: Scenario) -> pd.DatetimeIndex:
    """Month-start dates of the scenario's horizon."""
    return pd.date_range(f"{scenario.start}-01", periods=scenario.horizon_months, freq="MS")


def inside_is_china(net: Network, scenario: Scenario) -> np.ndarray:
    """Per item, whether the inside market (see :mod:`critmin.shock.prices`) is China's."""
    from critmin.shock.context import _inside_country

    return np.array([net.countries[k] == "CHN" for k in _inside_country(net, scenario)])


def usd_price(ratio: np.ndarray, net: Network, scenario: Scenario, china: np.ndarray | None = None) -> np.ndarray:
    """Price in USD/kg, (..., item, market) with markets ``(china_domestic, international)``.

    ``international`` is the outside ratio times the dataset's international price at the base
    year; ``china_domestic`` the inside ratio (China is the inside market; where a control by
    another country makes China an outside buyer, the outside ratio) times China's domestic
    price. NaN where the dataset has no price for that item and market. `china` is
    :func:`inside_is_china`, computed when not given.
    """
    china = inside_is_china(net, scenario) if china is None else china
    domestic = np.where(china, ratio[..., 0], ratio[..., 1]) * net.price[:, 0]
    return np.stack([domestic, ratio[..., 1] * net.price[:, 1]], axis=-1)


def to_dataset(stacked: dict[str, np.ndarray], net: Network, scenario: Scenario, draws: Sequence[int]) -> xr.Dataset:
    """Label a batch's arrays: dims draw, month, material, stage, country, sector, market.

    Trajectories (when the batch kept them), the per-draw monthly series to band
    (:func:`critmin.shock.bands.band_dataset` turns them into bands once all batches are in),
    the per-draw summary and the drawn parameters.
    """
    base = {"draw": np.asarray(draws), "month": months(scenario)}
    materials, _ = materials_of(net)
    stages = [s for s in STAGES if any(s == st for _, st in net.items)]
    data: dict[str, tuple] = {}
    if "production" in stacked:
        data = _trajectory_variables(stacked, net, scenario)
    if PREFIX + "shortfall" in stacked:
        data.update(monthly_variables(stacked))
    coords = {
        **base,
        "material": materials,
        "stage": stages,
        "country": list(net.countries),
        "sector": list(net.sectors),
        "market": ["inside", "outside"],
        "price_market": ["china_domestic", "international"],
        "edge": np.arange(len(net.edge_item)),
        "edge_material": ("edge", [net.items[i][0] for i in net.edge_item]),
        "edge_stage": ("edge", [net.items[i][1] for i in net.edge_item]),
        "exporter": ("edge", [net.countries[k] for k in net.edge_supplier]),
        "importer": ("edge", [net.countries[k] for k in net.edge_buyer]),
    }
    if "production" not in stacked:
        coords = {k: v for k, v in coords.items() if k != "edge" and not (isinstance(v, tuple) and v[0] == "edge")}
    ds = xr.Dataset(data, coords=coords)
    peak, _, _ = _unstack(
        np.where(np.isfinite(stacked["summary_peak_price"]), stacked["summary_peak_price"], np.nan), net, 1
    )
    ds = ds.merge(summary_dataset(stacked, net, materials, stages, peak, months(scenario), draws))
    ds = ds.assign({f"parameter_{name}": ("draw", stacked[f"parameter_{name}"]) for name in PARAMETERS})
    return ds.assign_attrs(result_attrs(net, scenario))


def _trajectory_variables(stacked: dict[str, np.ndarray], net: Network, scenario: Scenario) -> dict[str, tuple]:
    data: dict[str, tuple] = {}
    for name, long_name in NODE_VARIABLES.items():
        arr, _, _ = _unstack(stacked[name], net, 2)
        unit = "t" if name in ("inventory", "stockpile", "producer_stock") else "t/month"
        data[name] = (("draw", "month", "material", "stage", "country"), arr, {"units": unit, "long_name": long_name})
    for name in ("inventory_initial", "stockpile_initial", "producer_stock_initial"):
        arr, _, _ = _unstack(stacked[name], net, 1)
        data[name] = (("draw", "material", "stage", "country"), arr, {"units": "t"})
    for name in SECTOR_VARIABLES:
        data[name] = (
            ("draw", "month", "material", "country", "sector"),
            stacked[name],
            {
                "units": "1" if name == "stopped" else "t/month",
                **({"description": STOPPED_DESCRIPTION} if name == "stopped" else {}),
            },
        )
    ratio, _, _ = _unstack(stacked["price_ratio"], net, 2)
    data["price_ratio"] = (
        ("draw", "month", "material", "stage", "market"),
        ratio,
        {"units": "1", "long_name": "price / baseline price"},
    )
    usd, _, _ = _unstack(usd_price(stacked["price_ratio"], net, scenario), net, 2)
    data["price"] = (
        ("draw", "month", "material", "stage", "price_market"),
        usd,
        {
            "units": "USD/kg",
            "base_year": net.year,
            "long_name": f"price: ratio x the dataset's {net.year} price (annual "
            "average; latest year at or before, else earliest after)",
        },
    )
    data["shipments"] = (("draw", "month", "edge"), stacked["shipments"], {"units": "t/month"})
    return data


def trajectory_nbytes(net: Network, months: int, draws: int) -> int:
    """Bytes of the trajectory variables :func:`to_dataset` labels for `draws` draws of `months` months."""
    materials, _ = materials_of(net)
    nm, nc, ns = len(materials), len(net.countries), len(net.sectors)
    nst = len([s for s in STAGES if any(s == st for _, st in net.items)])
    node = nm * nst * nc
    per_month = 8 * (len(NODE_VARIABLES) * node + 2 * nm * nc * ns + 2 * 2 * nm * nst + len(net.edge_item))
    per_month += 8 * nm * nc * ns  # stopped: the share of the sector stopped, float64
    return draws * (months * per_month + 8 * 3 * node)


def result_attrs(net: Network, scenario: Scenario) -> dict[str, str | int]:
    """Scenario, base year and every parameter's value and provenance, as NetCDF-safe attrs."""
    fixed = dict(scenario.parameters)
    attrs: dict[str, str | int] = {
        "scenario": scenario.name,
        "start": scenario.start,
        "seed": scenario.seed,
        "base_year": net.year,
        "price_base_year": net.year,
    }
    for name in PARAMETERS:
        where = "scenario" if name in fixed else net.provenance.get(name, "assumption")
        value = fixed.get(name, net.parameters.get(name, PARAMETERS[name].default))
        attrs[f"parameter:{name}"] = f"{value:g} ({where})"
    for name, by_material in net.material_values.items():
        for material, value in by_material.items():
            where = "scenario" if name in fixed else net.provenance.get(f"{name}@{material}", "assumption")
            attrs[f"parameter:{name}@{material}"] = f"{fixed.get(name, value):g} ({where})"
    level = "min_operating_level"
    for sector in net.sectors:
        key = sector_level_key(sector)
        if f"parameters.{level}" in dict(scenario.uncertain):
            attrs[f"parameter:{key}"] = f"drawn per draw (scenario [uncertain] {level})"
        elif level in fixed:
            attrs[f"parameter:{key}"] = f"{fixed[level]:g} (scenario {level})"
        else:
            attrs[f"parameter:{key}"] = f"{net.parameters[key]:g} ({net.provenance[key]})"
    attrs.update({f"note:{k}": v for k, v in net.notes.items()})
    attrs["events"] = json.dumps(event_marks(scenario))
    attrs["stockpile_release"] = release_rule(scenario)
    return attrs


def event_marks(scenario: Scenario) -> list[tuple[int, str]]:
    """(month offset, short label) of each event's start, for marking charts.

    >>> from critmin.scenarios import load_scenario
    >>> event_marks(load_scenario("japan_ree_magnet_halt_6m"))
    [(1, 'CHN export control'), (7, 'CHN control lifted')]
    """
    from critmin.scenarios.validate import month_index

    marks: list[tuple[int, str]] = []
    for event in scenario.events:
        kind = event.kind.replace("_", " ")
        who = getattr(event, "controller", None) or getattr(event, "country", None) or getattr(event, "region", "")
        when = {"export_control": "effective", "project": "online"}.get(event.kind, "start")
        month = month_index(getattr(event, when), scenario.start, day=True)
        if month is not None:
            marks.append((month, f"{who} {kind}"))
        lifted = getattr(event, "lifted", None)
        if lifted is not None and (end := month_index(lifted, scenario.start, day=True)) is not None:
            marks.append((end, f"{who} control lifted"))
    return marks


def release_rule(scenario: Scenario) -> str:
    """The scenario's stockpile release rule in words (stated on stockpile charts).

    >>> from critmin.scenarios import load_scenario
    >>> print(release_rule(load_scenario("japan_ree_magnet_halt_6m")))  # doctest: +NORMALIZE_WHITESPACE
    stockpiles release 25% of their stock a month once a holder's users have less than 30 days of cover;
    own country's users first
    """
    rule = scenario.policy.stockpile_release
    if rule is None:
        return "no release rule in the scenario: strategic stockpiles are held, not released"
    who = {"own_first": "own country's users first", "pro_rata_consumption": "shared among allies pro rata to use"}
    return (
        f"stockpiles release {rule.monthly_rate:.0%} of their stock a month once a holder's users have less than "
        f"{rule.trigger_days:g} days of cover; {who.get(rule.coordination, rule.coordination)}"
    )


def simulate(
    network: Network, scenario: Scenario, draws: Sequence[int] | None = None, engine: Engine = "fused"
) -> xr.Dataset:
    """Simulate `draws` (default ``range(scenario.draws)``) in one batch, as labelled arrays.

    `engine`: the fused kernel or the numpy step (:func:`month_step`), same numbers.

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> from critmin.scenarios import load_scenario
    >>> net = build_network(synthetic_dataset(countries=4, materials=["gallium"]))
    >>> out = simulate(net, load_scenario("backtest_ga_ge_2023"), draws=[0, 1])
    >>> out.production.dims
    ('draw', 'month', 'material', 'stage', 'country')
    """
    draws = list(range(scenario.draws)) if draws is None else list(draws)
    return band_dataset(to_dataset(run_batch(network, scenario, draws, engine=engine), network, scenario, draws))
