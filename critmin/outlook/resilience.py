"""What the outlook's plan saves if a shock from the scenario library hits.

The plan's capacity in its plan year is added to today's network (the data each scenario runs
on: the dataset's base year, or the year before the scenario starts if earlier) and each library
scenario is run with and without it: same seed, same draws, same engine, so draw ``i`` faces the same shock both times
and the difference is the plan's alone. The outlook's demand growth and the rest of the pipeline
are not in the shock network: this is the plan's capacity against today's demand.

* an option bought (recycling, new plant) is a ``project`` event in its ally serving the ally,
  online at month 0, of ``size_t x ramp x utilisation`` t/yr in the plan year (the outlook's
  own :data:`~critmin.outlook.projects.RAMP` and utilisation), ``p_complete = p_success``;
* a backed project counts for what backing adds, ``p_complete = p_backed - p_complete`` (the
  rest would come without the plan), at its plan-year output without delay;
* substitution is a negative ``demand_surge`` on every sector of the ally for the material,
  ``-avoided t/yr / the ally's final demand`` for the whole horizon;
* what the network cannot carry (a step it does not hold, an ally without final demand for the
  material, nothing online by the plan year) is listed in :attr:`PlanEvents.rows` with why.

Loss is final shortfall (t) x the dataset's value of lost production per tonne
(:func:`critmin.report.results.value_per_tonne`), summed over materials only in USD.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr

from ..scenarios import load_scenario
from ..scenarios.spec import DemandSurge, Event, Project
from ..shock import Network, build_network, run
from ..shock.io import baseline_year
from ..vocabulary import material_label, stages_of
from .network import _served
from .plan import PlanResult
from .projects import RAMP, UTILISATION

__all__ = ["COLUMNS", "PlanEvents", "format_resilience", "plan_projects", "resilience_value"]

COLUMNS = [
    "scenario",
    "measure",
    "material",
    "unit",
    "without_plan",
    "with_plan",
    "avoided",
    "avoided_share",
    "avoided_p05",
    "avoided_p95",
    "draws",
]
"""Columns of :func:`resilience_value`: one row per scenario and measure (per material for tonnes)."""
SHORT_T = 0.5
"""A material's shortfall row is left out when under half a tonne in every draw of both runs."""
ROWS = ["item", "kind", "ally", "material", "stage", "tonnes_per_year", "p_complete", "event", "note"]


@dataclass(frozen=True)
class PlanEvents:
    """The plan as shock events, and one row per plan item saying how it entered (or why not)."""

    events: tuple[Event, ...]
    rows: pd.DataFrame


def _ramp(years_online: int) -> float:
    return 0.0 if years_online < 0 else RAMP[min(years_online, len(RAMP) - 1)]


