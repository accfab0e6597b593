"""What each ``critmin`` subcommand does: one handler per public function, nothing more."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xarray as xr

from critmin import vocabulary as vocab
from critmin.errors import DataError, Issue, ScenarioError

if TYPE_CHECKING:
    from critmin.scenarios.spec import Scenario


SOURCE_DIMS = (
    "material",
    "stage",
    "country",
    "exporter",
    "importer",
    "region",
    "sector",
    "market",
    "holder",
    "parameter",
)
"""Labels ``critmin source`` filters on (besides ``--year``)."""


def _dataset(args: argparse.Namespace, variable: str | None = None) -> xr.Dataset:
    """The dataset of ``--data`` (packaged by default), with ``--year``, if given, checked in it.

    With `variable`, ``--year`` must be a year in which that variable has data (``shares``
    reads production, so price-only years are not offered).
    """
    from critmin.data import load

    ds = load(args.data)
    year = getattr(args, "year", None)
    years = ds["year"].values if variable is None else years_with_data(ds, variable)
    if year is not None and year not in years:
        what = "a year of the dataset" if variable is None else f"a year with {variable} data"
        raise DataError(
            [
                Issue(
                    args.data or "the packaged dataset",
                    0,
                    "--year",
                    f"{year} is not {what}",
                    "give one of: " + ", ".join(map(str, years)),
                )
            ]
        )
    return ds


def years_with_data(ds: xr.Dataset, variable: str, **labels: str) -> list[int]:
    """Years in which `variable` (optionally at `labels`) has any value.

    >>> import critmin
    >>> 2024 in years_with_data(critmin.load(), "production", material="gallium")
    True
    """
    array = ds[variable].sel({k: v for k, v in labels.items() if k in ds[variable].dims})
    has = array.notnull().any([d for d in array.dims if d != "year"])
    return [int(y) for y in array["year"].values[has.values]]


def cmd_shares(args: argparse.Namespace) -> int:
    """Print (and with --out, write) the world stage-share table with a source per row."""
    from critmin._io import atomic_write_csv
    from critmin.report.tables import format_stage_shares, stage_share_table

    ds = _dataset(args, "production")
    table = stage_share_table(ds, year=args.year)
    if args.material:
        table = table[table.material.isin(args.material)]
        missing = [m for m in args.material if m not in set(table.material)]
        if missing and args.year is not None:
            raise DataError(
                [
                    Issue(
                        args.data or "the packaged dataset",
                        0,
                        "--year",
                        f"no production data for {m} in {args.year}",
                        f"give one of {m}'s years: "
                        + ", ".join(map(str, years_with_data(ds, "production", material=m))),
                    )
                    for m in missing
                ]
            )
    print(format_stage_shares(table, top=args.top))
    if args.out:
        path = atomic_write_csv(table, Path(args.out) / "stage_shares.csv")
        print(f"\nwritten {path}")
    return 0


def cmd_source(args: argparse.Namespace) -> int:
    """Print where each matching value of VARIABLE comes from."""
    ds = _dataset(args)
    labels = {dim: getattr(args, dim) for dim in (*SOURCE_DIMS, "year") if getattr(args, dim, None) is not None}
    try:
        found = ds.critmin.source_of(args.variable, **labels)
    except KeyError as error:
        print(f"critmin source: {error.args[0]}", file=sys.stderr)
        return 2
    if not found:
        print("no value matches those labels", file=sys.stderr)
        return 1
    print("\n".join(str(item) for item in found))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a data package and report every problem; exit 0 when it loads."""
    from critmin.data import load

    ds = load(args.path)
    counts = ", ".join(f"{name} {int(ds[name].notnull().sum())}" for name in ds.data_vars if f"{name}_source" in ds)
    print(f"{args.path}: valid ({counts} values)")
    return 0


