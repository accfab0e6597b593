"""The argument parser of ``critmin``: subcommands, their options and the argparse types they use."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from critmin import vocabulary as vocab
from critmin.app.server import add_arguments as add_app_arguments
from critmin.cli.commands import (
    RESILIENCE_SCENARIOS,
    SOURCE_DIMS,
    cmd_app,
    cmd_backtest,
    cmd_eu_sr,
    cmd_exposure,
    cmd_glossary,
    cmd_optimise,
    cmd_outlook,
    cmd_parameters,
    cmd_report,
    cmd_run,
    cmd_shares,
    cmd_shock,
    cmd_source,
    cmd_sweep,
    cmd_validate,
)


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
    outlook.add_argument(
        "--options", help="the plan's options CSV (default the shipped critmin/outlook/data/options.csv)"
    )
    outlook.add_argument(
        "--shocks",
        nargs="+",
        metavar="NAME",
        help="library scenarios (or files) run with and without the plan of --plan-year: resilience.csv "
        f"(default {' '.join(RESILIENCE_SCENARIOS)})",
    )
    outlook.add_argument(
        "--shock-draws", type=_count(1), default=20, help="draws per shock scenario, with and without (default 20)"
    )
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
        help="add section 6: the STEPS outlook to 2035, the cheapest plan for 65%% by 2030 and what it saves "
        "under the default shocks (--draws draws)",
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
