"""Plans that meet a target: which projects to back so a dependence target holds by a year.

A target is (ally, material, stage, year, share): the ally's supply at that step comes from
China for at most `share` in every year from `year` to the end of the outlook (the EU CRMA
reads "at any relevant stage of processing", so targets are per step, on the direct share).
Backing project j costs its capex and raises its completion probability from ``p_complete``
to ``p_backed`` (the high end of its range); the same uniforms decide completion either way,
so backing never removes output from a draw.

Under the outlook's allocation rule the China volume left in an ally's sourcing is
``max(C - Σ_j q_j w_j, 0)`` (fixed weights, :func:`allocation_weights`), and a world-market
buyer's China share is ``P_CHN / (P + Σ_j q_j)``; both make "share <= s" linear in the
decisions:

* recorded buyer: ``C - s V - Σ_j w_j (q_j + x_j Δq_j) <= 0``
* world-market buyer: ``P_CHN - s (P + Σ_j (q_j + x_j Δq_j)) <= 0``

with ``q`` the unbacked output, ``Δq`` the extra output if backed, per draw and year.
Chance constraint: binary ``z[t, d]`` says target t holds in draw d in every year, with
``lhs <= M (1 - z)``; at least ``alpha`` of the draws must hold. Cost mode minimises capex;
budget mode (``budget=``) maximises expected target-years within the budget. A target that no
plan can meet (every candidate backed, still under ``alpha``) is reported with the earliest
year it could be met (the lead times), not sent to the solver.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from ..exposure.years import base_year as dataset_base_year
from ..optimise.solve import solve
from .demand import demand_outlook, growth_factors
from .network import DOMINANT, allocation_rows, allocation_weights, project_rows, step_base
from .projects import project_draws, project_output, project_table
from .run import _incumbent, _labels
from .scenario import OutlookScenario

__all__ = ["PlanResult", "PlanTarget", "plan"]


@dataclass(frozen=True)
class PlanTarget:
    """China's share of `importer`'s supply of (material, stage) at most `share` from `year` on."""

    importer: str
    material: str
    stage: str
    year: int
    share: float = 0.65

    @property
    def name(self) -> str:
        """``IMPORTER material/stage <= share by year``."""
        return f"{self.importer} {self.material}/{self.stage} <= {self.share:.2f} by {self.year}"


@dataclass(frozen=True)
class PlanResult:
    """The chosen projects and what they achieve, target by target."""

    chosen: pd.DataFrame
    """project_id, name, country, material, stage, capex_usd of the backed projects."""
    cost: float
    targets: pd.DataFrame
    """target, importer, step (material/stage), status (met without plan / met by plan / not met in
    budget / no plan can meet), p_without, p_with (share of draws meeting it), earliest_year (every
    candidate backed) and reason."""
    build_seconds: float
    solve_seconds: float


class _Steps:
    """Base network, projects, growth and incumbent factors of each step, computed once."""

    def __init__(self, data: xr.Dataset, scenario: OutlookScenario, table: pd.DataFrame, years: list[int]) -> None:
        self.data, self.scenario, self.table, self.years = data, scenario, table, years
        self.labels = _labels(data, table)
        self.demand = demand_outlook(data, scenario, years[0], years[1:])["demand"]
        self.cache: dict[tuple[str, str], tuple] = {}

    def __call__(self, step: tuple[str, str]) -> tuple:
        if step not in self.cache:
            self.cache[step] = (
                step_base(self.data, *step, self.years[0], self.labels),
                project_rows(self.table, *step),
                growth_factors(self.demand, step[0], self.labels, self.years),
                _incumbent(self.scenario, *step, self.labels, self.years),
            )
        return self.cache[step]


def _terms(steps: _Steps, target: PlanTarget, q: np.ndarray, dq: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(A[draw, year], B[project, draw, year]) of one target; None if the ally has no supply there."""
    labels, table = steps.labels, steps.table
    base, rows, growth, incumbent = steps((target.material, target.stage))
    if target.importer not in labels or DOMINANT not in labels:
        return None
    a = labels.index(target.importer)
    china = labels.index(DOMINANT)
    n_draws, years = q.shape[1], steps.years
    coef = np.zeros((len(table), n_draws, len(years)))
    if base.recorded[a]:
        volume = base.volume[a].sum() * growth[:, a]
        if not volume.any():
            return None
        undisplaced = base.volume[:, china][None, :] * growth  # (year, importer)
        left = base.volume[a, china] * growth[:, a] - target.share * volume
        for j, (country, served) in enumerate(zip(rows["country"], rows["served"], strict=True)):
            chosen = allocation_rows(base, served)
            if country == DOMINANT or a not in chosen:
                continue
            weight = allocation_weights(undisplaced[:, chosen])[:, chosen.index(a)]  # (year,)
            coef[rows.index[j]] = weight[None, :]
    else:
        made = base.production[None, :] * incumbent
        left = made[:, china] - target.share * made.sum(-1)
        for j, country in zip(rows.index, rows["country"], strict=True):
            coef[j] = 0.0 if country == DOMINANT else target.share
    constant = left[None, :] - (coef * q).sum(0)
    return constant, -coef * dq


