"""Write an outlook: NetCDF, CSV tables with sources and a Markdown summary, published atomically.

Files (``--out DIR/outlook``): ``outlook.nc`` (bands), ``world.csv``, ``dependence.csv``,
``milestones.csv``, ``crma.csv``, ``demand.csv`` (with each cell's rate source),
``projects.csv`` (each project's sources), ``sources.csv`` (every source id used, with its
URL) and ``summary.md``; with a plan also ``plan.csv``, ``plan_targets.csv``,
``plan_options.csv`` (options bought), ``milestones_plan.csv`` and ``answer.csv``
(:func:`critmin.outlook.tables.answer_table`: per
product and ally, the year dependence on China falls to 65% or below without and with the
plan); with shocks also ``resilience.csv`` (:func:`critmin.outlook.resilience.resilience_value`)
and ``resilience_plan.csv`` (how each plan item entered the shock network, or why not). The
folder appears whole or not at all (:mod:`critmin._publish`).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from .._publish import publish_folder
from ..vocabulary import ALLIES
from .demand import demand_outlook, demand_table
from .options import DECISION_YEAR, read_options
from .plan import PlanResult, PlanTarget, plan
from .projects import project_table
from .resilience import PlanEvents, resilience_value
from .run import run_outlook
from .scenario import OutlookScenario
from .tables import TARGET_SHARE, answer_table, crma_table, dependence_table, milestones, world_table

__all__ = [
    "REPORTED",
    "OutlookRun",
    "compute_outlook",
    "outlook_summary",
    "plan_section",
    "plan_targets_for",
    "publish_outlook",
    "write_outlook",
]

REPORTED = ("ndfeb/magnet", "ndpr/separation", "dysprosium/separation", "terbium/separation", "gallium/refining")
"""Targets the summary tabulates first (the alliance's magnet and chip materials)."""
REPORTED_LAST = ("graphite_anode/refining",)


def _sources(ids: set[str], data: xr.Dataset) -> pd.DataFrame:
    text = resources.files("critmin.outlook").joinpath("data", "sources.csv").read_text(encoding="utf-8")
    own = pd.DataFrame(list(csv.DictReader(text.splitlines())))
    packaged = pd.DataFrame(
        {
            "source_id": data["source"].values.astype(str),
            "title": data["source_title"].values.astype(str),
            "publisher": data["source_publisher"].values.astype(str),
            "year": data["source_year"].values.astype(str),
            "url": data["source_url"].values.astype(str),
        }
    )
    table = pd.concat([own, packaged], ignore_index=True).drop_duplicates("source_id")
    return table.loc[table["source_id"].isin(ids)].sort_values("source_id").reset_index(drop=True)


def outlook_summary(result: xr.Dataset, marks: pd.DataFrame, crma: pd.DataFrame) -> str:
    """Markdown: what the outlook says, per target and ally, and how it was made."""
    years = result["year"].values
    last = int(years[-1])
    check = 2030 if 2030 in years else last
    lines = [
        f"# Outlook {int(years[0])}-{last}: {result.attrs['scenario_title']}",
        "",
        f"{result.attrs['draws']} draws of the project pipeline (completion and delay). Bands are 5/50/95% over draws.",
        f"Allocation rule: {result.attrs['rule']}; the rest goes to the world market.",
        "",
        f"## Year each ally's dependence on China falls to {TARGET_SHARE:.0%} or below (median draw)",
        "",
        "Direct = share of the last shipper; ultimate = share passing through China at any stage.",
        "",
        "| target | ally | direct now | direct 2030 | year | ultimate now | ultimate 2030 | year |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for target in [*REPORTED, *REPORTED_LAST]:
        if target not in set(marks["target"]):
            continue
        for importer in result["importer"].values:
            cells = []
            for measure in ("direct_china", "ultimate_china"):
                row = marks.loc[(marks.target == target) & (marks.importer == importer) & (marks.measure == measure)]
                row = row.iloc[0]
                met = row["year_met"]
                when = f"not by {last}" if pd.isna(met) else ("now" if int(met) == int(years[0]) else str(int(met)))
                cells += [f"{row['base']:.0%}", f"{row[f'p50_{check}']:.0%}", when]
            lines.append(f"| {target} | {importer} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## World concentration (median draw)",
        "",
        "| step | China now | China 2030 | China 2035 | top-3 2035 | HHI 2035 |",
    ]
    lines.append("|---|---|---|---|---|---|")
    median = result.sel(quantile=0.5)
    for step in result["step"].values:
        s = median.sel(step=step)
        end = min(2035, last)
        lines.append(
            f"| {step} | {float(s.china_share.sel(year=years[0])):.0%} | {float(s.china_share.sel(year=check)):.0%} | "
            f"{float(s.china_share.sel(year=end)):.0%} | {float(s.top3_share.sel(year=end)):.0%} | "
            f"{float(s.hhi.sel(year=end)):.2f} |"
        )
    met = crma.loc[crma["year_met"].fillna(int(years[0])) > int(years[0])]
    lines += ["", "## CRMA benchmarks first met during the outlook", ""]
    if met.empty:
        lines.append(f"None: no benchmark not already met in {int(years[0])} is met by {last} in the median draw.")
    for row in met.itertuples():
        lines.append(f"- {row.importer} {row.step}: {row.benchmark} from {row.year_met}")
    lines += [
        "",
        "Recycling (25% benchmark) is not assessed: the dataset has no recycling flows.",
        "Every figure's inputs carry a source id (projects.csv, demand.csv); sources.csv gives the URLs.",
        "",
    ]
    return "\n".join(lines)


def plan_section(found: PlanResult, marks: pd.DataFrame, planned: pd.DataFrame, alpha: float) -> str:
    """Markdown: the cheapest plan, its cost, what it changes and the targets no plan can meet."""
    lines = [
        "",
        f"## Cheapest plan (each target met in at least {alpha:.0%} of draws)",
        "",
        f"Cost: USD {found.cost:,.0f} (capex of projects backed and options bought, all decided in {DECISION_YEAR}).",
        "",
    ]
    for row in found.chosen.itertuples():
        lines.append(f"- back {row.project_id} ({row.country}, {row.material}/{row.stage}): USD {row.capex_usd:,.0f}")
    for row in found.bought.itertuples():
        lines.append(
            f"- buy {row.option_id} ({row.kind}) for {row.ally}, {row.material}/{row.stage}: "
            f"{row.size_t:,.1f} t/yr from {row.first_year}, USD {row.cost_usd:,.0f}"
        )
    if found.chosen.empty and found.bought.empty:
        lines.append("- nothing to buy: every target is met without a plan or by no plan")
    lines += [
        "",
        "| target | status | share of draws met: pipeline | with plan | earliest year |",
        "|---|---|---|---|---|",
    ]
    for row in found.targets.itertuples():
        p_with = "" if pd.isna(row.p_with) else f"{row.p_with:.0%}"
        p_without = "" if pd.isna(row.p_without) else f"{row.p_without:.0%}"
        earliest = "" if pd.isna(row.earliest_year) else str(row.earliest_year)
        lines.append(f"| {row.target} | {row.status} | {p_without} | {p_with} | {earliest} |")
    merged = marks.merge(planned, on=["importer", "target", "measure"], suffixes=("", "_plan"))
    changed = merged.loc[
        merged["year_met"].astype("string").fillna("") != merged["year_met_plan"].astype("string").fillna("")
    ]
    lines += ["", "Years of falling to 65% or below that the plan changes (median draw):", ""]
    if changed.empty:
        lines.append("- none")
    for row in changed.itertuples():
        before = "not by end" if pd.isna(row.year_met) else str(row.year_met)
        after = "not by end" if pd.isna(row.year_met_plan) else str(row.year_met_plan)
        lines.append(f"- {row.importer} {row.target} {row.measure}: {before} -> {after}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class OutlookRun:
    """Everything one outlook run produced: bands, tables, the plan and its answer table, sources."""

    result: xr.Dataset
    marks: pd.DataFrame
    crma: pd.DataFrame
    demand: pd.DataFrame
    projects: pd.DataFrame
    sources: pd.DataFrame
    summary: str
    alpha: float
    found: PlanResult | None = None
    planned: pd.DataFrame | None = None
    answer: pd.DataFrame | None = None
    plan_draws: int = 0
    plan_year: int | None = None
    resilience: pd.DataFrame | None = None
    plan_events: PlanEvents | None = None


def plan_targets_for(year: int, share: float = TARGET_SHARE) -> list[PlanTarget]:
    """Every ally at each key step (:data:`REPORTED` and anode graphite), `share` by `year`.

    >>> len(plan_targets_for(2030)), plan_targets_for(2030)[0].name
    (42, 'USA ndfeb/magnet <= 0.65 by 2030')
    """
    steps = [tuple(t.split("/")) for t in (*REPORTED, *REPORTED_LAST)]
    return [PlanTarget(a, m, s, year, share) for a in ALLIES for m, s in steps]


def compute_outlook(
    data: xr.Dataset,
    scenario: OutlookScenario,
    *,
    to: int = 2035,
    draws: int = 1000,
    seed: int = 0,
    projects: pd.DataFrame | None = None,
    plan_targets: Sequence[PlanTarget] = (),
    plan_draws: int = 100,
    alpha: float = 0.5,
    budget: float | None = None,
    options: pd.DataFrame | None = None,
    shocks: Sequence[str] = (),
    shock_draws: int = 20,
) -> OutlookRun:
    """Run the outlook (and a plan for `plan_targets`): what :func:`write_outlook` writes.

    `options` is the plan's option table (default the shipped one, :func:`read_options`).
    With a plan, each library scenario in `shocks` is run with and without the plan's capacity
    (`shock_draws` draws, each scenario's own seed): ``resilience``.

    With a plan, the outlook is run again with the backed projects at their ``p_backed``
    (``planned``: its milestones) and ``answer`` is :func:`critmin.outlook.tables.answer_table`.
    """
    table = project_table() if projects is None else projects
    result = run_outlook(data, scenario, to=to, draws=draws, seed=seed, projects=table)
    years = result["year"].values.tolist()
    demand = demand_table(demand_outlook(data, scenario, years[0], years[1:]))
    marks = milestones(result)
    crma = crma_table(result)
    summary = outlook_summary(result, marks, crma)
    found: PlanResult | None = None
    planned: pd.DataFrame | None = None
    answer: pd.DataFrame | None = None
    if plan_targets:
        offered = read_options() if options is None else options
        found = plan(
            data,
            scenario,
            plan_targets,
            draws=plan_draws,
            seed=seed,
            alpha=alpha,
            budget=budget,
            to=to,
            options=offered,
        )
        backed = table.assign(
            p_complete=table["p_backed"].where(
                table["project_id"].isin(found.chosen["project_id"]), table["p_complete"]
            )
        )
        rerun = run_outlook(data, scenario, to=to, draws=draws, seed=seed, projects=backed, options=found.options)
        planned = milestones(rerun)
        summary += plan_section(found, marks, planned, alpha)
        answer = answer_table(marks, planned, found.targets, years[-1], found.buys(backed))
    year = max((t.year for t in plan_targets), default=None)
    resilience: pd.DataFrame | None = None
    events: PlanEvents | None = None
    if found is not None and year is not None and shocks:
        resilience, events = resilience_value(data, found, table, shocks, shock_draws, year=year)
    ids = set(demand["rate_source"]) | set(table["source_id"]) | set(table["p_source"])
    ids |= {e.source for e in scenario.growth} | {e.source for e in scenario.incumbent}
    ids |= {"asm-capacity-utilisation", "asm-outlook-ramp"}
    if found is not None:
        ids |= {i.strip() for cited in offered["source_id"] for i in str(cited).split(";")}
    sources = _sources(ids - {""}, data)
    own = pd.DataFrame({"source_id": list(scenario.sources), "url": list(scenario.sources.values())})
    sources = pd.concat([sources, own], ignore_index=True).drop_duplicates("source_id")
    return OutlookRun(
        result,
        marks,
        crma,
        demand,
        table,
        sources,
        summary,
        alpha,
        found,
        planned,
        answer,
        plan_draws,
        year,
        resilience,
        events,
    )


def write_outlook(data: xr.Dataset, scenario: OutlookScenario, out: str | Path, **options: Any) -> OutlookRun:
    """Run the outlook (:func:`compute_outlook`, same options) and publish its files in ``out/outlook``."""
    run = compute_outlook(data, scenario, **options)
    publish_outlook(run, out)
    return run


def publish_outlook(run: OutlookRun, out: str | Path) -> Path:
    """Write the files of an outlook run (see the module docstring) into ``out/outlook``, all at once."""

    def write(folder: Path) -> None:
        run.result.to_netcdf(folder / "outlook.nc")
        world_table(run.result).to_csv(folder / "world.csv", index=False)
        dependence_table(run.result).to_csv(folder / "dependence.csv", index=False)
        run.marks.to_csv(folder / "milestones.csv", index=False)
        run.crma.to_csv(folder / "crma.csv", index=False)
        run.demand.to_csv(folder / "demand.csv", index=False)
        run.projects.to_csv(folder / "projects.csv", index=False)
        run.sources.to_csv(folder / "sources.csv", index=False)
        (folder / "summary.md").write_text(run.summary, encoding="utf-8")
        if run.found is not None and run.planned is not None:
            run.found.chosen.to_csv(folder / "plan.csv", index=False)
            run.found.bought.to_csv(folder / "plan_options.csv", index=False)
            run.found.targets.to_csv(folder / "plan_targets.csv", index=False)
            run.planned.to_csv(folder / "milestones_plan.csv", index=False)
        if run.answer is not None:
            run.answer.to_csv(folder / "answer.csv", index=False)
        if run.resilience is not None and run.plan_events is not None:
            run.resilience.to_csv(folder / "resilience.csv", index=False)
            run.plan_events.rows.to_csv(folder / "resilience_plan.csv", index=False)

    return publish_folder(Path(out) / "outlook", write)
