"""Scenario events as arrays: per-draw Monte Carlo values, and the drivers of each month.

Draw ``i`` always uses ``np.random.default_rng(np.random.SeedSequence([seed, i]))`` and samples
the ``[uncertain]`` entries in sorted key order, so a draw's values do not depend on which other
draws run with it.

Month drivers (arrays over draws ``B``):

* ``edge_mult[B, E]`` multiplies buyers' orders on each sourcing edge; per control, from the
  day-level shares of :mod:`critmin.shock.licensing` (rush ``r``, controlled ``c``, approved
  ``a``), ``1 + (frontload - 1) * r - c + a + leakage * (c - a) + b``, ``b`` the backlog
  released after a lift (:func:`~critmin.shock.licensing.backlog_release`); leakage is 0 for a
  banned destination class (nothing on the direct edge). With an ``approval_path``,
  ``a = c * p * path`` (0 during the licensing delay, then the path, the last value held; a
  fractional delay approves that fraction of the first month);
* ``restock_mult[B, E]``: the same without approvals, ``1 + (frontload - 1) * r - c + leakage *
  c``; it applies to what buyers order beyond their need (inventory rebuilding), which no
  licence covers: licences are filed at the normal flow rate;
* ``blocked[B, I, C]``: the controller's controlled items, which are not redirected;
* ``cap_mult[B, I, C]``: ``1 - capacity_lost`` during an outage, then linear recovery;
* ``supply[B, I, C]``: output of ``project`` events delivered to users (t/month),
  ``p_complete * tonnes_per_year / 12`` times the ramp share
  ``clip((t + 1 - online - delay_months) / (ramp_months + 1), 0, 1)``, split over the served
  countries by their baseline need of the item (over the world's users when none of them has
  any);
* ``dem_mult[B, F, S]``: ``1 + size`` during a demand surge (sector ``"all"`` = every sector),
  on the F nodes with final demand (:attr:`Network.final_pairs`). A surge on a region, sector
  and material without baseline final demand would change nothing, so it is an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from critmin.errors import Issue, ScenarioError
from critmin.scenarios.spec import (
    DemandSurge,
    DestinationClass,
    ExportControl,
    Month,
    Outage,
    ProcessingDays,
    Project,
    Scenario,
)
from critmin.scenarios.validate import month_index
from critmin.scenarios.validate_control import day_offset, month_starts
from critmin.shock.licensing import approved_share, backlog_release, processing_cdf, window_share
from critmin.shock.network import Network
from critmin.shock.parameters import INTEGER_PARAMETERS, PARAMETERS
from critmin.vocabulary import stages_of

NEVER = 10**9


def draw_values(scenario: Scenario, draws: Sequence[int]) -> dict[str, np.ndarray]:
    """Sample every ``[uncertain]`` entry for each draw in `draws`.

    Examples
    --------
    >>> from critmin.scenarios import parse_scenario
    >>> s = parse_scenario('name="x"\\nhorizon_months=1\\nstart="2024-01"\\nseed=7\\ndraws=3\\n'
    ...                    '[uncertain]\\n"parameters.leakage" = {dist="uniform", low=0, high=1}')
    >>> all = draw_values(s, range(3))["parameters.leakage"]
    >>> bool((draw_values(s, [2])["parameters.leakage"] == all[2:]).all())
    True
    """
    out = {key: np.empty(len(draws)) for key, _ in scenario.uncertain}
    for n, draw in enumerate(draws):
        rng = np.random.default_rng(np.random.SeedSequence([scenario.seed, int(draw)]))
        for key, d in scenario.uncertain:
            p = dict(d.params)
            if d.dist == "uniform":
                out[key][n] = rng.uniform(p["low"], p["high"])
            elif d.dist == "triangular":
                out[key][n] = rng.triangular(p["low"], p["mode"], p["high"])
            elif d.dist == "normal":
                out[key][n] = rng.normal(p["mean"], p["sd"])
            elif d.dist == "bernoulli":
                out[key][n] = float(rng.random() < p["p"])
            else:
                out[key][n] = rng.lognormal(p["mu"], p["sigma"])
    return out


def batch_parameters(
    base: Mapping[str, float], scenario: Scenario, values: Mapping[str, np.ndarray], size: int
) -> dict[str, np.ndarray]:
    """Per-draw parameter arrays: base values, scenario overrides, then uncertain draws."""
    fixed = {**base, **dict(scenario.parameters)}
    out = {}
    for name in PARAMETERS:
        arr = np.asarray(values.get(f"parameters.{name}", np.full(size, fixed[name])), float)
        arr = np.maximum(arr, 0.0)
        out[name] = np.round(arr) if name in INTEGER_PARAMETERS else arr
    return out


@dataclass(frozen=True)
class Drivers:
    """What the events impose in one month (see module docstring)."""

    edge_mult: np.ndarray
    blocked: np.ndarray
    cap_mult: np.ndarray
    dem_mult: np.ndarray
    supply: np.ndarray
    restock_mult: np.ndarray


@dataclass(frozen=True)
class _Control:
    """A control's controlled edges and, per group of them (class x material), month multipliers."""

    edges: np.ndarray
    items: np.ndarray
    controller: int
    group: np.ndarray
    mult: np.ndarray
    restock: np.ndarray
    blocked: np.ndarray
    announced_month: int = 0
    foreseen: bool = True
    """Buyers price the control from `announced_month` (:mod:`critmin.shock.expectations`)."""


