"""Plans that meet a target: which projects to back and options to buy so a target holds by a year.

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
Generic options (:mod:`critmin.outlook.options`: recycling, substitution, new plants) add a
continuous size ``y_k`` (t/yr, at most its cap) bought at its unit cost: a plant or recycling
line in the ally adds ``e_k y_k`` of non-China supply (``e`` = success x ramp x utilisation per
draw and year: coefficient 1 for a recorded buyer, ``s`` for a world-market buyer); avoided
demand takes ``e_k y_k`` off the ally's China volume and its total (coefficient ``1 - s``;
nothing for a world-market buyer, whose shares are the world's). World-market buyers of a step
face the same constraint, so it enters the model once, and one new plant per option serves them
all (several identical plants with their own success draws would only multiply the search).
Chance constraint: binary ``z[t, d]`` says target t holds in draw d in every year, with
``lhs <= M (1 - z)``; at least ``alpha`` of the draws must hold. Cost mode minimises capex plus
option cost; budget mode (``budget=``) maximises expected target-years within the budget. A
target that no plan can meet (every candidate backed and every option at its cap, decided in
:data:`~critmin.outlook.options.DECISION_YEAR`, still under ``alpha``) is reported with the
earliest year it could be met (the lead times), not sent to the solver.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from ..exposure.years import base_year as dataset_base_year
from ..optimise.solve import solve
from ..vocabulary import ALLIES
from .demand import demand_outlook, growth_factors
from .network import DOMINANT, _served, allocation_rows, allocation_weights, project_rows, step_base
from .options import COLUMNS as OPTION_COLUMNS
from .options import DECISION_YEAR, option_candidates, option_output, option_success, read_options
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
    """The chosen projects and options and what they achieve, target by target."""

    chosen: pd.DataFrame
    """project_id, name, country, material, stage, capex_usd of the backed projects."""
    cost: float
    """Capex of the backed projects plus the cost of the options bought (USD)."""
    targets: pd.DataFrame
    """target, importer, step (material/stage), status (met without plan / met by plan / not met in
    budget / no plan can meet), p_without, p_with (share of draws meeting it), earliest_year (every
    candidate backed) and reason."""
    build_seconds: float
    solve_seconds: float
    options: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Every option candidate (:func:`~critmin.outlook.options.option_candidates`) with the
    plan's ``size_t`` (0 if not bought) and ``cost_usd``; :attr:`bought` lists those bought."""

    @property
    def bought(self) -> pd.DataFrame:
        """The options bought: option_id, kind, name, ally, material, stage, size_t, first_year, cost_usd."""
        if not len(self.options):
            return pd.DataFrame(columns=_BOUGHT)
        return self.options.loc[self.options["size_t"] > 0, _BOUGHT].reset_index(drop=True)

    def buys(self, projects: pd.DataFrame) -> pd.DataFrame:
        """What the plan buys per (ally, step): importer, step, buys (text) and cost_usd.

        `projects` is the project table (for whom each backed project serves); a project serving
        several allies is listed with its whole capex under each of them.
        """
        rows = []
        served = projects.set_index("project_id")["serves"].to_dict()
        for r in self.chosen.itertuples():
            for ally in _served(str(served.get(r.project_id, ""))):
                rows.append((ally, f"{r.material}/{r.stage}", f"project {r.project_id}", float(r.capex_usd)))
        for r in self.bought.itertuples():
            what = f"{r.kind} {r.option_id} {r.size_t:,.1f} t/yr from {r.first_year}"
            rows.append((r.ally, f"{r.material}/{r.stage}", what, float(r.cost_usd)))
        return pd.DataFrame(rows, columns=["importer", "step", "buys", "cost_usd"])