def plan_projects(found: PlanResult, pipeline: pd.DataFrame, data: xr.Dataset, year: int) -> PlanEvents:
    """The plan's backed projects and options bought as shock events on `data`'s network.

    `pipeline` is the project table the plan chose from (capacity, start year, serves,
    ``p_complete``, ``p_backed``); `year` the plan year whose capacity is counted.

    Examples
    --------
    >>> from critmin.shock.synthetic import synthetic_dataset
    >>> empty = PlanResult(pd.DataFrame(columns=["project_id"]), 0.0, pd.DataFrame(), 0.0, 0.0)
    >>> plan_projects(empty, pd.DataFrame(columns=["project_id"]), synthetic_dataset(3, ["gallium"]), 2030).events
    ()
    """
    net = build_network(data)
    events: list[Event] = []
    rows: list[dict] = []
    table = pipeline.set_index("project_id")
    items = []
    for pid in found.chosen["project_id"]:
        p = table.loc[pid]
        age = year - int(np.floor(float(p["start_year"]) + float(p["delay_mode"])))
        t = float(p["capacity_t"]) * UTILISATION.get(str(p["stage"]), 1.0) * _ramp(age)
        serves = tuple(_served(str(p["serves"])))
        extra = max(float(p["p_backed"]) - float(p["p_complete"]), 0.0)
        items.append((pid, "backed project", str(p["country"]), serves, p["material"], p["stage"], t, extra))
    for o in found.bought.itertuples():
        util = 1.0 if o.kind == "substitution" else UTILISATION.get(str(o.stage), 1.0)
        t = float(o.size_t) * util * _ramp(year - int(o.first_year))
        p_success = float(found.options.set_index(["option_id", "ally"]).loc[(o.option_id, o.ally), "p_success"])
        items.append((o.option_id, o.kind, o.ally, (o.ally,), o.material, o.stage, t, p_success))
    for item, kind, where, serves, material, stage, t, p in items:
        row = {"item": item, "kind": kind, "ally": ";".join(serves), "material": material, "stage": stage}
        row |= {"tonnes_per_year": t, "p_complete": p, "event": "", "note": ""}
        rows.append(row)
        if net.item_index(material, stage) is None:
            row["note"] = f"{material}/{stage} is not in the dataset's network"
        elif t <= 0 or p <= 0:
            row["note"] = f"no expected output in {year} (first year or completion probability)"
        elif kind == "substitution":
            demand = _final_demand(net, material, where)
            if demand <= 0:
                row["note"] = f"{where} has no final demand for {material} in the dataset"
                continue
            share = min(t * p / demand, 1.0)
            events.append(DemandSurge(where, "all", material, -share, 0, 1.0))  # horizon set per scenario
            row |= {"event": "demand_surge", "note": f"{share:.1%} of {where}'s final demand for {material}"}
        else:
            events.append(Project(where, material, stage, t, online=0, serves=serves, p_complete=p))
            row["event"] = "project"
            item_index = net.item_index(material, stage)
            users = [net.countries.index(c) for c in serves if c in net.countries]
            if not users or net.need[item_index, users].sum() <= 0:
                row["note"] = f"delivered to the world's users: {', '.join(serves)} use no {material}/{stage}"
    return PlanEvents(tuple(events), pd.DataFrame(rows, columns=ROWS))


def _final_demand(net: Network, material: str, region: str) -> float:
    """`region`'s baseline final demand for `material` (t/yr), where a demand surge scales it."""
    item = net.item_index(material, stages_of(material)[-1])
    if item is None or region not in net.countries:
        return 0.0
    return float(net.final_demand[item, net.countries.index(region)].sum()) * 12.0


def _allies(countries: Sequence[str]) -> list[str]:
    from ..optimise.inputs import region_of
    from ..vocabulary import ALLIES

    return [c for c in countries if region_of(c) in ALLIES]


def _measures(result: xr.Dataset, value: xr.DataArray | None) -> dict[tuple[str, str], np.ndarray]:
    """Per-draw totals: loss in USD (allies, all) and allied final shortfall per material (t)."""
    gap = result["cumulative_final_gap"]  # (draw, material, country, sector), t
    allied = gap.sel(country=_allies([str(c) for c in gap["country"].values]))
    out: dict[tuple[str, str], np.ndarray] = {}
    if value is not None:
        per_t = value.reindex(material=gap["material"].values, sector=gap["sector"].values).fillna(0.0)
        out[("loss_usd_allies", "all")] = (allied * per_t).sum(["material", "country", "sector"]).values
        out[("loss_usd_total", "all")] = (gap * per_t).sum(["material", "country", "sector"]).values
    for material in gap["material"].values:
        out[("shortfall_t_allies", str(material))] = allied.sel(material=material).sum(["country", "sector"]).values
    return out


