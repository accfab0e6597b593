"""Mine production before the base year (USGS world and China series) and reserves by country.

``data-raw/production_history.csv`` holds USGS Mineral Commodity Summaries figures for 2015-2023:
the world total and China for every year, and a whole country table where one was read (rare
earths 2023). A year is written as its named countries plus ``ROW`` = world - named, so a share of
China is exact and a year with China alone reads as "China and the rest of the world".
Reserves come from the ``reserves`` rows of ``production_by_stage.csv`` (USGS MCS 2026).
"""

from __future__ import annotations

import re

import pandas as pd

from .common import RAW, YEAR, clip, iso, n
from .context import Context
from .production import RAW_MAT

HISTORY_FILE = RAW / "production_history.csv"
_REPO_PATH = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<commit>[0-9a-f]{7,40}):(?P<path>.+)$")


def github_url(where: str) -> str:
    """``owner/repo@commit:path`` -> the file's GitHub address; anything else unchanged.

    >>> github_url("a/b@2c70644:out/x.json")
    'https://github.com/a/b/blob/2c70644/out/x.json'
    """
    match = _REPO_PATH.match(where)
    if not match:
        return where
    return f"https://github.com/{match['repo']}/blob/{match['commit']}/{match['path']}"


def build_production_history(ctx: Context) -> None:
    """Country rows for each (material, year) before the base year: named countries and ROW."""
    raw = pd.read_csv(HISTORY_FILE)
    raw = raw.assign(source_url=raw["source_url"].map(github_url))
    for (material, year), rows in raw.groupby(["material", "year"], sort=True):
        if year >= YEAR:
            continue
        m = RAW_MAT[material]
        world = rows[rows["country"] == "World"].iloc[0]
        world_sid = ctx.src.raw(world)
        ctx.world_total(m, "mining", int(year), world["value"], world_sid, "USGS world total (rounded)")
        named = 0.0
        for _, r in rows[~rows["country"].isin(["World", "Other"])].iterrows():
            c = iso(r["country"])
            ctx.prod(m, "mining", c, int(year), r["value"], ctx.src.raw(r), f"{r['source']}; {clip(r['note'], 90)}")
            named += float(r["value"])
        rest = float(world["value"]) - named
        if rest > 0:
            ctx.prod(
                m,
                "mining",
                "ROW",
                int(year),
                rest,
                world_sid,
                f"ROW = world {n(world['value'])} - listed {n(named)} = {n(rest)} (same edition)",
            )


def has_history(ctx: Context, material: str, year: int) -> bool:
    """Whether :func:`build_production_history` wrote (material, mining, year)."""
    return ctx.tables["production"].has(material, "mining", "CHN", year)


def build_reserves(ctx: Context) -> None:
    """Reserves by country (USGS MCS 2026, end of 2025), on the mining stage's basis."""
    p = ctx.raw.prod
    rows = p[(p["stage"] == "reserves") & p["material"].isin(list(RAW_MAT))]
    for _, r in rows.iterrows():
        c = iso(r["country"])
        if c == "WORLD":
            continue
        ctx.tables["reserves"].add(
            material=RAW_MAT[r["material"]],
            country=c,
            year=int(r["year"]),
            value=float(r["value"]) * (1000.0 if str(r["unit"]).startswith("kt") else 1.0),
            unit="t",
            source_id=ctx.src.raw(r),
            note=clip(r["note"], 160),
        )