def cmd_exposure(args: argparse.Namespace) -> int:
    """Stage control and tier-by-tier dependence, every number with its sources."""
    import json

    from critmin import vocabulary as vocab
    from critmin.exposure.years import base_year
    from critmin.report.tables import (
        control_with_sources,
        dependence_with_sources,
        format_exposure,
        format_imports_over_time,
        format_over_time,
        imports_over_time,
        last_stages,
        over_time_with_sources,
    )

    ds = _dataset(args)
    wrong = [m for m in args.material or [] if args.stage and args.stage not in vocab.stages_of(m)]
    if wrong:
        raise DataError(
            [
                Issue("command line", 0, "--stage", f"{args.stage!r} is not a stage of {m}", _stages_fix(m))
                for m in wrong
            ]
        )
    if args.over_time:
        trend = over_time_with_sources(ds, args.material or None, args.stage)
        imports = imports_over_time(ds, args.material or None, args.stage, args.country or list(vocab.ALLIES))
        if args.format == "csv":
            print(trend.to_csv(index=False, lineterminator="\n"))
            print(imports.to_csv(index=False, lineterminator="\n"), end="")
        elif args.format == "json":
            print(json.dumps({"concentration": trend.to_dict("records"), "imports": imports.to_dict("records")},
                             indent=1, default=str))  # fmt: skip
        else:
            print(format_over_time(trend))
            if not imports.empty:
                print("\n" + format_imports_over_time(imports))
        return 0
    year = args.year or base_year(ds)
    materials = args.material or None
    targets = [(m, args.stage) for m in materials] if (args.stage and materials) else last_stages(ds, materials)
    control = control_with_sources(ds, year)
    if materials:
        control = control[control.material.isin(materials)]
    if args.stage:
        control = control[control.stage == args.stage]
    dependence = dependence_with_sources(ds, year, targets, args.country or list(vocab.ALLIES))
    if args.format == "csv":
        print(control.to_csv(index=False, lineterminator="\n"))
        print(dependence.to_csv(index=False, lineterminator="\n"), end="")
    elif args.format == "json":
        payload = {"year": year, "control": control.to_dict("records"), "dependence": dependence.to_dict("records")}
        print(json.dumps(payload, indent=1, default=str))
    else:
        print(format_exposure(control, dependence, year))
    return 0


def _stages_fix(material: str) -> str:
    return f"use one of {material}'s stages: " + ", ".join(vocab.stages_of(material))


def cmd_shock(args: argparse.Namespace) -> int:
    """Simulate a scenario month by month; print who stops when; write NetCDF and CSV."""
    from tqdm import tqdm

    from critmin.report.tables import stop_table
    from critmin.scenarios import load_scenario
    from critmin.shock import run, write_results

    scenario = load_scenario(args.scenario)
    ds = _dataset(args)
    total = args.draws or scenario.draws
    if args.trajectories:
        check_trajectory_size(ds, scenario, total, args)
    with tqdm(total=total, desc=f"{scenario.name}", unit="draw", disable=args.quiet) as bar:
        result = run(
            ds,
            scenario,
            draws=args.draws,
            seed=args.seed,
            progress=lambda done, _: bar.update(done - bar.n),
            year=args.year,
            trajectories=args.trajectories,
            engine=args.engine,
        )
    print(format_stops(stop_table(result, ds=ds), scenario.name))
    if args.out:
        written = write_results(result, Path(args.out))
        print("written:\n" + "\n".join(f"  {path}" for path in written))
    return 0


def check_trajectory_size(ds: xr.Dataset, scenario: Scenario, draws: int, args: argparse.Namespace) -> None:
    """Print the size of the full trajectories asked for; refuse above the limit without --allow-large."""
    from critmin.limits import check_trajectories, size_text
    from critmin.shock.io import trajectory_bytes

    nbytes = trajectory_bytes(ds, scenario, draws, args.year)
    print(
        f"full trajectories: about {size_text(nbytes)} in memory for {draws:,} draws x {scenario.horizon_months} "
        "months (the NetCDF file is smaller: it is compressed)",
        flush=True,
    )
    problems = check_trajectories(nbytes, draws, "command line", "--trajectories")
    if problems and not args.allow_large:
        raise ScenarioError(problems)