MIP_GAP = 1e-4
"""Relative optimality gap of the plan's MIP: the cost is within 0.01% of the cheapest."""
TIME_LIMIT = 120.0
"""Seconds HiGHS may search; a plan found by then is kept with its gap (see the solve report)."""
_BOUGHT = ["option_id", "kind", "name", "ally", "material", "stage", "size_t", "first_year", "cost_usd"]


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

    def basis(self, ally: str, material: str, stage: str, kind: str) -> tuple[float, bool]:
        """The base-year t/yr an option's cap is a share of, and whether the ally buys by recorded flows.

        A recorded buyer's supply volume. For a world-market buyer, recycling's and substitution's
        is its own demand for the material, and a new plant's the combined demand of the allies
        buying like the world market at the step (one plant serves them all at world shares).
        """
        base = self((material, stage))[0]
        if ally not in self.labels:
            return 0.0, False
        if base.recorded[self.labels.index(ally)]:
            return float(base.volume[self.labels.index(ally)].sum()), True
        if kind != "new_build":
            return self._demand(ally, material), False
        world = [a for a in ALLIES if a in self.labels and not base.recorded[self.labels.index(a)]]
        return sum(self._demand(a, material) for a in world), False

    def _demand(self, ally: str, material: str) -> float:
        demand = self.demand
        if material not in demand["material"] or ally not in demand["region"]:
            return 0.0
        cell = demand.sel(material=material, region=ally, year=self.years[0]).sum("sector")
        return float(np.nan_to_num(cell.item()))


def _candidates(steps: _Steps, options: pd.DataFrame) -> pd.DataFrame:
    """Option candidates with their caps; substitution only where the ally buys by recorded flows."""
    if options.empty:
        return option_candidates(pd.DataFrame(columns=list(OPTION_COLUMNS)), {})
    basis, recorded = {}, {}
    made = steps.data["production"]
    for material, stage, kind in options[["material", "stage", "kind"]].drop_duplicates().itertuples(index=False):
        if material not in made["material"] or stage not in made["stage"]:
            continue  # a step the dataset does not hold: nothing to cap against
        for ally in steps.labels:
            key = (ally, material, stage, kind)
            basis[key], recorded[key] = steps.basis(*key)
    found = option_candidates(options, basis)
    keep, world_plant = [], set()
    for kind, ally, m, st, oid in zip(
        found["kind"], found["ally"], found["material"], found["stage"], found["option_id"], strict=True
    ):
        own = recorded[(ally, m, st, kind)]
        # a plant at world shares serves every world-market buyer alike: one candidate, in the first such ally
        keep.append(own or (kind == "new_build" and oid not in world_plant) or kind == "recycling")
        world_plant |= {oid} if kind == "new_build" and not own else set()
    return found.loc[keep].reset_index(drop=True)


