"""Run the outlook: every draw of the pipeline through the projected network, then bands.

For each draw (completion and delay of every project) and year from the base year to `to`:
world production, China's, top-1 and top-3 shares and HHI per step; each ally's direct and
any-stage ("ultimate") dependence on China and on its largest origin per target; and the CRMA
ratios per ally and step. Results are 5/50/95% quantiles over draws in one xarray Dataset.
Draws are processed in chunks so memory stays bounded; a chunk's results depend only on its
draw numbers, so any split gives the same bands.

Largest origin: the any-stage exposure is computed for China and for the three origins of
largest base-year exposure of each ally (the candidates), and the largest of those is reported.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import DataError, Issue
from ..exposure.dependence import chain_path
from ..exposure.summary import _last_stage
from ..exposure.years import base_year as dataset_base_year
from ..vocabulary import ALLIES
from .demand import demand_outlook, growth_factors
from .network import DOMINANT, exposure_any_stage, own_mask, project_rows, projected_step, step_base
from .options import option_output, option_success
from .projects import project_draws, project_output, project_table
from .scenario import OutlookScenario

__all__ = ["QUANTILES", "default_targets", "run_outlook"]

QUANTILES = (0.05, 0.5, 0.95)
CHUNK = 100
Step = tuple[str, str]


KEY_STEPS: tuple[Step, ...] = (
    ("ndpr", "separation"),
    ("dysprosium", "separation"),
    ("terbium", "separation"),
    ("gallium", "refining"),
)
"""Intermediate steps reported as targets too: oxides and primary gallium, where projects land."""


def default_targets(data: xr.Dataset, year: int) -> list[Step]:
    """Each material's most downstream stage with production in `year`, then :data:`KEY_STEPS`.

    >>> from critmin.data import load
    >>> ("ndfeb", "magnet") in default_targets(load(), 2024)
    True
    """
    has = data["production"].sel(year=year).notnull().any("country")
    last = _last_stage(has)
    found = [
        (str(m), str(s))
        for m in data["material"].values
        for s in data["stage"].values
        if bool(last.sel(material=m, stage=s))
    ]
    extra = [
        k
        for k in KEY_STEPS
        if k[0] in has["material"] and k[1] in has["stage"] and bool(has.sel(material=k[0], stage=k[1]))
    ]
    return list(dict.fromkeys([*found, *extra]))


def _labels(data: xr.Dataset, projects: pd.DataFrame) -> list[str]:
    labels = set(ALLIES) | set(data["production"]["country"].values.tolist()) | set(projects["country"])
    if "trade" in data:
        labels |= set(data["trade"]["exporter"].values.tolist()) | set(data["trade"]["importer"].values.tolist())
    return sorted(labels)


def _incumbent(
    scenario: OutlookScenario, material: str, stage: str, labels: Sequence[str], years: Sequence[int]
) -> np.ndarray:
    """(year, country) capacity factor of existing producers over the base year."""
    factor = np.ones((len(years), len(labels)))
    for entry in scenario.incumbent:
        if (entry.material, entry.stage) != (material, stage) or entry.country not in labels:
            continue
        c = list(labels).index(entry.country)
        level = 1.0
        for t, year in enumerate(years):
            if t > 0 and entry.first_year <= year <= entry.last_year:
                level *= 1.0 + entry.rate
            factor[t, c] *= level
    return factor


def _world(made: np.ndarray, labels: Sequence[str]) -> dict[str, np.ndarray]:
    """Each country's share, total, China, top-1, top-3 shares and HHI of production (draw, year, country)."""
    total = made.sum(-1)
    safe = np.where(total > 0, total, np.nan)
    share = made / safe[..., None]
    ranked = -np.sort(-np.nan_to_num(share), axis=-1)
    china = share[..., list(labels).index(DOMINANT)] if DOMINANT in labels else np.zeros_like(total)
    return {
        "country_share": share,
        "supply": total,
        "china_share": china,
        "top1_share": ranked[..., 0] * (total > 0) + np.where(total > 0, 0, np.nan),
        "top3_share": ranked[..., :3].sum(-1) + np.where(total > 0, 0, np.nan),
        "hhi": (np.nan_to_num(share) ** 2).sum(-1) + np.where(total > 0, 0, np.nan),
    }