def format_stops(table: pd.DataFrame, name: str) -> str:
    """The stop table as text: allies first, largest loss in USD first, every row.

    Tonnes short are listed per material, never added across materials.
    """
    from critmin.report.figures import usd
    from critmin.report.stops import tonnes_by_material

    if table.empty:
        return f"{name}: no allied sector stops or runs short."
    lines = [
        f"{name}: allied sectors that stop or run short, largest loss first "
        "(share of draws that stop, median first month, median-draw loss, final shortfall per material)"
    ]
    for row in table.itertuples():
        when = row.median_first_stop or "never"
        lines.append(
            f"  {row.country:<5}{vocab.sector_label(row.sector):<32} stops in {row.stop_share:5.0%} of draws, "
            f"from {when:<8} loss {usd(row.loss_usd):>14}  short {tonnes_by_material(row.short_t)}"
        )
    return "\n".join(lines)


DEFAULT_RESPONSE_SCENARIOS = ("japan_ree_magnet_halt_6m", "heavy_ree_licensing_2025", "critical_minerals_ban_usa")
"""Scenarios the response is optimised against unless --scenarios names others."""


RESILIENCE_SCENARIOS = ("heavy_ree_licensing_2025", "critical_minerals_ban_usa")
"""Shocks the outlook's plan is run against unless --shocks names others: heavy rare earths and
magnets licensed to every buyer, and gallium, germanium and graphite banned to the USA (the
steps the plan buys for: magnets, gallium, anode graphite)."""


def cmd_optimise(args: argparse.Namespace) -> int:
    """Stockpiles, projects and research that buy the most resilience per dollar."""
    from tqdm import tqdm

    from critmin.optimise.pipeline import check_scenarios, run_optimise_command

    ds = _dataset(args)
    scenarios = args.scenarios or list(DEFAULT_RESPONSE_SCENARIOS)
    check_scenarios(scenarios)
    with tqdm(desc="simulate", unit="draw", disable=args.quiet) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        text = run_optimise_command(
            ds, scenarios, args.budget, args.draws, args.seed, Path(args.out) if args.out else None, progress
        )
    print(text)
    return 0