@dataclass(frozen=True)
class _Window:
    mask: np.ndarray
    start: int
    duration: np.ndarray
    recovery: np.ndarray
    size: np.ndarray


@dataclass(frozen=True)
class _Supply:
    split: np.ndarray
    online: np.ndarray
    ramp: np.ndarray
    monthly: np.ndarray


@dataclass(frozen=True)
class CompiledEvents:
    """Events of a scenario turned into masks and per-draw arrays for one batch of draws."""

    controls: tuple[_Control, ...]
    outages: tuple[_Window, ...]
    surges: tuple[_Window, ...]
    frontload: np.ndarray
    shape: tuple[int, int, int, int, int]
    pairs: tuple[np.ndarray, np.ndarray]
    projects: tuple[_Supply, ...] = ()


def _field(values: Mapping[str, np.ndarray], i: int, name: str, default: np.ndarray | float, size: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(values.get(f"events[{i}].{name}", default), float), (size,)).copy()


def _month(value: Month, start: str, i: int, name: str) -> int:
    """Month offset of an event's `name` from `start`; a ScenarioError when it is not a month.

    A parsed scenario has been validated already; a Scenario built in code has not, and a month
    that is not one would otherwise surface later as a comparison of None with the month number.
    """
    index = month_index(value, start)
    if index is None:
        raise ScenarioError(
            [
                Issue(
                    "<scenario>",
                    0,
                    f"events[{i}].{name}",
                    f"{value!r} is not a month",
                    'give a month offset from start (0, 1, ...) or "YYYY-MM"',
                )
            ]
        )
    return index


def _control_items(event: ExportControl, net: Network) -> np.ndarray:
    if event.items:
        wanted = {tuple(item.split(".", 1)) for item in event.items}
    else:
        wanted = {(m, s) for m in event.materials for s in (event.stages or stages_of(m))}
    return np.array([item in wanted for item in net.items], dtype=bool)


def _day(value: Month, start: str, i: int, name: str) -> int:
    """Day offset of a control's date from the 1st of `start`; a ScenarioError when it is not one."""
    index = day_offset(value, start)
    if index is None:
        fix = 'give a month offset from start (0, 1, ...), "YYYY-MM" or a day "YYYY-MM-DD"'
        raise ScenarioError([Issue("<scenario>", 0, f"events[{i}].{name}", f"{value!r} is not a month or a day", fix)])
    return index


def _class_of(e: ExportControl, country: str) -> int:
    """Index of the first destination class naming `country`, or -1 (the control's defaults)."""
    return next((k for k, c in enumerate(e.destination_classes) if c.countries.covers(country)), -1)


def _path_share(e: ExportControl, month: int, delay: np.ndarray, horizon: int) -> np.ndarray:
    """Approval path share per draw and month (B, H): 0 during `delay` months from `month`."""
    t = np.arange(horizon)[None, :]
    lag = (month + delay)[:, None]
    index = np.clip(np.floor(t - lag), 0, len(e.approval_path) - 1).astype(int)
    return np.clip(t + 1 - lag, 0.0, 1.0) * np.asarray(e.approval_path, float)[index]


