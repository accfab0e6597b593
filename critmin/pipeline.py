"""The main job (``make run``): every capability's headline result on one dataset."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import xarray as xr

from critmin._io import atomic_write_csv, atomic_write_text
from critmin._publish import publish_folder
from critmin.data import load


def _section(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


def exposure_section(ds: xr.Dataset, out: Path) -> list[Path]:
    """Print stage control per material and each ally's largest hidden dependence; write both."""
    from critmin import vocabulary as vocab
    from critmin.exposure.summary import largest_hidden
    from critmin.exposure.years import base_year
    from critmin.report.tables import (
        NOT_EXCLUSIVE,
        control_with_sources,
        dependence_with_sources,
        last_stages,
    )

    year = base_year(ds)
    control = control_with_sources(ds, year)
    for row in control.itertuples():
        n1 = f"{row.n1_coverage:5.0%}" if row.n1_coverage == row.n1_coverage else "    -"
        share = f"{row.dominant:<5}{row.dominant_share:6.1%}"
        print(f"  {row.material:<17}{row.stage:<11}{share}  HHI {row.hhi:5.3f}  N-1 {n1}")
    dependence = dependence_with_sources(ds, year, last_stages(ds), list(vocab.ALLIES))
    hidden = largest_hidden(dependence)
    print(
        f"\n  largest hidden dependence per ally ({year}): ultimate minus direct share of one origin, other than itself"
    )
    print(f"  ({NOT_EXCLUSIVE}.)")
    for row in hidden.itertuples():
        shares = f"direct {row.direct:6.1%}, ultimate {row.ultimate:6.1%} (hidden {row.hidden:+.1%})"
        print(f"  {row.importer:<5}{row.target:<22} on {row.origin}: {shares}")
    return [atomic_write_csv(control, out / "stage_control.csv"), atomic_write_csv(dependence, out / "dependence.csv")]


EXAMPLE_DRAWS = 20
"""Draws per example scenario in the main job (the scenario files say more for full runs)."""


def shock_section(ds: xr.Dataset, out: Path) -> tuple[list[Path], dict[str, xr.Dataset]]:
    """Run every example scenario of the library; print per ally which sectors stop and when."""
    from critmin.cli import format_stops
    from critmin.report.tables import stop_table
    from critmin.scenarios import LIBRARY, load_scenario
    from critmin.shock import run, write_results

    written: list[Path] = []
    results: dict[str, xr.Dataset] = {}
    examples = sorted(path.stem for path in Path(str(LIBRARY)).glob("*.toml") if not path.stem.startswith("backtest_"))
    for name in examples:
        scenario = load_scenario(name)
        result = run(ds, scenario, draws=EXAMPLE_DRAWS)
        print(format_stops(stop_table(result, ds=ds), f"{name} ({EXAMPLE_DRAWS} draws, seed {scenario.seed})") + "\n")
        written += write_results(headline(result), out / "shock" / name)
        results[name] = result
    return written, results


def headline(result: xr.Dataset) -> xr.Dataset:
    """What the main job keeps of a run: the per-draw summary and the monthly bands across draws.

    Full trajectories (every draw, node and edge) are for ``critmin shock --trajectories``.
    """
    from critmin.shock.io import compact

    return compact(result)


RESPONSE_DRAWS = 4
"""Draws per scenario file for the main job's optimisation (``critmin optimise`` for more)."""


def response_section(ds: xr.Dataset, out: Path) -> list[Path]:
    """Optimise the response against the example scenarios with a USD 1 bn budget; print it."""
    from critmin.cli import DEFAULT_RESPONSE_SCENARIOS
    from critmin.optimise.pipeline import run_optimise_command

    folder = out / "response"
    print(run_optimise_command(ds, list(DEFAULT_RESPONSE_SCENARIOS), 1e9, RESPONSE_DRAWS, 0, folder))
    return sorted(folder.glob("*"))


OPTIMISED_POLICY = """
[policies.response_portfolio]
description = "The USD 1 bn portfolio of section 4: its stockpile purchases and backed projects"
portfolio = "response/portfolio.nc"
"""


def sweep_section(ds: xr.Dataset, out: Path) -> list[Path]:
    """Run the shipped small sweep, plus the response section's portfolio, on two local workers."""
    from critmin.sweep import run_sweep
    from critmin.sweep.spec import LIBRARY

    text = (LIBRARY / "small.toml").read_text(encoding="utf-8")
    if (out / "response" / "portfolio.nc").exists():
        text += OPTIMISED_POLICY
    spec = atomic_write_text(out / "sweep.toml", text)
    store, fresh = out / "sweep", out / ".sweep-new"
    shutil.rmtree(fresh, ignore_errors=True)
    run_sweep(spec, workers=2, out=fresh, dataset=ds)
    shutil.rmtree(store, ignore_errors=True)  # the new store replaces the old one only once complete
    fresh.rename(store)
    return [spec, store / "sweep.nc", store / "summary.txt"]