def resilience_value(
    data: xr.Dataset,
    found: PlanResult,
    pipeline: pd.DataFrame,
    scenarios: Sequence[str],
    draws: int,
    seed: int | None = None,
    *,
    year: int,
    value: xr.DataArray | None = None,
) -> tuple[pd.DataFrame, PlanEvents]:
    """Per library scenario: expected loss and allied shortfall without and with the plan.

    Rows (:data:`COLUMNS`): ``loss_usd_allies`` and ``loss_usd_total`` (USD), then
    ``shortfall_t_allies`` per material (t; materials short in either run), each with the mean
    over `draws` without and with the plan, the mean avoided, its share of the loss without, and
    the 5-95% range of the per-draw avoided amount. `seed` overrides each scenario's own (None
    keeps it); `value` is USD lost per tonne short (material, sector), default the dataset's
    (:func:`critmin.report.results.value_per_tonne`; no USD rows when it cannot be valued).
    Returns the table and the plan's events (:func:`plan_projects`).
    """
    from ..report.results import value_per_tonne

    events = plan_projects(found, pipeline, data, year)
    if value is None:
        known = value_per_tonne(data)
        value = known if isinstance(known, xr.DataArray) else None
    rows = []
    for name in scenarios:
        scenario = load_scenario(name)
        if seed is not None:
            scenario = replace(scenario, seed=seed)
        planned = replace(scenario, events=scenario.events + _timed(events.events, scenario.horizon_months))
        year_of = baseline_year(data, scenario)
        before = _measures(run(data, scenario, draws=draws, year=year_of, trajectories=False), value)
        after = _measures(run(data, planned, draws=draws, year=year_of, trajectories=False), value)
        for (measure, material), a in before.items():
            b = after[(measure, material)]
            if measure.startswith("shortfall") and max(a.max(), b.max()) < SHORT_T:
                continue
            saved = a - b
            share = saved.mean() / a.mean() if a.mean() > 0 else np.nan
            unit = "t" if measure.startswith("shortfall") else "USD"
            low, high = np.quantile(saved, [0.05, 0.95])
            rows.append([name, measure, material, unit, a.mean(), b.mean(), saved.mean(), share, low, high, draws])
    return pd.DataFrame(rows, columns=COLUMNS), events


def _timed(events: tuple[Event, ...], horizon: int) -> tuple[Event, ...]:
    """Surges last the scenario's horizon."""
    return tuple(replace(e, duration_months=horizon) if isinstance(e, DemandSurge) else e for e in events)


def format_resilience(table: pd.DataFrame) -> str:
    """The table as text: per scenario, allied and total loss, then allied shortfall per material.

    >>> t = pd.DataFrame([["s", "loss_usd_allies", "all", "USD", 4e6, 1e6, 3e6, 0.75, 2e6, 4e6, 20],
    ...                   ["s", "shortfall_t_allies", "ndfeb", "t", 900.0, 300.0, 600.0, 2 / 3, 1e2, 8e2, 20]],
    ...                  columns=COLUMNS)
    >>> print(format_resilience(t))
      s (20 draws; avoided: mean (share), 5-95% of draws)
        allied loss                          USD 4.0 m ->   USD 1.0 m; avoided   USD 3.0 m (75%), USD 2.0 m to USD 4.0 m
        allied shortfall, NdFeB                  900 t ->       300 t; avoided       600 t (67%), 100 t to 800 t
    """
    from ..report.figures import usd

    def amount(value: float, unit: str) -> str:
        return usd(value) if unit == "USD" else f"{round(value):,} t"

    lines = []
    for name, group in table.groupby("scenario", sort=False):
        lines.append(f"  {name} ({int(group['draws'].iloc[0])} draws; avoided: mean (share), 5-95% of draws)")
        for r in group.itertuples():
            label = {"loss_usd_allies": "allied loss", "loss_usd_total": "total loss"}.get(
                r.measure, f"allied shortfall, {material_label(r.material)}"
            )
            share = "" if pd.isna(r.avoided_share) else f" ({round(r.avoided_share, 2) + 0.0:.0%})"  # no "-0%"
            lines.append(
                f"    {label:<34} {amount(r.without_plan, r.unit):>11} -> {amount(r.with_plan, r.unit):>11}; "
                f"avoided {amount(r.avoided, r.unit):>11}{share}, "
                f"{amount(r.avoided_p05, r.unit)} to {amount(r.avoided_p95, r.unit)}"
            )
    return "\n".join(lines)