def _processing(pd: ProcessingDays | None, params: dict, days: np.ndarray) -> np.ndarray:
    pd = pd or ProcessingDays()
    if pd.uniform:
        return processing_cdf(
            days,
            params["processing_days_median"],
            params["processing_days_dispersion"],
            uniform=(float(pd.low or 0.0), float(pd.high or 0.0)),
        )
    size = len(params["processing_days_median"])
    median = params["processing_days_median"] if pd.median is None else np.full(size, pd.median)
    spread = params["processing_days_dispersion"] if pd.dispersion is None else np.full(size, pd.dispersion)
    return processing_cdf(days, np.maximum(median, 1e-9), spread)


def _approval_probability(
    i: int,
    e: ExportControl,
    klass: DestinationClass | None,
    params: dict,
    values: Mapping[str, np.ndarray],
    size: int,
) -> np.ndarray:
    """Share of applications granted, per draw: the class's, else the control's, else the parameter's.

    An approval path already states the approved share, so with one the default is 1.
    """
    if klass is not None and klass.banned:
        return np.zeros(size)
    if klass is not None and klass.approval_probability is not None:
        return np.full(size, float(klass.approval_probability))
    default = 1.0 if e.approval_path else params["approval_probability"]
    own = default if e.approval_probability is None else e.approval_probability
    return np.clip(_field(values, i, "approval_probability", own, size), 0.0, 1.0)


def _compile_control(
    i: int,
    e: ExportControl,
    net: Network,
    scenario: Scenario,
    params: dict,
    values: Mapping[str, np.ndarray],
    size: int,
) -> _Control | None:
    if e.controller not in net.countries:
        return None
    items = _control_items(e, net)
    k = net.countries.index(e.controller)
    covered = np.array([e.destinations.covers(c) and c != e.controller for c in net.countries])
    edges = items[net.edge_item] & (net.edge_supplier == k) & covered[net.edge_buyer]
    start, horizon = scenario.start, scenario.horizon_months
    starts = np.array(month_starts(start, horizon))
    announced, effective = _day(e.announced, start, i, "announced"), _day(e.effective, start, i, "effective")
    lifted = NEVER if e.lifted is None else _day(e.lifted, start, i, "lifted")
    # orders placed once the control is known clear customs only after an order lead
    lead = np.round(params["rush_lead_days"]).astype(int)
    rush = window_share(np.minimum(announced + lead, effective), effective, starts)
    days = np.arange(max(int(starts[-1]) - effective, 0) + 1)
    drawn = {key.split(".", 1)[1] for key in values if key.startswith("parameters.")}
    scenario_sets = {name for name, _ in scenario.parameters} | drawn

    def per_material(name: str, own: float | None, material: str) -> np.ndarray:
        own_value = net.material_values.get(name, {}).get(material)
        fallback = params[name] if name in scenario_sets or own_value is None else np.full(size, own_value)
        return _field(values, i, name, fallback if own is None else own, size)

    idx = np.flatnonzero(edges)
    keys = [(_class_of(e, net.countries[net.edge_buyer[j]]), net.items[net.edge_item[j]][0]) for j in idx]
    groups = sorted(set(keys))
    mult, restock, blocked = [], [], np.zeros((size, horizon), dtype=bool)
    for cls, material in groups:
        klass = e.destination_classes[cls] if cls >= 0 else None
        transit = np.maximum(np.round(per_material("transit_days", e.transit_days, material)), 0).astype(int)
        leakage = np.clip(per_material("leakage", e.leakage, material), 0.0, 1.0)[:, None]
        if klass is not None and klass.banned:
            # a banned destination gets nothing on the direct edge: what leaks goes through
            # third countries, which the network does not route on to the banned buyer
            leakage = np.zeros_like(leakage)
        controlled = window_share(effective + transit, lifted + transit, starts)
        p = _approval_probability(i, e, klass, params, values, size)
        if e.approval_path:
            delay = params["licensing_delay_months"] if e.licensing_delay_months is None else e.licensing_delay_months
            month = month_index(e.effective, start, day=True) or 0
            path = _path_share(e, month, _field(values, i, "licensing_delay_months", delay, size), horizon)
            approved = controlled * p[:, None] * path
        else:
            cdf = _processing(
                klass.processing_days if klass and klass.processing_days else e.processing_days, params, days
            )
            # a_t <= c_t holds exactly; the bound only removes rounding of the cumulative sums
            approved = np.minimum(approved_share(cdf, effective, lifted, transit, p, starts), controlled)
        base = 1.0 + (params["frontload_factor"][:, None] - 1.0) * rush - controlled
        released = np.zeros_like(controlled)
        if lifted < NEVER:
            held = (controlled - approved) * (1.0 - leakage)
            released = backlog_release(held, lifted, transit, params["lift_release_days"], starts)
        mult.append(base + approved + leakage * (controlled - approved) + released)
        restock.append(base + leakage * controlled)
        blocked |= controlled > 0
    shape = (0, size, horizon)
    return _Control(
        edges,
        items,
        k,
        np.array([groups.index(key) for key in keys], dtype=int),
        np.array(mult) if mult else np.zeros(shape),
        np.array(restock) if restock else np.zeros(shape),
        blocked,
        int(np.searchsorted(starts, announced, side="right")) - 1,
        e.published or announced < effective,
    )