def _holds(constant: np.ndarray, slope: np.ndarray, x: np.ndarray, first: int) -> np.ndarray:
    """Per draw: the target holds in every year from index `first` under decisions `x`."""
    lhs = constant + np.tensordot(x, slope, axes=(0, 0))
    return np.asarray((lhs[:, first:] <= 1e-9).all(axis=1))


def _earliest(constant: np.ndarray, slope: np.ndarray, years: list[int], alpha: float) -> int | None:
    """Earliest year from which the target holds in `alpha` of draws with every candidate backed."""
    everything = np.ones(slope.shape[0])
    for i, year in enumerate(years):
        if _holds(constant, slope, everything, i).mean() >= alpha - 1e-12:
            return year
    return None


def plan(
    data: xr.Dataset,
    scenario: OutlookScenario,
    targets: Sequence[PlanTarget],
    *,
    draws: int = 100,
    seed: int = 0,
    alpha: float = 0.5,
    budget: float | None = None,
    to: int = 2035,
    projects: pd.DataFrame | None = None,
) -> PlanResult:
    """The cheapest set of projects to back so each target holds in `alpha` of the draws.

    Parameters
    ----------
    data, scenario : the dataset and outlook scenario
    targets : PlanTarget sequence
    draws, seed : Monte Carlo draws of completion and delay (the outlook's seed rule)
    alpha : share of draws in which each target must hold (chance constraint)
    budget : float, optional
        If given, maximise expected target-years met within this capex instead.
    to : last year of the outlook
    projects : project table (default :func:`project_table`); candidates are rows with a capex
        and ``p_backed > p_complete``.
    """
    started = time.perf_counter()
    table = (project_table() if projects is None else projects).reset_index(drop=True)
    years = list(range(dataset_base_year(data), to + 1))
    ids = range(draws)
    done, delay = project_draws(table, ids, seed)
    done_backed, _ = project_draws(table, ids, seed, probability="p_backed")
    q = project_output(table, done, delay, years)
    dq = project_output(table, done_backed & ~done, delay, years)
    q[:, :, 0] = dq[:, :, 0] = 0.0
    q, dq = q.transpose(1, 0, 2), dq.transpose(1, 0, 2)  # (project, draw, year)
    capex = table["capex_usd"].to_numpy(float)
    candidate = np.isfinite(capex) & (table["p_backed"].to_numpy(float) > table["p_complete"].to_numpy(float))
    rows, terms = [], []
    steps = _Steps(data, scenario, table, years)
    for target in targets:
        first = years.index(target.year) if target.year in years else len(years)
        found = _terms(steps, target, q, dq)
        label = {"target": target.name, "importer": target.importer, "step": f"{target.material}/{target.stage}"}
        if found is None:
            rows.append({**label, "status": "not applicable", "reason": "the ally has no supply there"})
            continue
        constant, slope = found
        slope = slope * candidate[:, None, None]
        earliest = _earliest(constant, slope, years, alpha)
        constant = np.where(np.arange(len(years))[None, :] >= first, constant, -1.0)
        without = _holds(constant, slope, np.zeros(len(table)), first).mean()
        best = _holds(constant, slope, candidate.astype(float), first).mean()
        row = {**label, "p_without": without, "earliest_year": earliest}
        if without >= alpha - 1e-12:
            rows.append({**row, "status": "met without plan", "reason": ""})
        elif best < alpha - 1e-12:
            when = f"from {earliest} at the earliest" if earliest else f"not by {years[-1]}"
            reason = (
                f"with every candidate backed it holds in {best:.0%} of draws by {target.year} "
                f"(needs {alpha:.0%}): {when}; lead times and capacities of the candidates serving it are too short"
            )
            rows.append({**row, "status": "no plan can meet", "p_with": best, "reason": reason})
        else:
            terms.append((len(rows), target, constant, slope))
            rows.append({**row, "status": "", "reason": ""})
    chosen_x = np.zeros(len(table))
    solve_seconds = 0.0
    build_seconds = time.perf_counter() - started
    if terms and (budget is None or budget > 0):
        chosen_x, solve_seconds, build = _solve(terms, capex, candidate, draws, years, alpha, budget)
        build_seconds += build
    for index, target, constant, slope in terms:
        first = years.index(target.year)
        p_with = _holds(constant, slope, chosen_x, first).mean()
        met = p_with >= alpha - 1e-12
        rows[index].update(p_with=p_with, status="met by plan" if met else "not met within budget")
    chosen = table.loc[chosen_x > 0.5, ["project_id", "name", "country", "material", "stage", "capex_usd"]]
    columns = ["target", "importer", "step", "status", "p_without", "p_with", "earliest_year", "reason"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["earliest_year"] = frame["earliest_year"].astype("Int64")
    return PlanResult(
        chosen.reset_index(drop=True), float(capex[chosen_x > 0.5].sum()), frame, build_seconds, solve_seconds
    )


def _solve(
    terms: list[tuple[int, PlanTarget, np.ndarray, np.ndarray]],
    capex: np.ndarray,
    candidate: np.ndarray,
    draws: int,
    years: list[int],
    alpha: float,
    budget: float | None,
) -> tuple[np.ndarray, float, float]:
    """Build and solve the chance-constrained MIP; returns x, solve seconds and build seconds."""
    started = time.perf_counter()
    names = [f"t{i}" for i in range(len(terms))]
    constant = xr.DataArray(np.stack([t[2] for t in terms]), dims=("target", "draw", "year"), coords={"target": names})
    slope = xr.DataArray(
        np.stack([t[3] for t in terms]), dims=("target", "project", "draw", "year"), coords={"target": names}
    ).where(xr.DataArray(candidate, dims="project"), 0.0)
    big = constant.clip(min=0.0).max("year") + 1e-6
    model = linopy.Model()
    x = model.add_variables(binary=True, coords=[pd.RangeIndex(len(capex), name="project")], name="back")
    x_fixed = ~candidate
    if x_fixed.any():
        model.add_constraints(x.sel(project=np.flatnonzero(x_fixed)) == 0, name="not_candidate")
    cost = (xr.DataArray(np.nan_to_num(capex), dims="project") * x).sum()
    if budget is None:
        z = model.add_variables(
            binary=True, coords=[pd.Index(names, name="target"), pd.RangeIndex(draws, name="draw")], name="held"
        )
        model.add_constraints((slope * x).sum("project") + big * z <= big - constant, name="holds")
        model.add_constraints(z.sum("draw") >= math.ceil(alpha * draws - 1e-9), name="chance")
        model.add_objective(cost)
    else:
        z = model.add_variables(
            binary=True,
            coords=[
                pd.Index(names, name="target"),
                pd.RangeIndex(draws, name="draw"),
                pd.RangeIndex(len(years), name="year"),
            ],
            name="held",
        )
        big_y = constant.clip(min=0.0) + 1e-6
        counted = xr.DataArray(
            np.stack([np.arange(len(years)) >= years.index(t[1].year) for t in terms]).astype(float),
            dims=("target", "year"),
            coords={"target": names},
        )
        model.add_constraints((slope * x).sum("project") + big_y * z <= big_y - constant, name="holds")
        model.add_constraints(cost <= budget, name="budget")
        model.add_objective(-(counted * z).sum() / draws + 1e-12 * cost)
    build = time.perf_counter() - started
    report = solve(model, model_name="multi-year plan")
    values = model.variables["back"].solution.to_numpy()
    return np.round(np.nan_to_num(values)), report.seconds, build
