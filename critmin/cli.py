"""The ``critmin`` command: one subcommand per public function, nothing more.

Every subcommand takes ``--data PATH`` (the user's own data package, a partial override of the
packaged default or a complete replacement). Input problems are printed all at once, with file,
row, field and fix, and the command exits with status 2 without writing any result.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xarray as xr

from critmin import vocabulary as vocab
from critmin.app.server import add_arguments as add_app_arguments
from critmin.errors import CritminError, DataError, Issue, ScenarioError

if TYPE_CHECKING:
    from critmin.scenarios.spec import Scenario

Handler = Callable[[argparse.Namespace], int]
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


def _count(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `least`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} is below {least}")
        return value

    return parse


def _share(text: str) -> float:
    """An argparse type: a share above 0 and at most 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not a share above 0 and at most 1")
    return value


def _outlook_year(text: str) -> int:
    """An argparse type: a year the outlook can reach (2025-2060)."""
    value = _count(2025)(text)
    if value > 2060:
        raise argparse.ArgumentTypeError(f"{value} is after 2060")
    return value


def _country(text: str) -> str:
    """An argparse type: an ISO 3166 alpha-3 code, EU27 or ROW."""
    if text not in vocab.COUNTRIES:
        raise argparse.ArgumentTypeError(f"{text!r} is not a country code (use ISO 3166 alpha-3 such as JPN, or EU27)")
    return text


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
    from critmin.outlook import load_scenario
    from critmin.outlook.output import plan_targets_for, write_outlook
    from critmin.outlook.tables import format_answer

    scenario = load_scenario(args.scenario)
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
    )
    print(run.summary)
    if run.answer is not None:
        print(format_answer(run.answer) + "\n")
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
        outlook = compute_outlook(ds, steps, draws=args.draws, plan_targets=targets, plan_draws=args.draws)
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


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="PATH", help="your data package (folder or datapackage.json)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``critmin``."""
    parser = argparse.ArgumentParser(prog="critmin", description="Critical-minerals supply security with sourced data.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the main job and write results under --out")
    _add_data(run)
    run.add_argument("--out", default="out", help="output folder (default: out)")
    run.set_defaults(handler=cmd_run)

    shares = commands.add_parser("shares", help="world stage shares per material, with sources")
    _add_data(shares)
    shares.add_argument(
        "--material", action="append", choices=vocab.MATERIALS, help="limit to this material (repeatable)"
    )
    shares.add_argument(
        "--year", type=int, help="year (default: the base year; each stage at its latest year up to it)"
    )
    shares.add_argument("--top", type=_count(1), default=3, help="producers shown per stage")
    shares.add_argument("--out", help="folder to write stage_shares.csv into")
    shares.set_defaults(handler=cmd_shares)

    source = commands.add_parser("source", help="where does this number come from?")
    _add_data(source)
    source.add_argument(
        "variable", help="production, capacity, trade, demand, inventory_cover, stockpile, price, chain, parameters"
    )
    for dim in SOURCE_DIMS:
        source.add_argument(f"--{dim}")
    source.add_argument("--year", type=int)
    source.set_defaults(handler=cmd_source)

    exposure = commands.add_parser(
        "exposure", help="who controls each stage; each ally's direct and ultimate dependence"
    )
    _add_data(exposure)
    exposure.add_argument(
        "--material", action="append", choices=vocab.MATERIALS, help="material (repeatable; default all)"
    )
    exposure.add_argument(
        "--country", action="append", type=_country, help="importing country or bloc (repeatable; default the allies)"
    )
    exposure.add_argument(
        "--stage", choices=vocab.STAGES, help="stage whose supply is traced (default: each material's last stage)"
    )
    exposure.add_argument("--year", type=int, help="year (default: the base year, the latest with trade data)")
    exposure.add_argument(
        "--over-time", action="store_true", help="top-1 and top-3 share and HHI per year, for every year with data"
    )
    exposure.add_argument("--format", choices=("table", "csv", "json"), default="table")
    exposure.set_defaults(handler=cmd_exposure)

    shock = commands.add_parser("shock", help="simulate an export control, outage or demand surge month by month")
    _add_data(shock)
    shock.add_argument("scenario", help="scenario TOML file, or the name of one in the shipped library")
    shock.add_argument("--draws", type=_count(1), help="Monte Carlo draws (default: the scenario's)")
    shock.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    shock.add_argument(
        "--year",
        type=int,
        help="year of the data the network is built on (default: the scenario's baseline_year, "
        "else the base year, or the year before the scenario starts if earlier)",
    )
    shock.add_argument("--out", help="folder for the NetCDF result and its CSV summaries")
    shock.add_argument(
        "--trajectories",
        action="store_true",
        help="also keep full monthly trajectories of every draw, node and edge (prints their size first; "
        "by default only monthly bands across draws and the per-draw summary are kept)",
    )
    shock.add_argument(
        "--allow-large", action="store_true", help="keep --trajectories even above the size limit (2 GB)"
    )
    shock.add_argument("--quiet", action="store_true", help="no progress bar")
    shock.add_argument(
        "--engine",
        choices=("fused", "numpy"),
        default="fused",
        help="month step: the compiled kernel on every core (default; compiles once, ~30 s, then cached) or "
        "the numpy step it is checked against; same numbers",
    )
    shock.set_defaults(handler=cmd_shock)

    backtest = commands.add_parser("backtest", help="score the simulator on past export controls and outages")
    _add_data(backtest)
    backtest.add_argument("--loo", action="store_true", help="also fit leaving each episode out, scored on it")
    backtest.add_argument("--spec", help="calibration spec TOML (default: the shipped critmin/shock/calibration.toml)")
    backtest.add_argument("--out", help="folder for backtest.md and the CSV tables")
    backtest.set_defaults(handler=cmd_backtest)

    optimise = commands.add_parser("optimise", help="the stockpile and project portfolio that buys most resilience")
    _add_data(optimise)
    optimise.add_argument("--budget", type=float, default=1e9, help="budget in USD (default 1e9)")
    optimise.add_argument("--scenarios", nargs="+", help="scenario files or library names (default: three examples)")
    optimise.add_argument("--draws", type=_count(1), default=8, help="draws per scenario (default 8)")
    optimise.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    optimise.add_argument("--out", help="folder for portfolio.nc, tables, frontier.csv, out_of_sample.csv")
    optimise.add_argument("--quiet", action="store_true", help="no progress bar")
    optimise.set_defaults(handler=cmd_optimise)

    outlook = commands.add_parser("outlook", help="supply, demand, concentration and dependence by year to 2035")
    _add_data(outlook)
    outlook.add_argument(
        "--scenario", default="steps", help="outlook scenario TOML file, or steps or aps (default steps)"
    )
    outlook.add_argument("--to", type=_outlook_year, default=2035, help="last year (default 2035)")
    outlook.add_argument(
        "--draws", type=_count(1), default=1000, help="Monte Carlo draws of the pipeline (default 1000)"
    )
    outlook.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    outlook.add_argument("--out", default="results", help="folder; files go to OUT/outlook (default results)")
    outlook.add_argument(
        "--plan-year",
        type=_outlook_year,
        help="also find the cheapest plan so each ally's China share at each key step is met by then",
    )
    outlook.add_argument(
        "--plan-share", type=_share, default=0.65, help="largest China share of the plan (default 0.65)"
    )
    outlook.add_argument(
        "--plan-alpha", type=_share, default=0.5, help="share of draws the plan must meet it in (default 0.5)"
    )
    outlook.add_argument(
        "--plan-draws", type=_count(1), default=100, help="draws the plan is solved over (default 100)"
    )
    outlook.add_argument("--budget", type=float, help="instead: most target-years within this capex (USD)")
    outlook.set_defaults(handler=cmd_outlook)

    sweep = commands.add_parser("sweep", help="scenario sweeps on Dask: one core or a cluster, identical results")
    _add_data(sweep)
    sweep.add_argument("sweep", help="sweep TOML file, or the name of one in the shipped library")
    sweep.add_argument("--workers", type=_count(0), help="local worker processes (default 2; 0 = in this process)")
    sweep.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    sweep.add_argument("--out", default="out/sweep", help="store folder (default out/sweep)")
    sweep.add_argument("--resume", action="store_true", help="continue a killed sweep; finished chunks are kept")
    sweep.set_defaults(handler=cmd_sweep)

    report = commands.add_parser("report", help="the briefing: self-contained HTML and PDF, every number sourced")
    _add_data(report)
    report.add_argument("--scenarios", nargs="*", help="scenario files or library names (the first is charted)")
    report.add_argument("--draws", type=_count(1), default=50, help="draws per scenario (default 50)")
    report.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    report.add_argument("--year", type=int, help="year of the data the charted scenario runs on (as for shock)")
    report.add_argument(
        "--response",
        metavar="FOLDER",
        help="folder written by `critmin optimise --out FOLDER`: page 1 then gives the recommended portfolio",
    )
    report.add_argument(
        "--outlook",
        action="store_true",
        help="add section 6: the STEPS outlook to 2035 and the cheapest plan for 65%% by 2030 (--draws draws)",
    )
    report.add_argument("--out", default="out/report", help="output folder (default out/report)")
    report.set_defaults(handler=cmd_report)

    app = commands.add_parser("app", help="the interactive web app (offline; 127.0.0.1 unless login is configured)")
    add_app_arguments(app)
    app.set_defaults(handler=cmd_app)

    indicators = commands.add_parser("indicators", help="indicators computed from your own inputs")
    which = indicators.add_subparsers(dest="indicator", required=True)
    eu_sr = which.add_parser("eu-sr", help="EU supply risk (2017 method) and criticality")
    eu_sr.add_argument("--inputs", required=True, help="CSV: material,hhi_gs,hhi_eu,import_reliance,eol_rir,si_sr[,ei]")
    eu_sr.add_argument("--out", help="CSV to write (default: print)")
    eu_sr.set_defaults(handler=cmd_eu_sr)

    parameters = commands.add_parser(
        "parameters", help="the shock engine's parameters: value used, origin (dataset row or assumption), range"
    )
    _add_data(parameters)
    parameters.set_defaults(handler=cmd_parameters)

    glossary = commands.add_parser("glossary", help="the terms the outputs use: grades, HHI, N-1, CVaR, holders")
    glossary.set_defaults(handler=cmd_glossary)

    validate = commands.add_parser("validate", help="check a data package and list every problem")
    validate.add_argument("path", help="folder of the data package, or its datapackage.json")
    validate.set_defaults(handler=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``critmin`` with `argv`; return the exit status."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except CritminError as error:  # DataError and ScenarioError included: bad input, exit 2, nothing written
        print(f"critmin {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