def _compile_window(
    i: int,
    e: Outage | DemandSurge,
    net: Network,
    start: str,
    values: Mapping[str, np.ndarray],
    size: int,
    baseline: np.ndarray | None = None,
) -> _Window:
    ni, nc = net.shape
    if isinstance(e, Outage):
        mask = np.zeros((ni, nc), dtype=bool)
        item = net.item_index(e.material, e.stage)
        if item is not None and e.country in net.countries:
            mask[item, net.countries.index(e.country)] = True
        amount = np.clip(_field(values, i, "capacity_lost", e.capacity_lost, size), 0, 1)
        recovery = _field(values, i, "recovery_months", e.recovery_months, size)
    else:
        mask = np.zeros((ni, nc, len(net.sectors)), dtype=bool)
        item = net.item_index(e.material, stages_of(e.material)[-1])
        if item is not None and e.region in net.countries:
            sectors = [s == e.sector or e.sector == "all" for s in net.sectors]
            mask[item, net.countries.index(e.region)] = sectors
        if baseline is None:
            raise ValueError(f"events[{i}]: a demand surge is compiled against the baseline final demand")
        mask &= baseline > 0
        if not mask.any():
            raise ScenarioError([_no_demand_issue(i, e, net)])
        amount = np.maximum(_field(values, i, "size", e.size, size), -1.0)
        recovery = np.zeros(size)
    return _Window(
        mask,
        _month(e.start, start, i, "start"),
        np.maximum(_field(values, i, "duration_months", e.duration_months, size), 0),
        np.maximum(recovery, 0),
        amount,
    )


def _compile_project(
    i: int, e: Project, net: Network, start: str, values: Mapping[str, np.ndarray], size: int
) -> _Supply:
    """Where a project's output goes (I, C shares summing to 1, or 0 outside the network) and when.

    Served countries share it by their baseline need of the item; when none of them uses the
    item (an oxide plant serving countries without metal makers, say), the output is sold to
    the world's users of the item by their need instead of piling up unused.
    """
    split = np.zeros(net.shape)
    item = net.item_index(e.material, e.stage)
    if item is None:
        return _Supply(split, np.zeros(size), np.zeros(size), np.zeros(size))
    served = [net.countries.index(c) for c in e.served if c in net.countries]
    need = net.need[item]
    if served and need[served].sum() > 0:
        split[item, served] = need[served] / need[served].sum()
    elif need.sum() > 0:
        split[item] = need / need.sum()
    delay = np.maximum(_field(values, i, "delay_months", e.delay_months, size), 0)
    tonnes = np.maximum(_field(values, i, "tonnes_per_year", e.tonnes_per_year, size), 0)
    p_complete = np.clip(_field(values, i, "p_complete", e.p_complete, size), 0, 1)
    return _Supply(
        split,
        _month(e.online, start, i, "online") + delay,
        np.maximum(_field(values, i, "ramp_months", e.ramp_months, size), 0),
        tonnes * p_complete / 12.0,
    )


def _no_demand_issue(i: int, e: DemandSurge, net: Network) -> Issue:
    item = net.item_index(e.material, stages_of(e.material)[-1])
    have = []
    if item is not None and e.region in net.countries:
        row = net.final_demand[item, net.countries.index(e.region)]
        have = [s for s, v in zip(net.sectors, row, strict=True) if v > 0]
    listed = ", ".join(have) if have else "none"
    return Issue(
        "<scenario>",
        0,
        f"events[{i}].sector",
        f"{e.region} has no baseline final demand for {e.material} in sector "
        f"{e.sector!r} (sectors with demand: {listed}), so a surge of {e.size:g} "
        "would change nothing",
        "surge a sector that has demand, or add the demand row to the dataset, or "
        "express the surge as a share of a sector that has it",
    )