class _Collector:
    """Per-draw results of every chunk, joined in draw order."""

    def __init__(self) -> None:
        self.parts: dict[tuple, list[np.ndarray]] = {}
        self.size = 0
        """Draws in the current chunk: results alike in every draw broadcast to it."""

    def add(self, key: tuple, value: np.ndarray) -> None:
        self.parts.setdefault(key, []).append(np.broadcast_to(value, (self.size, *value.shape[1:])))

    def joined(self, key: tuple) -> np.ndarray:
        return np.concatenate(self.parts[key], axis=0)


def _candidates(matrices: Sequence[np.ndarray], labels: Sequence[str], allies: Sequence[int]) -> list[int]:
    """China plus each ally's three largest base-year any-stage origins (not itself)."""
    every = exposure_any_stage([m[0, 0] for m in matrices], range(len(labels)))
    chosen = {list(labels).index(DOMINANT)} if DOMINANT in labels else set()
    for a in allies:
        row = np.where(own_mask(labels[a], labels), -1.0, np.nan_to_num(every[a], nan=-1.0))
        chosen |= {int(k) for k in np.argsort(-row)[:3] if row[k] > 0}
    return sorted(chosen)


def run_outlook(
    data: xr.Dataset,
    scenario: OutlookScenario,
    *,
    to: int = 2035,
    draws: int = 1000,
    seed: int = 0,
    projects: pd.DataFrame | None = None,
    targets: Sequence[Step] | None = None,
    draw_ids: Sequence[int] | None = None,
    per_draw: bool = False,
    options: pd.DataFrame | None = None,
) -> xr.Dataset:
    """The outlook's per-draw results reduced to quantiles (see the module docstring).

    Parameters
    ----------
    data : xarray.Dataset
        The labelled dataset (:func:`critmin.data.load`).
    scenario : OutlookScenario
    to : int
        Last year.
    draws, seed : int
        Number of draws and the seed; draw i uses ``SeedSequence([seed, i])``.
    projects : DataFrame, optional
        The project table (default :func:`project_table`); e.g. a plan's selection.
    targets : sequence of (material, stage), optional
        Default :func:`default_targets`.
    draw_ids : sequence of int, optional
        Draw numbers to run instead of ``range(draws)`` (to check splits).
    per_draw : bool
        Return every draw's results (dim ``draw``) instead of the quantiles.
    options : DataFrame, optional
        Option candidates with a ``size_t`` (a plan's :attr:`~critmin.outlook.plan.PlanResult.options`):
        recycling and new plants enter as projects in the ally serving the ally; substitution
        lowers the ally's China volume (:func:`~critmin.outlook.network.projected_step`).

    Returns
    -------
    xarray.Dataset
        ``per_draw`` results are in the variables with a ``draw`` dim; quantiles over draws in
        those with ``quantile``. Examples are in tests/outlook.
    """
    if "demand" not in data:
        fix = "add demand.csv (material, region, sector, year, value) to the data package, or use the packaged dataset"
        raise DataError(
            [Issue("demand.csv", 0, "(file)", "the outlook grows each country's demand, and there is none", fix)]
        )
    base = dataset_base_year(data)
    years = list(range(base, to + 1))
    table = project_table() if projects is None else projects.reset_index(drop=True)
    ids = list(range(draws)) if draw_ids is None else list(draw_ids)
    goals = list(targets) if targets is not None else default_targets(data, base)
    if "chain" in data:
        paths = {t: [(str(m), str(s)) for m, s in chain_path(data["chain"], *t)] for t in goals}
    else:  # no chain links: each target is its own step
        paths = {t: [t] for t in goals}
    steps = list(dict.fromkeys(s for p in paths.values() for s in p))
    labels = _labels(data, table)
    allies = [labels.index(a) for a in ALLIES]
    outlook_demand = demand_outlook(data, scenario, base, years[1:])
    bases = {s: step_base(data, *s, base, labels) for s in steps}
    step_projects = {s: project_rows(table, *s) for s in steps}
    bought = _bought(options)
    supplies = {s: bought.loc[_at(bought, s) & (bought["kind"] != "substitution")] for s in steps}
    cuts = {s: bought.loc[_at(bought, s) & (bought["kind"] == "substitution")] for s in steps}
    growth = {s: growth_factors(outlook_demand["demand"], s[0], labels, years) for s in steps}
    incumbent = {s: _incumbent(scenario, *s, labels, years) for s in steps}
    collect = _Collector()
    candidates: dict[Step, list[int]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        collect.size = len(chunk)
        done, delay = project_draws(table, chunk, seed)
        output = project_output(table, done, delay, years)
        output[:, :, 0] = 0.0  # the base year is the measured network
        effect = (
            option_output(bought, option_success(bought, chunk, seed), years)
            * bought["size_t"].to_numpy(float)[:, None]
        )
        effect[:, :, 0] = 0.0
        matrices: dict[Step, np.ndarray] = {}
        for s in steps:
            rows, extra = step_projects[s], supplies[s]
            joined = pd.concat([rows[["country", "served"]], extra[["country", "served"]]], ignore_index=True)
            out = np.concatenate([output[:, rows.index, :], effect[:, extra.index, :]], axis=1)
            avoided = _avoided(cuts[s], effect, labels) if len(cuts[s]) else None
            made, matrices[s] = projected_step(bases[s], growth[s], incumbent[s], joined, out, avoided)
            for name, value in _world(made, labels).items():
                collect.add(("world", name, s), value)
            own_made = np.stack([made[..., own_mask(labels[a], labels)].sum(-1) for a in allies], axis=-1)
            supply = np.stack([bases[s].volume[a].sum() * growth[s][:, a] for a in allies], axis=-1)[None]
            collect.add(("crma", "domestic_share", s), own_made / np.where(supply > 0, supply, np.nan))
            third = [np.where(own_mask(labels[a], labels), 0.0, matrices[s][..., a, :]).max(-1) for a in allies]
            collect.add(("crma", "single_country", s), np.stack(third, axis=-1))
        for goal in goals:
            chain = [matrices[s] for s in paths[goal]]
            if goal not in candidates:
                candidates[goal] = _candidates(chain, labels, allies)
            k = candidates[goal]
            exposure = exposure_any_stage(chain, k)[..., allies, :]
            last = chain[-1][..., allies, :]
            china = labels.index(DOMINANT)
            not_own = np.array([[not own_mask(labels[a], labels)[c] for c in k] for a in allies])
            collect.add(("dep", "direct_china", goal), last[..., china])
            collect.add(("dep", "ultimate_china", goal), exposure[..., k.index(china)])
            own_all = np.stack([own_mask(labels[a], labels) for a in allies])
            collect.add(("dep", "direct_largest", goal), np.where(own_all, 0.0, np.nan_to_num(last)).max(-1))
            collect.add(("dep", "ultimate_largest", goal), np.where(not_own, np.nan_to_num(exposure), 0.0).max(-1))
    # the country dim of the shares: base-year producers and project countries, the same for any draws
    producers = sorted(
        {int(i) for s in steps for i in np.flatnonzero(bases[s].production > 0)}
        | {labels.index(c) for s in steps for c in step_projects[s]["country"]}
        | {labels.index(c) for s in steps for c in supplies[s]["country"]}
    )
    return _assemble(collect, years, steps, goals, ids, outlook_demand, scenario, per_draw, labels, producers)


def _bought(options: pd.DataFrame | None) -> pd.DataFrame:
    """Options bought (size > 0), as rows in their ally serving their ally; draw order kept."""
    columns = ["kind", "material", "stage", "ally", "first_year", "p_success", "size_t", "country", "served"]
    if options is None or not len(options):
        return pd.DataFrame(columns=columns)
    # uniforms follow the candidate order, so every candidate is kept (size 0 adds nothing)
    frame = options.assign(country=options["ally"], served=[[a] for a in options["ally"]])
    return frame.reset_index(drop=True)


def _at(frame: pd.DataFrame, step: Step) -> pd.Series:
    return (frame["material"] == step[0]) & (frame["stage"] == step[1]) & (frame["size_t"] > 0)


def _avoided(rows: pd.DataFrame, effect: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """(draw, year, importer) demand avoided by the substitution `rows`."""
    out = np.zeros((effect.shape[0], effect.shape[2], len(labels)))
    for k, ally in zip(rows.index, rows["ally"], strict=True):
        out[:, :, list(labels).index(ally)] += effect[:, k, :]
    return out


def _assemble(
    collect: _Collector,
    years: list[int],
    steps: list[Step],
    goals: list[Step],
    ids: list[int],
    outlook_demand: xr.Dataset,
    scenario: OutlookScenario,
    keep_draws: bool,
    labels: list[str],
    producers: list[int],
) -> xr.Dataset:
    """Per-draw arrays and their quantiles as one Dataset."""
    step_names = [f"{m}/{s}" for m, s in steps]
    goal_names = [f"{m}/{s}" for m, s in goals]
    q = list(QUANTILES)
    out: dict[str, xr.DataArray] = {}
    for name in ("supply", "china_share", "top1_share", "top3_share", "hhi"):
        per = np.stack([collect.joined(("world", name, s)) for s in steps], axis=-1)
        out[name] = xr.DataArray(
            per, dims=("draw", "year", "step"), coords={"draw": ids, "year": years, "step": step_names}
        )
    per = np.stack([collect.joined(("world", "country_share", s)) for s in steps], axis=-2)
    out["country_share"] = xr.DataArray(
        per[..., producers],
        dims=("draw", "year", "step", "country"),
        coords={"draw": ids, "year": years, "step": step_names, "country": [labels[i] for i in producers]},
    )
    for name in ("domestic_share", "single_country"):
        per = np.stack([collect.joined(("crma", name, s)) for s in steps], axis=-1)
        out[name] = xr.DataArray(
            per,
            dims=("draw", "year", "importer", "step"),
            coords={"draw": ids, "year": years, "importer": list(ALLIES), "step": step_names},
        )
    for name in ("direct_china", "ultimate_china", "direct_largest", "ultimate_largest"):
        per = np.stack([collect.joined(("dep", name, g)) for g in goals], axis=-1)
        out[name] = xr.DataArray(
            per,
            dims=("draw", "year", "importer", "target"),
            coords={"draw": ids, "year": years, "importer": list(ALLIES), "target": goal_names},
        )
    per_draw = xr.Dataset(out)
    world_demand = outlook_demand["demand"].sum(["region", "sector"], min_count=1)
    demand_at = xr.DataArray(
        [
            world_demand.sel(material=m).reindex(year=years).to_numpy()
            if m in world_demand["material"]
            else [np.nan] * len(years)
            for m, _ in goals
        ],
        dims=("target", "year"),
        coords={"target": goal_names, "year": years},
    )
    supply_at = per_draw["supply"].sel(step=goal_names).rename(step="target")
    per_draw["balance"] = supply_at - demand_at
    if keep_draws:
        return per_draw
    # np.quantile, not nanquantile: a NaN here is structural (no supply), the same in every draw
    bands = xr.Dataset(
        {
            name: xr.DataArray(
                np.quantile(var.to_numpy(), q, axis=0),
                dims=("quantile", *var.dims[1:]),
                coords={"quantile": q, **{d: var[d] for d in var.dims[1:]}},
            )
            for name, var in per_draw.data_vars.items()
        }
    )
    result = xr.merge([bands, demand_at.rename("demand")])
    result.attrs.update(
        scenario=scenario.name,
        scenario_title=scenario.title,
        draws=len(ids),
        base_year=years[0],
        rule="new supply displaces China in its offtakers' sourcing pro rata to their China volume",
    )
    return result