def _terms(
    steps: _Steps, target: PlanTarget, q: np.ndarray, dq: np.ndarray, options: pd.DataFrame, effect: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """(A[draw, year], B[decision, draw, year]) of one target; None if the ally has no supply there.

    Decisions are the projects (backed or not) then the option candidates (t/yr bought).
    """
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
        per_kind = {"recycling": 1.0, "new_build": 1.0, "substitution": 1.0 - target.share}
    else:
        made = base.production[None, :] * incumbent
        left = made[:, china] - target.share * made.sum(-1)
        for j, country in zip(rows.index, rows["country"], strict=True):
            coef[j] = 0.0 if country == DOMINANT else target.share
        per_kind = {"recycling": target.share, "new_build": target.share, "substitution": 0.0}
    constant = left[None, :] - (coef * q).sum(0)
    # a recorded buyer gains from its own options; world shares from every ally's plants
    mine = ((options["material"] == target.material) & (options["stage"] == target.stage)).to_numpy()
    if base.recorded[a]:
        mine = mine & (options["ally"] == target.importer).to_numpy()
    weight = options["kind"].map(per_kind).fillna(0.0).to_numpy(float) * mine
    option_slope = -weight[:, None, None] * effect.transpose(1, 0, 2)  # (candidate, draw, year)
    return constant, np.concatenate([-coef * dq, option_slope])


def _holds(constant: np.ndarray, slope: np.ndarray, x: np.ndarray, first: int) -> np.ndarray:
    """Per draw: the target holds in every year from index `first` under decisions `x`.

    The tolerance is relative to the step's tonnage: the solver meets constraints to about 1e-7
    of their scale, and continuous option sizes sit exactly on the bound.
    """
    lhs = constant + np.tensordot(x, slope, axes=(0, 0))
    tolerance = 1e-6 * max(1.0, float(np.abs(constant).max(initial=0.0)))
    return np.asarray((lhs[:, first:] <= tolerance).all(axis=1))


def _earliest(
    constant: np.ndarray, slope: np.ndarray, years: list[int], alpha: float, everything: np.ndarray
) -> int | None:
    """Earliest year from which the target holds in `alpha` of draws with every decision at its upper bound."""
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
    options: pd.DataFrame | None = None,
) -> PlanResult:
    """The cheapest projects to back and options to buy so each target holds in `alpha` of the draws.

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
    options : option table (default :func:`~critmin.outlook.options.read_options`); each is offered
        to every ally it names, up to its cap, decided in
        :data:`~critmin.outlook.options.DECISION_YEAR`.
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
    steps = _Steps(data, scenario, table, years)
    cands = _candidates(steps, read_options() if options is None else options)
    effect = option_output(cands, option_success(cands, ids, seed), years)  # (draw, candidate, year)
    effect[:, :, 0] = 0.0
    cost = np.concatenate([np.nan_to_num(capex), cands["unit_cost_usd"].to_numpy(float)])
    upper = np.concatenate([candidate.astype(float), cands["cap_t"].to_numpy(float)])
    rows: list[dict] = []
    terms: list[tuple[int, PlanTarget, np.ndarray, np.ndarray]] = []
    same: dict[tuple[bytes, bytes, int], int] = {}  # world-market buyers of a step share one constraint
    aliases: list[tuple[int, int, PlanTarget, np.ndarray, np.ndarray]] = []
    for target in targets:
        first = years.index(target.year) if target.year in years else len(years)
        found = _terms(steps, target, q, dq, cands, effect)
        label = {"target": target.name, "importer": target.importer, "step": f"{target.material}/{target.stage}"}
        if found is None:
            rows.append({**label, "status": "not applicable", "reason": "the ally has no supply there"})
            continue
        constant, slope = found
        slope = slope * (upper > 0)[:, None, None]
        earliest = _earliest(constant, slope, years, alpha, upper)
        constant = np.where(np.arange(len(years))[None, :] >= first, constant, -1.0)
        without = _holds(constant, slope, np.zeros(len(upper)), first).mean()
        best = _holds(constant, slope, upper, first).mean()
        row = {**label, "p_without": without, "earliest_year": earliest}
        if without >= alpha - 1e-12:
            rows.append({**row, "status": "met without plan", "reason": ""})
        elif not slope.any():
            reason = (
                "no listed project or option serves it: options are capped on the ally's base-year supply "
                "(or, buying like the world market, on the allies' demand), and the dataset has none here"
            )
            rows.append({**row, "status": "no plan can meet", "p_with": best, "reason": reason})
        elif best < alpha - 1e-12:
            when = f"from {earliest} at the earliest" if earliest else f"not by {years[-1]}"
            reason = (
                f"with every candidate backed and every option at its cap (decided in {DECISION_YEAR}) it holds "
                f"in {best:.0%} of draws by {target.year} (needs {alpha:.0%}): {when}; "
                "the lead times, capacities and success probabilities of the projects and options serving it fall short"
            )
            rows.append({**row, "status": "no plan can meet", "p_with": best, "reason": reason})
        else:
            key = (constant.tobytes(), slope.tobytes(), first)
            if key in same:
                aliases.append((len(rows), same[key], target, constant, slope))
            else:
                same[key] = len(terms)
                terms.append((len(rows), target, constant, slope))
            rows.append({**row, "status": "", "reason": ""})
    chosen_x = np.zeros(len(upper))
    solve_seconds = 0.0
    build_seconds = time.perf_counter() - started
    if terms and (budget is None or budget > 0):
        chosen_x, solve_seconds, build = _solve(terms, cost, upper, len(table), draws, years, alpha, budget)
        build_seconds += build
    for index, target, constant, slope in [*terms, *((a[0], *a[2:]) for a in aliases)]:
        first = years.index(target.year)
        p_with = _holds(constant, slope, chosen_x, first).mean()
        met = p_with >= alpha - 1e-12
        rows[index].update(p_with=p_with, status="met by plan" if met else "not met within budget")
    backed = chosen_x[: len(table)] > 0.5
    chosen = table.loc[backed, ["project_id", "name", "country", "material", "stage", "capex_usd"]]
    sizes = chosen_x[len(table) :]
    bought = cands.assign(size_t=sizes, cost_usd=sizes * cands["unit_cost_usd"].to_numpy(float))
    columns = ["target", "importer", "step", "status", "p_without", "p_with", "earliest_year", "reason"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["earliest_year"] = frame["earliest_year"].astype("Int64")
    total = float(capex[backed].sum() + bought["cost_usd"].sum())
    return PlanResult(chosen.reset_index(drop=True), total, frame, build_seconds, solve_seconds, bought)


def _solve(
    terms: list[tuple[int, PlanTarget, np.ndarray, np.ndarray]],
    cost: np.ndarray,
    upper: np.ndarray,
    n_projects: int,
    draws: int,
    years: list[int],
    alpha: float,
    budget: float | None,
) -> tuple[np.ndarray, float, float]:
    """Build and solve the chance-constrained MIP; returns the decisions, solve seconds and build seconds.

    Decisions are binary for projects (the first `n_projects`) and continuous in [0, cap] for
    options; only those that move some target enter the model.
    """
    started = time.perf_counter()
    names = [f"t{i}" for i in range(len(terms))]
    stacked = np.stack([t[3] for t in terms])  # (target, decision, draw, year)
    used = (upper > 0) & (stacked != 0).any(axis=(0, 2, 3))
    part = {"project": np.flatnonzero(used[:n_projects]), "option": np.flatnonzero(used[n_projects:]) + n_projects}
    constant = xr.DataArray(np.stack([t[2] for t in terms]), dims=("target", "draw", "year"), coords={"target": names})
    big = constant.clip(min=0.0).max("year") + 1e-6
    model = linopy.Model()
    back = model.add_variables(binary=True, coords=[pd.Index(part["project"], name="project")], name="back")
    size = model.add_variables(
        lower=0.0,
        upper=xr.DataArray(upper[part["option"]], dims="option", coords={"option": part["option"]}),
        coords=[pd.Index(part["option"], name="option")],
        name="size",
    )
    decisions = {"project": back, "option": size}
    supplies, spends = [], []
    for dim, variable in decisions.items():
        if not len(part[dim]):
            continue
        slope = xr.DataArray(
            stacked[:, part[dim]],
            dims=("target", dim, "draw", "year"),
            coords={"target": names, dim: part[dim]},
        )
        supplies.append((slope * variable).sum(dim))
        spends.append((xr.DataArray(cost[part[dim]], dims=dim, coords={dim: part[dim]}) * variable).sum())
    # a target reaches the solver only if some decision moves it, so both lists have a term
    supply, spend = supplies[0], spends[0]
    for more_supply, more_spend in zip(supplies[1:], spends[1:], strict=True):
        supply, spend = supply + more_supply, spend + more_spend
    if budget is None:
        z = model.add_variables(
            binary=True, coords=[pd.Index(names, name="target"), pd.RangeIndex(draws, name="draw")], name="held"
        )
        model.add_constraints(supply + big * z <= big - constant, name="holds")
        model.add_constraints(z.sum("draw") >= math.ceil(alpha * draws - 1e-9), name="chance")
        model.add_objective(spend)
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
        model.add_constraints(supply + big_y * z <= big_y - constant, name="holds")
        model.add_constraints(spend <= budget, name="budget")
        model.add_objective(-(counted * z).sum() / draws + 1e-12 * spend)
    build = time.perf_counter() - started
    report = solve(model, mip_rel_gap=MIP_GAP, time_limit=TIME_LIMIT, model_name="multi-year plan")
    chosen = np.zeros(len(upper))
    if len(part["project"]):
        chosen[part["project"]] = np.round(np.nan_to_num(model.variables["back"].solution.to_numpy()))
    if len(part["option"]):
        values = np.nan_to_num(model.variables["size"].solution.to_numpy())
        chosen[part["option"]] = np.where(values > 1e-6, np.minimum(values, upper[part["option"]]), 0.0)
    return chosen, report.seconds, build