def baseline_final_demand(net: Network, scenario: Scenario) -> np.ndarray:
    """Final demand (I, C, S) with the baselines that surges state by ``baseline_share``.

    For a surge with ``baseline_share`` on a sector without baseline demand, that share of the
    region's demand for the material is moved into the sector from the others (total kept).

    Examples
    --------
    >>> from critmin.scenarios import load_scenario
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> from critmin.shock.network import build_network
    >>> net = build_network(synthetic_dataset(countries=3, materials=["ndfeb"]))
    >>> bool((baseline_final_demand(net, load_scenario("ev_demand_surge")) == net.final_demand).all())
    True
    """
    final = net.final_demand.copy()
    for e in scenario.events:
        if not isinstance(e, DemandSurge) or e.baseline_share is None or e.sector == "all":
            continue
        item = net.item_index(e.material, stages_of(e.material)[-1])
        if item is None or e.region not in net.countries or e.sector not in net.sectors:
            continue
        c, s = net.countries.index(e.region), net.sectors.index(e.sector)
        total = final[item, c].sum()
        if final[item, c, s] == 0 and total > 0:
            final[item, c] *= 1.0 - e.baseline_share
            final[item, c, s] = e.baseline_share * total
    return final


def compile_events(
    scenario: Scenario, net: Network, params: dict[str, np.ndarray], values: Mapping[str, np.ndarray], size: int
) -> CompiledEvents:
    """Masks and per-draw arrays of every event for a batch of `size` draws."""
    controls, outages, surges, projects = [], [], [], []
    for i, e in enumerate(scenario.events):
        if isinstance(e, Project):
            projects.append(_compile_project(i, e, net, scenario.start, values, size))
        elif isinstance(e, ExportControl):
            c = _compile_control(i, e, net, scenario, params, values, size)
            if c is not None:
                controls.append(c)
        elif isinstance(e, Outage):
            outages.append(_compile_window(i, e, net, scenario.start, values, size))
        else:
            surges.append(
                _compile_window(i, e, net, scenario.start, values, size, baseline_final_demand(net, scenario))
            )
    shape = (size, *net.shape, len(net.sectors), len(net.edge_item))
    pairs = net.final_pairs
    surges = [replace(w, mask=w.mask[pairs]) for w in surges]
    return CompiledEvents(
        tuple(controls), tuple(outages), tuple(surges), params["frontload_factor"], shape, pairs, tuple(projects)
    )


def _window_level(w: _Window, t: int) -> np.ndarray:
    """Share of the window's size in force in month `t` (1 inside, linear recovery after)."""
    end = w.start + w.duration
    inside = (t >= w.start) & (t < end)
    tail = np.clip(1.0 - (t - end + 1) / (w.recovery + 1), 0.0, 1.0) * (t >= end)
    return np.where(inside, 1.0, tail)


def month_drivers(events: CompiledEvents, t: int) -> Drivers:
    """The drivers of month `t` for the batch."""
    b, ni, nc, ns, ne = events.shape
    edge_mult, restock_mult = np.ones((b, ne)), np.ones((b, ne))
    blocked = np.zeros((b, ni, nc), dtype=bool)
    for c in events.controls:
        edge_mult[:, c.edges] *= c.mult[c.group, :, t].T
        restock_mult[:, c.edges] *= c.restock[c.group, :, t].T
        blocked[:, c.items, c.controller] |= c.blocked[:, t, None]
    cap_mult = np.ones((b, ni, nc))
    for w in events.outages:
        cap_mult -= (w.size * _window_level(w, t))[:, None, None] * w.mask
    dem_mult = np.ones((b, len(events.pairs[0]), ns))
    for w in events.surges:
        inside = (t >= w.start) & (t < w.start + w.duration)
        dem_mult += (w.size * inside)[:, None, None] * w.mask
    supply = np.zeros((b, ni, nc))
    for p in events.projects:
        share = np.clip((t + 1 - p.online) / (p.ramp + 1), 0.0, 1.0)
        supply += (p.monthly * share)[:, None, None] * p.split
    return Drivers(edge_mult, blocked, np.maximum(cap_mult, 0.0), dem_mult, supply, restock_mult)
