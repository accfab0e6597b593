"""Build critmin's packaged default dataset from the sourced raw tables in ``data-raw/``.

Run from the repository root::

    .venv/bin/python tools/build_dataset.py            # writes critmin/data/packaged/
    .venv/bin/python tools/build_dataset.py --out DIR  # writes DIR/ (used by the tests)
    .venv/bin/python -m tools.dataset --out DIR        # the same

Deterministic: rows are sorted by key and floats are written with 6 significant digits in
positional notation, so two runs give the same bytes. Every estimate is computed here and the
same arithmetic, with its numbers, is written into the row's ``note``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from critmin.model.schema import SCHEMA

from .capacity import build_capacity
from .chain import build_chain
from .common import DEFAULT_OUT, Table
from .context import Context
from .cover import build_inventory_cover
from .demand import build_defence_demand, build_demand, build_demand_alternatives
from .factors import build_factors
from .history import build_production_history, build_reserves
from .import_value import build_import_value
from .package import write_package
from .parameters import build_parameters
from .prices import build_prices
from .production import build_production_alternatives, build_ree_trend, build_usgs_series
from .readme import coverage, grade_shares
from .records import build_export_controls, build_projects
from .ree import build_metals, build_ndfeb, build_oxide_shipments, build_separation
from .refining import build_gallium_hp, build_germanium, build_graphite_anode, build_refining
from .response import build_response_options
from .stockpile import build_stockpile
from .trade import build_trade
from .trade_observations import build_trade_observations

STEPS: tuple[Callable[[Context], None], ...] = (
    build_factors,
    build_usgs_series,
    build_production_history,
    build_ree_trend,
    build_reserves,
    build_separation,
    build_oxide_shipments,
    build_metals,
    build_ndfeb,
    build_gallium_hp,
    build_germanium,
    build_refining,
    build_graphite_anode,
    build_production_alternatives,
    build_chain,
    build_capacity,
    build_demand,
    build_demand_alternatives,
    build_defence_demand,
    build_trade,
    build_import_value,
    build_inventory_cover,
    build_stockpile,
    build_prices,
    build_trade_observations,
    build_parameters,
)
"""The build steps in the order they run: each reads what the earlier ones put in the context."""


def build(ctx: Context | None = None) -> dict[str, pd.DataFrame]:
    """Every output table by file name, the steps run in dependency order on a fresh (or given) context."""
    ctx = ctx or Context.load()
    for step in STEPS:
        step(ctx)
    out = {spec.file: ctx.tables[name].frame() for name, spec in SCHEMA.items()}
    wt = Table(
        "world_totals.csv",
        ["material", "stage", "year", "value", "unit", "source_id", "note"],
        ["material", "stage", "year"],
    )
    for (m, s, y), (v, sid, note) in ctx.world.items():
        wt.add(material=m, stage=s, year=y, value=v, unit="t/year", source_id=sid, note=note)
    out["world_totals.csv"] = wt.frame()
    out["alternatives.csv"] = ctx.alt.frame()
    out["price_observations.csv"] = ctx.obs.frame()
    out["trade_observations.csv"] = ctx.tobs.frame()
    out["projects.csv"] = build_projects(ctx).sort_values("project_id").reset_index(drop=True)
    out["export_controls.csv"] = build_export_controls(ctx)
    out.update(build_response_options(ctx))
    src = pd.DataFrame(
        list(ctx.src.records.values()), columns=["source_id", "title", "publisher", "year", "url", "grade", "note"]
    )
    out["sources.csv"] = src.sort_values("source_id").reset_index(drop=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: build every table and write the package to ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: critmin/data/packaged)")
    args = ap.parse_args(argv)
    out = build()
    write_package(out, args.out)
    print(coverage(out).to_string(index=False))
    print(grade_shares(out).to_string(index=False))
    return 0