OUTLOOK_YEAR = 2030
"""The year of the main job's plan target (65% at most from China, the EU CRMA's 2030 benchmark)."""


def outlook_section(ds: xr.Dataset, out: Path) -> tuple[list[Path], Any]:
    """The STEPS outlook and the cheapest plan for the 65% target, at the example scenarios' draw count."""
    from critmin.cli.commands import RESILIENCE_SCENARIOS
    from critmin.outlook import load_scenario
    from critmin.outlook.output import compute_outlook, plan_targets_for, publish_outlook
    from critmin.outlook.resilience import format_resilience
    from critmin.outlook.tables import format_answer

    run = compute_outlook(
        ds,
        load_scenario("steps"),
        draws=EXAMPLE_DRAWS,
        plan_targets=plan_targets_for(OUTLOOK_YEAR),
        plan_draws=EXAMPLE_DRAWS,
        shocks=RESILIENCE_SCENARIOS,
        shock_draws=EXAMPLE_DRAWS,
    )
    print(f"  STEPS, {EXAMPLE_DRAWS} draws of the project pipeline (critmin outlook for more)\n")
    print(format_answer(run.answer))
    if run.resilience is not None:
        print("\n  What the plan saves if a shock hits (its capacity added to today's network):")
        print(format_resilience(run.resilience))
    folder = publish_outlook(run, out)
    return sorted(folder.glob("*")), run


def response_of(folder: Path) -> dict[str, Any] | None:
    """The portfolio, frontier and out-of-sample check the response section wrote, for the briefing."""
    from critmin.optimise.results import RESPONSE_FILES, read_response

    return read_response(folder) if all((folder / name).exists() for name in RESPONSE_FILES) else None


def report_section(
    ds: xr.Dataset,
    out: Path,
    shocks: dict[str, xr.Dataset],
    response: dict[str, xr.Dataset] | None = None,
    outlook: Any = None,
) -> list[Path]:
    """Write the briefing on the example scenarios (ranked by allied loss) and the response."""
    from critmin.report.html import write_report
    from critmin.scenarios import LIBRARY

    files = [str(Path(str(LIBRARY)) / f"{name}.toml") for name in shocks]
    from critmin.cli import pdf_line

    html, pdf = write_report(
        ds,
        out / "report",
        shock=shocks or None,
        response=response,
        scenario_files=files,
        pdf_optional=True,
        outlook=outlook,
    )
    print(f"  briefing on {len(shocks)} example scenarios and the response: {html}\n  " + pdf_line(pdf))
    return [html] if pdf is None else [html, pdf]


def main_job(data: str | None, out: Path) -> int:
    """Run the main job on the packaged dataset (or `data`) and write results under `out`."""
    ds = load(data)
    version = ds.attrs.get("version", "?")
    print(f"critmin main job: dataset {ds.attrs.get('name', '?')} {version}" + (f" + {data}" if data else ""))
    written: list[Path] = []

    def write(staging: Path) -> None:
        written.extend(out / path.relative_to(staging) for path in _sections(ds, staging))

    publish_folder(out, write)  # every result of this run appears at once; other files in `out` stay
    print("\nwritten:\n" + "\n".join(f"  {path}" for path in written))
    return 0


def _sections(ds: xr.Dataset, out: Path) -> list[Path]:
    """Run every section of the main job, writing into `out`; the files written."""
    from critmin.report.tables import format_stage_shares, stage_share_table

    _section("1. Who makes what: world stage shares (latest year), each row with its source")
    shares = stage_share_table(ds)
    print(format_stage_shares(shares))
    written = [atomic_write_csv(shares, out / "stage_shares.csv")]

    _section("2. Exposure: who controls each stage; each ally's largest hidden dependence")
    written += exposure_section(ds, out)

    _section("3. Shocks: the example scenarios, month by month (who stops, when)")
    shock_files, shocks = shock_section(ds, out)
    written += shock_files

    _section("4. Response: the portfolio a USD 1 bn budget buys, and the frontier")
    written += response_section(ds, out)

    _section("5. Sweep: a small grid of disruptions against three policies, on a local Dask cluster")
    written += sweep_section(ds, out)

    _section("6. Outlook to 2035 (STEPS): when each ally's dependence on China falls to 65%, and the cheapest plan")
    outlook_files, outlook = outlook_section(ds, out)
    written += outlook_files

    _section("7. Briefing: self-contained HTML and its PDF, every figure sourced")
    written += report_section(ds, out, shocks, response_of(out / "response"), outlook)
    return written