def cmd_outlook(args: argparse.Namespace) -> int:
    """Outlook to --to: pipeline draws, concentration, dependence and CRMA benchmarks by year."""
    from critmin.optimise.scenario_runs import check_scenarios
    from critmin.outlook import load_scenario
    from critmin.outlook.options import read_options
    from critmin.outlook.output import plan_targets_for, write_outlook
    from critmin.outlook.resilience import format_resilience
    from critmin.outlook.tables import format_answer

    scenario = load_scenario(args.scenario)
    options = read_options(args.options) if args.options else None  # every problem before anything runs
    if args.shocks and not args.plan_year:  # without a plan there is nothing to run them with
        raise ScenarioError(
            [
                Issue(
                    "command line",
                    0,
                    "--shocks",
                    "shocks are run with and without the plan, and no --plan-year asked for a plan",
                    "add --plan-year YEAR, or leave out --shocks",
                )
            ]
        )
    shocks = args.shocks or list(RESILIENCE_SCENARIOS)
    if args.plan_year:
        check_scenarios(shocks)
    targets = plan_targets_for(args.plan_year, args.plan_share) if args.plan_year else []
    run = write_outlook(
        _dataset(args),
        scenario,
        args.out,
        to=args.to,
        draws=args.draws,
        seed=args.seed,
        plan_targets=targets,
        plan_draws=args.plan_draws,
        alpha=args.plan_alpha,
        budget=args.budget,
        options=options,
        shocks=shocks,
        shock_draws=args.shock_draws,
    )
    print(run.summary)
    if run.answer is not None:
        print(format_answer(run.answer) + "\n")
    if run.resilience is not None:
        print("What the plan saves if a shock hits (its plan-year capacity added to today's network):")
        print(format_resilience(run.resilience) + "\n")
    folder = Path(args.out) / "outlook"
    print(f"written: {folder}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a scenario sweep on Dask (or in-process with --workers 0); print its summary."""
    from critmin.sweep import run_sweep

    run_sweep(
        args.sweep, workers=args.workers, scheduler=args.scheduler, out=args.out, resume=args.resume, dataset=args.data
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the briefing (self-contained HTML and its PDF) with the given scenarios' results."""
    from critmin.optimise.results import read_response
    from critmin.report.html import write_report
    from critmin.scenarios import load_scenario
    from critmin.shock import run

    response = read_response(args.response) if args.response else None
    ds = _dataset(args)
    shock = None
    if args.scenarios:
        scenario = load_scenario(args.scenarios[0])
        shock = run(ds, scenario, draws=args.draws, seed=args.seed, year=args.year)
    outlook = None
    if args.outlook:
        from critmin.outlook import load_scenario as outlook_scenario
        from critmin.outlook.output import compute_outlook, plan_targets_for

        targets = plan_targets_for(2030)
        steps = outlook_scenario("steps")
        outlook = compute_outlook(
            ds,
            steps,
            draws=args.draws,
            plan_targets=targets,
            plan_draws=args.draws,
            shocks=RESILIENCE_SCENARIOS,
            shock_draws=args.draws,
        )
    html, pdf = write_report(
        ds,
        Path(args.out),
        shock=shock,
        response=response,
        scenario_files=args.scenarios or (),
        seed=args.seed,
        pdf_optional=True,
        outlook=outlook,
    )
    print(f"written {html}\n" + pdf_line(pdf))
    return 0


def pdf_line(pdf: Path | None) -> str:
    """One line on the PDF: where it was written, or that it was skipped and why."""
    from critmin.report.pdf import printer_problem

    return f"written {pdf}" if pdf is not None else f"PDF skipped: {printer_problem()}; the HTML briefing is complete"


def cmd_eu_sr(args: argparse.Namespace) -> int:
    """EU supply risk (2017 method) and the criticality rule for each row of --inputs."""
    from critmin._io import atomic_write_csv
    from critmin.data.inputs import read_eu_sr_inputs
    from critmin.exposure.supply_risk import eu_supply_risk_table

    table = eu_supply_risk_table(read_eu_sr_inputs(args.inputs))
    if args.out:
        print(f"written {atomic_write_csv(table, args.out)}")
    else:
        print(table.round(6).to_csv(index=False, lineterminator="\n"), end="")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the web app; refuses a non-local address unless login is configured."""
    from critmin.app.server import run

    return run(args)


def cmd_glossary(args: argparse.Namespace) -> int:
    """Print the terms critmin's outputs use (the same list as the briefing and the app)."""
    from critmin.glossary import glossary_text

    print(glossary_text())
    return 0


def cmd_parameters(args: argparse.Namespace) -> int:
    """The shock engine's parameter table: value used, origin, range, source (Markdown)."""
    from critmin.shock.parameters import parameter_table

    print(parameter_table(_dataset(args)))
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    """Score the engine on past episodes; with --loo also leave-one-episode-out; write the tables."""
    from critmin._publish import publish_folder
    from critmin.shock.calibrate import SPEC, load_spec, report, run_backtest

    files = report(run_backtest(_dataset(args), spec=load_spec(Path(args.spec) if args.spec else SPEC)), args.loo)
    print(files["backtest.md"])
    if args.out:
        publish_folder(
            args.out, lambda folder: [(folder / n).write_text(t, encoding="utf-8") for n, t in files.items()]
        )
        print(f"written: {args.out}/" + ", ".join(files))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """The main job on the packaged (or --data) dataset: every capability's headline output."""
    from critmin.pipeline import main_job

    return main_job(args.data, Path(args.out))
